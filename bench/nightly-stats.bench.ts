/**
 * Nightly statistics of the synthetic 2.1-million-visit opsim table (8 numeric columns), per
 * night and accumulated through each night, by @visitsarch/nightly-stats against pandas on
 * the same table in the same run. Prints a Markdown table and one JSON line.
 *
 * 1. Generates the table (deterministic, seed 1) and keeps the 8 columns plus
 *    observationStartMJD as record batches in memory; writes the same columns as an Arrow IPC
 *    file for pandas.
 * 2. Times computeNightlyStats over the batches: per night only, then per night + accumulated.
 * 3. pandas (.venv): day_obs as upstream's compute_nightly_stats derives it, then
 *    `groupby('day_obs')[columns].describe(percentiles=[.05, .25, .5, .75, .95])`; the
 *    accumulated statistics as the specification defines them (`describe` of the cumulative
 *    frame through each night) are timed on 20 nights spread over the survey and extrapolated
 *    to every night (running them all would take hours: the method is quadratic).
 *
 * Options (environment): BENCH_ROWS (default 2100000).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { computeNightlyStats } from '@visitsarch/nightly-stats';
import { syntheticOpsimBatches } from '@visitsarch/visit-tables';
import { machineLine, writeSection } from './report';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(REPOSITORY, '.venv', 'bin', 'python');
const ROWS = Number(process.env.BENCH_ROWS ?? 2_100_000);
const COLUMNS = ['fieldRA', 'fieldDec', 'rotSkyPos', 'azimuth', 'altitude', 'airmass', 'skyBrightness', 'seeingFwhmEff'];

const PANDAS = String.raw`
import json, sys, time
import pandas as pd, pyarrow as pa
columns = json.loads(sys.argv[2])
df = pa.ipc.open_file(sys.argv[1]).read_all().to_pandas()
pct = [0.05, 0.25, 0.5, 0.75, 0.95]
start = time.perf_counter()
df['day_obs'] = pd.to_datetime(df['observationStartMJD'] + 2400000, unit='D', origin='julian').dt.date
per_night = df.groupby('day_obs')[columns].describe(percentiles=pct)
per_night_s = time.perf_counter() - start
nights = sorted(df['day_obs'].unique())
sample = [nights[round(i * (len(nights) - 1) / 19)] for i in range(20)]
start = time.perf_counter()
for night in sample:
    df[df['day_obs'] <= night][columns].describe(percentiles=pct)
sample_s = time.perf_counter() - start
print(json.dumps({'per_night_s': per_night_s, 'rows': int(per_night.size), 'nights': len(nights), 'accumulated_sample_s': sample_s, 'accumulated_estimate_s': sample_s / len(sample) * len(nights)}))
`;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightly-stats-bench-'));
  try {
    const generated = syntheticOpsimBatches({ rows: ROWS, seed: 1, batchRows: 65536 });
    const keep = ['observationStartMJD', ...COLUMNS];
    const all: RecordBatch[] = [];
    for await (const batch of generated) all.push(batch);
    const table = new Table(all).select(keep);
    all.length = 0;
    const batches = table.batches;
    const file = path.join(work, 'visits.arrow');
    fs.writeFileSync(file, tableToIPC(table, 'file'));
    const stream = () => ({ schema: table.schema, async *[Symbol.asyncIterator]() { yield* batches; } });

    const time = async (accumulated: boolean) => {
      const start = process.hrtime.bigint();
      const result = await computeNightlyStats(stream(), { columns: COLUMNS, accumulated });
      return { seconds: Number(process.hrtime.bigint() - start) / 1e9, rows: result.rows.length, nights: new Set(result.rows.map((r) => r.dayObs)).size };
    };
    await time(false); // warm-up (JIT)
    const perNight = await time(false);
    const both = await time(true);
    const peakMb = process.resourceUsage().maxRSS / 1024;

    const python = spawnSync(PYTHON, ['-c', PANDAS, file, JSON.stringify(COLUMNS)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (python.status !== 0) throw new Error(`pandas failed: ${python.stderr}`);
    const pandas = JSON.parse(python.stdout) as { per_night_s: number; nights: number; accumulated_sample_s: number; accumulated_estimate_s: number };

    const f = (s: number) => `${s.toFixed(2)} s`;
    const section = [
        `${ROWS.toLocaleString('en')} visits, ${perNight.nights} nights, ${COLUMNS.length} columns (${COLUMNS.join(', ')})`,
        '',
        '| Statistics | visitsarch (@visitsarch/nightly-stats) | pandas | Ratio (pandas ÷ visitsarch) |',
        '|---|---|---|---|',
        `| Per night (${perNight.rows} rows) | ${f(perNight.seconds)} | ${f(pandas.per_night_s)} (\`groupby('day_obs').describe\`) | ${(pandas.per_night_s / perNight.seconds).toFixed(2)}× |`,
        `| Per night + accumulated (${both.rows} rows) | ${f(both.seconds)} | ${f(pandas.per_night_s + pandas.accumulated_estimate_s)} (estimated: cumulative frames, 20 of ${pandas.nights} nights took ${f(pandas.accumulated_sample_s)}) | ${((pandas.per_night_s + pandas.accumulated_estimate_s) / both.seconds).toFixed(1)}× |`,
        `| Accumulated ÷ per night (visitsarch) | ${(both.seconds / perNight.seconds).toFixed(2)}× | | |`,
        `| Peak memory of the benchmark process (maxRSS, includes the table) | ${peakMb.toFixed(0)} MB | | |`,
        '',
      ].join('\n');
    writeSection('nightly-stats', `## Nightly statistics\n\n${machineLine()}.\n\n${section}`);
    process.stdout.write(`${section}\n${JSON.stringify({ rows: ROWS, nights: perNight.nights, columns: COLUMNS.length, perNightS: perNight.seconds, withAccumulatedS: both.seconds, pandas, peakMb })}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
