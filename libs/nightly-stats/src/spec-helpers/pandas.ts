/**
 * Test helpers: the expected statistics, computed by pandas itself (the project's .venv) from
 * the same table written as an Arrow IPC file, the way the specification and upstream's
 * `compute_nightly_stats` compute them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import type { NightlyStatRow } from '../nightly-stats';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

/**
 * Per night: `groupby('day_obs')[columns].describe(...)`; accumulated: `describe` of the
 * frame of every visit with day_obs <= d, for each night d of the groupby. day_obs is the
 * table's own column, or upstream's `to_datetime(mjd + 2400000, unit='D', origin='julian')`
 * date. Floats are printed with repr, so they round-trip exactly.
 */
const PANDAS_SCRIPT = String.raw`
import json, sys
import pandas as pd, pyarrow as pa
df = pa.ipc.open_file(sys.argv[1]).read_all().to_pandas()
columns = json.loads(sys.argv[2])   # {value_name: column}
accumulated = sys.argv[3] == '1'
if 'day_obs' in df.columns:
    day = df['day_obs']
    day_obs = pd.to_datetime(day.astype('Int64').astype(str), format='%Y%m%d', errors='coerce').dt.date if day.dtype.kind in 'iuf' else pd.to_datetime(day).dt.date
else:
    mjd = df['observationStartMJD'] if 'observationStartMJD' in df.columns else df['obs_start_mjd']
    day_obs = pd.to_datetime(mjd + 2400000, unit='D', origin='julian').dt.date
visits = pd.DataFrame({name: df[column].astype('float64') for name, column in columns.items()})
visits['day_obs'] = day_obs
names = sorted(columns)
pct = [0.05, 0.25, 0.5, 0.75, 0.95]
fields = ['count', 'mean', 'std', 'min', '5%', '25%', '50%', '75%', '95%', 'max']
rows = []
described = visits.groupby('day_obs')[names].describe(percentiles=pct)
for day in described.index:
    for name in names:
        rows.append([str(day), name, False] + [repr(float(described.loc[day, (name, f)])) for f in fields])
    if accumulated:
        through = visits[visits['day_obs'] <= day][names].describe(percentiles=pct)
        for name in names:
            rows.append([str(day), name, True] + [repr(float(through.loc[f, name])) for f in fields])
print(json.dumps(rows))
`;

const FIELDS = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'] as const;

/** pandas' rows for a table, in the library's order (day_obs, value_name, accumulated). */
export function pandasNightlyStats(table: Table, columns: Record<string, string>, accumulated: boolean): NightlyStatRow[] {
  if (!existsSync(PYTHON)) throw new Error(`the project Python environment is missing (${PYTHON}); create it with: bash tools/python-env.sh`);
  const dir = mkdtempSync(path.join(tmpdir(), 'nightly-stats-'));
  try {
    const file = path.join(dir, 'visits.arrow');
    writeFileSync(file, tableToIPC(table, 'file'));
    const result = spawnSync(PYTHON, ['-c', PANDAS_SCRIPT, file, JSON.stringify(columns), accumulated ? '1' : '0'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
    if (result.status !== 0) throw new Error(`python failed (${result.status}):\n${result.stderr}`);
    const rows = (JSON.parse(result.stdout) as [string, string, boolean, ...string[]][]).map(([dayObs, valueName, acc, ...values]) => {
      const row = { dayObs, valueName, accumulated: acc } as NightlyStatRow;
      FIELDS.forEach((field, i) => (row[field] = Number(values[i])));
      return row;
    });
    return rows.sort((a, b) => (a.dayObs !== b.dayObs ? (a.dayObs < b.dayObs ? -1 : 1) : a.valueName !== b.valueName ? (a.valueName < b.valueName ? -1 : 1) : Number(a.accumulated) - Number(b.accumulated)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks rows against pandas': same keys in the same order; count, min, max and quantiles
 * bit-identical (same order statistics, same interpolation arithmetic); mean and std to
 * 1e-12 relative (pandas sums pairwise, we sum sequentially). Returns the mismatches.
 */
export function mismatches(actual: NightlyStatRow[], expected: NightlyStatRow[]): string[] {
  const problems: string[] = [];
  if (actual.length !== expected.length) problems.push(`${actual.length} rows, pandas has ${expected.length}`);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const a = actual[i];
    const e = expected[i];
    const key = `${e.dayObs} ${e.valueName} ${e.accumulated ? 'accumulated' : 'night'}`;
    if (a.dayObs !== e.dayObs || a.valueName !== e.valueName || a.accumulated !== e.accumulated) {
      problems.push(`row ${i}: ${a.dayObs} ${a.valueName} ${a.accumulated}, pandas ${key}`);
      continue;
    }
    for (const field of FIELDS) {
      const exact = field !== 'mean' && field !== 'std';
      const same = Number.isNaN(e[field]) ? Number.isNaN(a[field]) : exact ? a[field] === e[field] : Math.abs(a[field] - e[field]) <= 1e-12 * Math.max(1, Math.abs(e[field]));
      if (!same) problems.push(`${key} ${field}: ${a[field]}, pandas ${e[field]}`);
    }
  }
  return problems;
}
