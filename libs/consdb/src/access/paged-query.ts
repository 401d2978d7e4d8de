/**
 * Runs a visit query over a day_obs range in pages that stay under the endpoint's row cap.
 * ConsDB's HTTP API drops rows past 1,000,000 without saying so, so each range is counted
 * first; a range holding too many rows is split in two by nights, recursively. A page that
 * comes back full anyway (ConsDB grew between count and fetch) is split as well. A single
 * night over the cap cannot be paged by day_obs: that is a `truncated` failure.
 */
import { parseDayObs, mjdAtDayObsStart } from '@visitsarch/day-obs';
import { boundedByDayObs, countInDayObsRange, DayObsBounds } from '../default-queries';
import { ConsdbConnection, ConsdbError, ConsdbResult } from './consdb-connection';

export async function queryByDayObsPages(connection: ConsdbConnection, query: string, bounds: DayObsBounds, signal?: AbortSignal): Promise<ConsdbResult> {
  if (!Number.isFinite(connection.rowLimit)) return connection.query(boundedByDayObs(query, bounds), signal);
  const result: ConsdbResult = { columns: [], rows: [] };
  let haveColumns = false;
  const fetchRange = async (range: DayObsBounds): Promise<void> => {
    const count = await connection.query(countInDayObsRange(query, range), signal);
    const [rowCount, first, last] = (count.rows[0] ?? [0, null, null]).map((value) => (value === null ? null : Number(value)));
    if (!rowCount || first === null || last === null) {
      if (!haveColumns) {
        // an empty page still gives the column names (needed for an empty table's schema)
        result.columns = (await connection.query(boundedByDayObs(query, range), signal)).columns;
        haveColumns = true;
      }
      return;
    }
    if (rowCount < connection.rowLimit) {
      const page = await connection.query(boundedByDayObs(query, { first, last }), signal);
      if (page.rows.length < connection.rowLimit) {
        if (haveColumns && page.columns.join('\u0000') !== result.columns.join('\u0000')) {
          throw new ConsdbError('rejected', 'ConsDB returned different columns for different nights of the same query');
        }
        result.columns = page.columns;
        haveColumns = true;
        for (const row of page.rows) result.rows.push(row);
        return;
      }
    }
    if (first === last) {
      throw new ConsdbError('truncated', `night ${first} alone has at least ${connection.rowLimit} rows, the most ConsDB returns from one query: narrow the query`);
    }
    const middle = middleNight(first, last);
    await fetchRange({ first, last: middle });
    await fetchRange({ first: nextNight(middle), last });
  };
  await fetchRange(bounds);
  return result;
}

const MS_PER_DAY = 86_400_000;

function nightIndex(dayObs: number): number {
  return Math.floor(mjdAtDayObsStart(parseDayObs(dayObs)));
}

function dayObsOfIndex(index: number): number {
  const date = new Date(Date.UTC(1858, 10, 17) + index * MS_PER_DAY).toISOString().slice(0, 10);
  return Number(date.replaceAll('-', ''));
}

/** The last night of the first half of [first, last] (first ≤ result < last). */
export function middleNight(first: number, last: number): number {
  const [a, b] = [nightIndex(first), nightIndex(last)];
  return dayObsOfIndex(Math.floor((a + b) / 2));
}

export function nextNight(dayObs: number): number {
  return dayObsOfIndex(nightIndex(dayObs) + 1);
}
