/**
 * Reading a MAF results database (`resultsDb_sqlite.db`, written by rubin_sim's
 * `rubin_sim.maf.ResultsDb`): its `metrics` table (metric_id, metric_name, slicer_name,
 * run_name, sql_constraint, metric_info_label, metric_datafile), its `summarystats` table
 * (stat_id, metric_id, summary_name, summary_value) and its `version` table (version,
 * run_date).
 */
import Database from 'better-sqlite3';

/** One summary statistic, named as rubin_sim's `gather_summaries` names it. */
export interface MafSummary {
  /** summary_name, metric_name, metric_info_label, slicer_name: stripped, empty parts dropped, joined by single spaces. */
  name: string;
  value: number;
  sqlConstraint?: string;
  slicerName?: string;
}

export interface MafResults {
  summaries: MafSummary[];
  /** Rows whose value is not a single number (NULL, text or a blob such as an array). */
  skipped: number;
  /** The rubin_sim version recorded in the database, if any. */
  rubinSimVersion?: string;
}

/** Raised when the bytes are not a MAF results database. */
export class NotMafResultsError extends Error {}

const REQUIRED = { metrics: ['metric_id', 'metric_name', 'slicer_name', 'sql_constraint', 'metric_info_label'], summarystats: ['metric_id', 'summary_name', 'summary_value'] } as const;

/** Reads the summary statistics of a results database given as the bytes of its file. */
export function readMafResults(bytes: Buffer): MafResults {
  let db: Database.Database;
  try {
    db = new Database(bytes, { readonly: true });
  } catch (error) {
    throw new NotMafResultsError(`not an SQLite database: ${(error as Error).message}`);
  }
  try {
    for (const [table, columns] of Object.entries(REQUIRED)) {
      let present: Set<string>;
      try {
        present = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((row) => row.name));
      } catch (error) {
        throw new NotMafResultsError(`not an SQLite database: ${(error as Error).message}`);
      }
      const missing = columns.filter((column) => !present.has(column));
      if (missing.length) throw new NotMafResultsError(present.size === 0 ? `not a MAF results database: no ${table} table` : `not a MAF results database: table ${table} lacks ${missing.join(', ')}`);
    }
    const rows = db
      .prepare(
        `SELECT s.summary_name, s.summary_value, m.metric_name, m.metric_info_label, m.slicer_name, m.sql_constraint
         FROM summarystats s JOIN metrics m ON m.metric_id = s.metric_id ORDER BY s.stat_id`,
      )
      .all() as { summary_name: string | null; summary_value: unknown; metric_name: string | null; metric_info_label: string | null; slicer_name: string | null; sql_constraint: string | null }[];
    const summaries: MafSummary[] = [];
    let skipped = 0;
    for (const row of rows) {
      if (typeof row.summary_value !== 'number') {
        skipped++;
        continue;
      }
      const name = [row.summary_name, row.metric_name, row.metric_info_label, row.slicer_name].map((part) => (part ?? '').trim()).filter(Boolean).join(' ').replace(/\s+/g, ' ');
      summaries.push({ name, value: row.summary_value, sqlConstraint: row.sql_constraint ?? undefined, slicerName: row.slicer_name ?? undefined });
    }
    return { summaries, skipped, rubinSimVersion: versionOf(db) };
  } finally {
    db.close();
  }
}

function versionOf(db: Database.Database): string | undefined {
  try {
    const row = db.prepare('SELECT version FROM version ORDER BY version_id DESC LIMIT 1').get() as { version: string | null } | undefined;
    return row?.version ?? undefined;
  } catch {
    return undefined; // older databases have no version table
  }
}
