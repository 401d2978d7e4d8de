/**
 * Test exposures as a default query returns them, without a database: `visit1` (the exposure
 * row with `exposure_id AS visit_id`) LEFT JOINed with its quicklook row on the key columns,
 * science visits only — for conversion tests that need many rows but no ConsDB.
 */
import { ConsdbResult } from '../access/consdb-connection';
import { TestExposure } from './test-visits';

export function consdbResultOf(exposures: TestExposure[]): ConsdbResult {
  const rows = exposures
    .filter((e) => e.science)
    .map((e) => {
      const { exposure_id: visitId, ...exposure } = e.exposure;
      return { visit_id: visitId, ...exposure, ...(e.quicklook ?? {}) } as Record<string, unknown>;
    });
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return { columns, rows: rows.map((row) => columns.map((name) => row[name] ?? null)) };
}
