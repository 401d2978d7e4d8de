import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { NotMafResultsError, readMafResults } from './maf-results-db';

jest.setTimeout(60_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'maf-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A results database written by rubin_sim's own ResultsDb (the real MAF schema). */
function resultsDb(): Buffer {
  const script = String.raw`
import sys, numpy as np
from rubin_sim.maf.db import ResultsDb
db = ResultsDb(out_dir=sys.argv[1])
m1 = db.update_metric('CoaddM5', 'HealpixSlicer', 'baseline', "filter = 'r'", 'r band', 'm1.npz')
db.update_summary_stat(m1, 'Median', 26.5)
db.update_summary_stat(m1, 'Mean', 26.25)
m2 = db.update_metric('Nvisits', 'UniSlicer', 'baseline', '', '', 'm2.npz')
db.update_summary_stat(m2, 'Count', 2100000)
db.update_summary_stat(m2, 'Identity', np.array([('a', 1.5), ('b', 2.5)], dtype=[('name', 'U4'), ('value', float)]))
db.session.execute(__import__('sqlalchemy').text("INSERT INTO summarystats (metric_id, summary_name, summary_value) VALUES (:m, 'Undefined', NULL)"), {'m': m2})
db.session.commit()
db.close()
`;
  const result = spawnSync(PYTHON, ['-c', script, dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return readFileSync(path.join(dir, 'resultsDb_sqlite.db'));
}

it('reads the summary statistics of a results database, named as gather_summaries names them', () => {
  const results = readMafResults(resultsDb());
  expect(results.summaries).toEqual([
    { name: 'Median CoaddM5 r band HealpixSlicer', value: 26.5, sqlConstraint: "filter = 'r'", slicerName: 'HealpixSlicer' },
    { name: 'Mean CoaddM5 r band HealpixSlicer', value: 26.25, sqlConstraint: "filter = 'r'", slicerName: 'HealpixSlicer' },
    { name: 'Count Nvisits UniSlicer', value: 2100000, sqlConstraint: '', slicerName: 'UniSlicer' },
    { name: 'Identity a Nvisits UniSlicer', value: 1.5, sqlConstraint: '', slicerName: 'UniSlicer' },
    { name: 'Identity b Nvisits UniSlicer', value: 2.5, sqlConstraint: '', slicerName: 'UniSlicer' },
  ]);
  expect(results.skipped).toBe(1); // the NULL
});

it('refuses bytes that are not an SQLite database, or one without MAF tables', () => {
  expect(() => readMafResults(Buffer.from('not an sqlite file at all, just text'))).toThrow(NotMafResultsError);
  const other = new Database(':memory:');
  other.exec('CREATE TABLE metrics (metric_id INTEGER, metric_name TEXT)');
  const bytes = other.serialize();
  other.close();
  expect(() => readMafResults(bytes)).toThrow(/table metrics lacks slicer_name, sql_constraint, metric_info_label/);
  const empty = new Database(':memory:');
  const emptyBytes = empty.serialize();
  empty.close();
  expect(() => readMafResults(emptyBytes)).toThrow(/no metrics table|not an SQLite database/);
});
