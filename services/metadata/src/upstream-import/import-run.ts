import { metadataV1 } from '@visitsarch/contracts';
import { Client } from 'pg';
import { Tx } from '../database/archive-database';
import { isPgError } from '../common/database-errors';
import { CheckContext, insertSql, ParentKind, probeSql, Row, selectSql, TablePlan } from './upstream-tables';

const BATCH_ROWS = 5000;

/** The first and last day_obs of a sequence's visits (YYYY-MM-DD). */
export interface SequenceNights {
  first: string;
  last: string;
}

const DATED_REMARK = "first_day_obs/last_day_obs taken from the nights of its visits, as read by the caller (the upstream has none)";

const Outcome = metadataV1.RowImportOutcome;
type Outcome = metadataV1.RowImportOutcome;

/** The columns in which a sequence whose visits were adopted here differs from its upstream row by that adoption. */
const ADOPTION_COLUMNS = new Set(['visitseq_sha256', 'visitseq_url']);

/** The nights of a sequence, which an import takes from its visits when the upstream has none. */
const NIGHT_COLUMNS = new Set(['first_day_obs', 'last_day_obs']);

/** What a row of a batch meets here (probeSql). */
interface Probe {
  n: number;
  present?: boolean;
  present_kind?: string | null;
  differs: string[];
  visits_stored?: boolean;
  identical?: number;
  [parent: string]: unknown;
}

/** A row to write: its place in the table's report and its JSON row. */
interface Candidate {
  index: number;
  row: Row;
}

/**
 * One import: reads the upstream's tables one after the other, decides and writes each row inside
 * the caller's transaction, and keeps the report. Per row, in this order:
 * 1. a key an earlier upstream row of the table already had (the upstream enforces none on tags, nor
 *    one UUID across its sequence tables): SKIPPED;
 * 2. a row with the same key here: ALREADY_PRESENT if it has the same values, else SKIPPED naming
 *    the columns that differ (this archive's row is kept; an import never changes one);
 * 3. what this archive's schema cannot hold (TablePlan.check): REFUSED with the reason;
 * 4. a sequence or MAF metric it belongs to that is neither upstream (imported) nor here: REFUSED;
 * 5. otherwise written: IMPORTED, or REFUSED with PostgreSQL's message if a constraint still objects.
 */
export class ImportRun {
  private readonly reports: metadataV1.RowImportReport[] = [];
  private readonly tables: metadataV1.TableImportResult[] = [];
  /** The upstream's sequence rows read so far, by UUID: their table and what became of them. */
  private readonly sequences = new Map<string, { table: string; outcome: Outcome }>();
  /** The upstream's MAF metrics read so far, by name: what became of them. */
  private readonly metrics = new Map<string, Outcome>();

  constructor(
    private readonly upstream: Client,
    private readonly tx: Tx,
    /** The upstream schema, quoted. */
    private readonly schema: string,
    /** The nights the caller read from the visits of upstream sequences without day_obs (ImportUpstreamRequest.sequence_nights). */
    private readonly sequenceNights: ReadonlyMap<string, SequenceNights> = new Map(),
  ) {}

  response(): metadataV1.ImportUpstreamResponse {
    return { tables: this.tables, rows: this.reports };
  }

  async importTable(plan: TablePlan, presentUpstream: boolean): Promise<void> {
    const result: metadataV1.TableImportResult = { tableName: plan.upstream, copiedCount: 0, skippedCount: 0, rejectedCount: 0, alreadyPresentCount: 0, absentUpstream: !presentUpstream };
    this.tables.push(result);
    if (!presentUpstream) return;
    const { rows } = await this.upstream.query<Row>(selectSql(plan, this.schema));
    const reports = rows.map((row) => reportOf(plan, row));
    // Before anything compares or checks them: the missing nights the caller read from the visits.
    const dated = plan.kind ? this.dateFromVisits(rows) : new Set<number>();
    const context = await this.checkContext(plan, rows);
    const probes = await this.probe(plan, rows);

    const seenKeys = new Set<string>();
    const occurrences = new Map<string, number>();
    const candidates: Candidate[] = [];
    rows.forEach((row, index) => {
      const decide = (outcome: Outcome, reason = '') => Object.assign(reports[index], { outcome, reason });
      const probe = probes[index];
      if (plan.kind) {
        const earlier = this.sequences.get(row.visitseq_uuid);
        if (earlier) return decide(Outcome.ROW_IMPORT_OUTCOME_SKIPPED, `the upstream's ${earlier.table} table has a row with the same visitseq_uuid (reported there)`);
      } else if (plan.key.length > 0) {
        const key = JSON.stringify(plan.key.map((name) => row[name]));
        if (seenKeys.has(key)) return decide(Outcome.ROW_IMPORT_OUTCOME_SKIPPED, 'repeats the key of an earlier upstream row of this table (the upstream does not enforce it)');
        seenKeys.add(key);
      }
      if (plan.key.length === 0) {
        // Comments have no key: the k-th of identical upstream comments is here if k identical ones are.
        const same = JSON.stringify(plan.columns.map((column) => row[column.name]));
        const occurrence = (occurrences.get(same) ?? 0) + 1;
        occurrences.set(same, occurrence);
        if (occurrence <= (probe.identical ?? 0)) return decide(Outcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT);
      } else {
        // Adopting a sequence's visits here (adopt_visits, import_upstream --with-visits or
        // --in-place) replaces the upstream's visitseq_sha256 by their canonical hash and, for a
        // copy, its visitseq_url by the copy's: those are the adoption, not a different row.
        const adopted = plan.kind && probe.visits_stored ? probe.differs.filter((column) => ADOPTION_COLUMNS.has(column)) : [];
        // Nights the upstream left out were taken from the visits when the row was imported.
        const filled = plan.kind ? probe.differs.filter((column) => NIGHT_COLUMNS.has(column) && (row[column] === null || row[column] === undefined)) : [];
        const differs = probe.differs.filter((column) => !adopted.includes(column) && !filled.includes(column));
        const here = plan.kind ? probe.present_kind : probe.present;
        if (plan.kind && here && here !== plan.kind) differs.unshift(`kind (here: ${here})`);
        if (here) {
          if (differs.length === 0) {
            const why = [
              adopted.length > 0 && `its visits were adopted here, so this archive's ${adopted.join(' and ')} ${adopted.length > 1 ? 'are' : 'is'} theirs`,
              filled.length > 0 && `this archive's ${filled.join(' and ')} ${filled.length > 1 ? 'are' : 'is'} from the nights of its visits (the upstream has none)`,
            ];
            return decide(Outcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT, why.filter(Boolean).join('; '));
          }
          return decide(Outcome.ROW_IMPORT_OUTCOME_SKIPPED, `this archive's row with this key differs in ${differs.join(', ')}: it is kept (an import never changes a row here)`);
        }
      }
      const refused = plan.check(row, context);
      if (refused) return decide(Outcome.ROW_IMPORT_OUTCOME_REFUSED, refused);
      const missing = plan.parents.findIndex((_parent, parent) => probe[`parent_${parent}`] !== true);
      if (missing >= 0) return decide(Outcome.ROW_IMPORT_OUTCOME_REFUSED, this.missingParent(plan.parents[missing].kind, row[plan.parents[missing].column]));
      candidates.push({ index, row: { n: index, ...row } });
    });

    for (let start = 0; start < candidates.length; start += BATCH_ROWS) {
      const batch = candidates.slice(start, start + BATCH_ROWS);
      const written = await this.insert(plan, batch.map((candidate) => candidate.row));
      for (const { index, row } of batch) {
        const outcome = written.get(index);
        if (outcome === undefined) Object.assign(reports[index], { outcome: Outcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT, reason: 'written here by another client during this import' });
        else if (outcome === null) {
          const remarks = [...(dated.has(index) ? [DATED_REMARK] : []), ...(plan.remarks?.(row) ?? [])];
          Object.assign(reports[index], { outcome: Outcome.ROW_IMPORT_OUTCOME_IMPORTED, reason: remarks.join('; ') });
        }
        else Object.assign(reports[index], { outcome: Outcome.ROW_IMPORT_OUTCOME_REFUSED, reason: `this archive refused it: ${outcome}` });
      }
    }

    rows.forEach((row, index) => {
      const { outcome } = reports[index];
      if (plan.kind && !this.sequences.has(row.visitseq_uuid)) this.sequences.set(row.visitseq_uuid, { table: plan.upstream, outcome });
      if (plan.upstream === 'maf_metrics') this.metrics.set(row.maf_metric_name, outcome);
      if (outcome === Outcome.ROW_IMPORT_OUTCOME_IMPORTED) result.copiedCount++;
      else if (outcome === Outcome.ROW_IMPORT_OUTCOME_REFUSED) result.rejectedCount++;
      else {
        result.skippedCount++;
        if (outcome === Outcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT) result.alreadyPresentCount++;
      }
    });
    this.reports.push(...reports);
  }

  /** Fills the missing first/last_day_obs of sequence rows from sequenceNights; the indexes of the rows it filled. */
  private dateFromVisits(rows: Row[]): Set<number> {
    const dated = new Set<number>();
    rows.forEach((row, index) => {
      if (row.first_day_obs && row.last_day_obs) return;
      const nights = this.sequenceNights.get(String(row.visitseq_uuid).toLowerCase());
      if (!nights) return;
      row.first_day_obs ||= nights.first;
      row.last_day_obs ||= nights.last;
      dated.add(index);
    });
    return dated;
  }

  /** For sequences without day_obs: the nights their upstream statistics cover, named in the reason. */
  private async checkContext(plan: TablePlan, rows: Row[]): Promise<CheckContext> {
    const statsNights = new Map<string, { first: string; last: string }>();
    const undated = plan.kind ? rows.filter((row) => !row.first_day_obs || !row.last_day_obs).map((row) => row.visitseq_uuid) : [];
    if (undated.length > 0) {
      const nights = await this.upstream.query<{ uuid: string; first: string; last: string }>(
        `SELECT visitseq_uuid::text AS uuid, min(day_obs)::text AS first, max(day_obs)::text AS last FROM ${this.schema}.nightly_stats
         WHERE visitseq_uuid = ANY($1::uuid[]) GROUP BY visitseq_uuid`,
        [undated],
      );
      for (const { uuid, first, last } of nights.rows) statsNights.set(uuid, { first, last });
    }
    return { statsNights };
  }

  /** What every row meets here, in the rows' order. */
  private async probe(plan: TablePlan, rows: Row[]): Promise<Probe[]> {
    const probes: Probe[] = [];
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.slice(start, start + BATCH_ROWS).map((row, offset) => ({ n: start + offset, ...row }));
      const found = await this.tx.rows<Probe>(probeSql(plan), [JSON.stringify(batch)]);
      for (const probe of found) probes[probe.n] = probe;
    }
    return probes;
  }

  /**
   * Writes the rows; answers, by `n`, null for a row written, PostgreSQL's message for one it refused,
   * nothing for one whose key appeared meanwhile. A batch that fails is retried row by row, so that
   * one row's violation refuses that row only.
   */
  private async insert(plan: TablePlan, rows: Row[]): Promise<Map<number, string | null>> {
    const sql = insertSql(plan);
    const attempt = async (part: Row[]): Promise<{ n: number }[] | string> => {
      await this.tx.rows('SAVEPOINT upstream_import');
      try {
        const written = await this.tx.rows<{ n: number }>(sql, [JSON.stringify(part)]);
        await this.tx.rows('RELEASE SAVEPOINT upstream_import');
        return written;
      } catch (error) {
        if (!isRowError(error)) throw error;
        await this.tx.rows('ROLLBACK TO SAVEPOINT upstream_import');
        return messageOf(error);
      }
    };
    const whole = await attempt(rows);
    if (typeof whole !== 'string') return new Map(whole.map(({ n }) => [n, null]));
    const outcomes = new Map<number, string | null>();
    for (const row of rows) {
      const one = await attempt([row]);
      if (typeof one === 'string') outcomes.set(row.n, one);
      else if (one.length > 0) outcomes.set(row.n, null);
    }
    return outcomes;
  }

  private missingParent(kind: ParentKind, value: string): string {
    if (kind === 'sequence') {
      const upstream = this.sequences.get(value);
      if (upstream?.outcome === Outcome.ROW_IMPORT_OUTCOME_REFUSED) return `its visit sequence was refused (see its row of the upstream's ${upstream.table} table)`;
      return `no visit sequence ${value}, upstream or here`;
    }
    if (this.metrics.get(value) === Outcome.ROW_IMPORT_OUTCOME_REFUSED) return `its MAF metric ${JSON.stringify(value)} was refused (see its maf_metrics row)`;
    return `no MAF metric ${JSON.stringify(value)}, upstream or here`;
  }
}

/** A row's failure (a data exception or a constraint), as opposed to the connection's or the server's. */
function isRowError(error: unknown): boolean {
  return isPgError(error) && (error.code!.startsWith('22') || error.code!.startsWith('23'));
}

function messageOf(error: unknown): string {
  const driver = (error as { driverError?: { message?: string } }).driverError;
  return driver?.message ?? (error as Error).message;
}

/** The report of an upstream row, its outcome still to decide. */
function reportOf(plan: TablePlan, row: Row): metadataV1.RowImportReport {
  const keyNames = plan.key.length > 0 ? plan.key : ['comment_time', 'author'];
  const key = keyNames
    .filter((name) => name !== 'visitseq_uuid' && !(plan.key.length === 0 && row[name] === null))
    .map((name) => `${name}=${keyValue(row[name], plan.columns.find((column) => column.name === name)!.type)}`)
    .join(' ');
  return {
    tableName: plan.upstream,
    visitseqUuid: row.visitseq_uuid ?? '',
    key,
    outcome: Outcome.ROW_IMPORT_OUTCOME_UNSPECIFIED,
    reason: '',
    upstreamVisitseqSha256: plan.kind && row.visitseq_sha256 ? Buffer.from(row.visitseq_sha256, 'hex') : Buffer.alloc(0),
    upstreamVisitseqUrl: plan.kind ? (row.visitseq_url ?? '') : '',
    undatedUpstream: !!plan.kind && (!row.first_day_obs || !row.last_day_obs),
  };
}

function keyValue(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (type === 'timestamptz') return isoInstant(String(value));
  const text = String(value);
  return text === '' || /[\s="\\]/.test(text) ? JSON.stringify(text) : text;
}

/** PostgreSQL's text of an instant at UTC (`2025-12-01 02:00:00.123456+00`) as ISO 8601 (`2025-12-01T02:00:00.123456Z`). */
export function isoInstant(text: string): string {
  const match = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00$/.exec(text);
  return match ? `${match[1]}T${match[2]}Z` : text;
}
