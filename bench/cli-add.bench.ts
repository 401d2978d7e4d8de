/**
 * `npm run bench`, CLI step: archiving the file a simulation wrote, and downloading it back, with
 * the `visitsarch` command against what pandas takes to write that file, in one run on one machine.
 *
 * 1. bench/cli_add_baseline.py builds a realistic opsim visit table (the 47 columns of
 *    test/data/opsim/sample_opsim.db's observations, tiled and perturbed to BENCH_ROWS rows, text
 *    in object columns as the scheduler's frames hold it), writes it as rubin_sim does
 *    (`df.to_hdf(path, key="observations")`: pandas' "fixed" layout, the text columns one pickled
 *    object block) and times that, and `to_sql` into a new SQLite file.
 * 2. With the whole archive running (startStack over a fresh home; the CLI finds the gateway and the
 *    stack's token through VISITSARCH_GATEWAY and VISITSARCH_HOME), times
 *    `visitsarch add_simulation visits.h5 LABEL` and `visitsarch download UUID visits out.h5` /
 *    `out.db`, each a fresh process timed from start to exit, with its peak resident memory (VmHWM,
 *    read as the process exits), and reads the gateway's and blob archive's peak memory.
 * 3. Checks with pandas that both downloads hold the visits of visits.h5, then writes its section
 *    of docs/benchmarks.md.
 *
 * Options (environment): BENCH_ROWS (default 2100000), BENCH_REPEAT (timed runs of each operation
 * after an untimed warm-up run, default 3), BENCH_WORKDIR (default a temporary directory, removed
 * afterwards).
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, type Stack, startStack } from '@visitsarch/stack';
import { machineLine, writeSection } from './report';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(REPOSITORY, '.venv', 'bin', 'python');
const CLI = path.join(REPOSITORY, 'cli', 'dist', 'main.js');
const TEMPLATE = path.join(REPOSITORY, 'test', 'data', 'opsim', 'sample_opsim.db');
const ROWS = Number(process.env.BENCH_ROWS ?? 2_100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
/** The CLI's memory target: under this for any table size. */
const CLI_MEMORY_TARGET = 300e6;

/** Loaded into each CLI process: writes its peak resident set size (VmHWM, bytes) to $BENCH_PEAK_FILE as it exits. */
const PEAK_PRELOAD = `
const fs = require('node:fs');
process.on('exit', () => {
  const kb = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (kb && process.env.BENCH_PEAK_FILE) fs.writeFileSync(process.env.BENCH_PEAK_FILE, String(Number(kb[1]) * 1024));
});
`;

type Range = [number, number, number]; // median, min, max

interface PandasBaseline {
  rows: number;
  columns: number;
  object_columns: string[];
  to_hdf: Range;
  to_sql: Range;
  h5_bytes: number;
  db_bytes: number;
  repeat: number;
  pandas: string;
}

interface CliRun {
  seconds: number;
  peakRss: number;
  stdout: string;
}

interface Measured {
  seconds: Range;
  peakRss: number; // the largest of the timed runs
  stdout: string;
}

async function main(): Promise<void> {
  const workdir = process.env.BENCH_WORKDIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-bench-cli-'));
  fs.mkdirSync(workdir, { recursive: true });
  const home = path.join(workdir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const preload = path.join(workdir, 'peak-rss.js');
  fs.writeFileSync(preload, PEAK_PRELOAD);
  let stack: Stack | undefined;
  try {
    log(`building the ${ROWS}-visit table and timing pandas' to_hdf and to_sql (${REPEAT} runs each)`);
    const pandas = JSON.parse(
      execFileSync(PYTHON, [path.join(REPOSITORY, 'bench', 'cli_add_baseline.py'), 'make', TEMPLATE, workdir, String(ROWS), String(REPEAT)], { encoding: 'utf8', maxBuffer: 1 << 20 })
        .trim()
        .split('\n')
        .pop()!,
    ) as PandasBaseline;
    const visits = path.join(workdir, 'visits.h5');
    log(`pandas: to_hdf ${pandas.to_hdf[0].toFixed(2)} s, to_sql ${pandas.to_sql[0].toFixed(2)} s; visits.h5 ${(pandas.h5_bytes / 1e6).toFixed(1)} MB`);

    stack = await startStack({ home, addresses: await freeServiceAddresses(), logger: createLogger('bench', 'warn'), serviceLogs: 'ignore', env: { LOG_LEVEL: 'warn' } });
    // The CLI finds the stack's token under VISITSARCH_HOME (or where the stack says it wrote it).
    const tokenFile = (stack as { tokenFile?: string }).tokenFile;
    const env = { ...process.env, VISITSARCH_GATEWAY: stack.gateway, VISITSARCH_HOME: home, ...(tokenFile ? { VISITSARCH_TOKEN_FILE: tokenFile } : {}) };
    const cli = (args: string[]) => runCli(preload, path.join(workdir, 'peak'), args, env);

    log(`visitsarch add_simulation visits.h5 (${REPEAT} timed runs after a warm-up)`);
    let label = 0;
    const add = await measured(() => cli(['add_simulation', visits, `cli benchmark ${label++}`]));
    const uuid = add.stdout.trim();
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new Error(`add_simulation printed ${JSON.stringify(add.stdout)}, not a UUID`);
    const servicePeakAfterAdd = servicePeaks(stack);

    const downloads: Record<'h5' | 'db', Measured> = {} as Record<'h5' | 'db', Measured>;
    for (const extension of ['h5', 'db'] as const) {
      const out = path.join(workdir, `out.${extension}`);
      log(`visitsarch download UUID visits out.${extension} (${REPEAT} timed runs after a warm-up)`);
      // A new file each time (the previous one removed untimed, as pandas' is).
      downloads[extension] = await measured(() => cli(['download', uuid, 'visits', out]), () => fs.rmSync(out, { force: true }));
    }
    const servicePeakAfterDownloads = servicePeaks(stack);

    log('checking with pandas that out.h5 and out.db hold the visits of visits.h5');
    const verified = JSON.parse(
      execFileSync(PYTHON, [path.join(REPOSITORY, 'bench', 'cli_add_baseline.py'), 'verify', visits, path.join(workdir, 'out.h5'), path.join(workdir, 'out.db')], { encoding: 'utf8', maxBuffer: 1 << 20 })
        .trim()
        .split('\n')
        .pop()!,
    ) as { equal: Record<string, number> };
    if (Object.values(verified.equal).some((rows) => rows !== pandas.rows)) throw new Error(`the downloads do not hold the ${pandas.rows} visits: ${JSON.stringify(verified)}`);

    const section = report(pandas, add, downloads, servicePeakAfterAdd, servicePeakAfterDownloads, {
      h5: fs.statSync(path.join(workdir, 'out.h5')).size,
      db: fs.statSync(path.join(workdir, 'out.db')).size,
    });
    writeSection('cli-add', section);
    process.stdout.write(`${section}\n`);
  } finally {
    await stack?.stop();
    if (!process.env.BENCH_WORKDIR) fs.rmSync(workdir, { recursive: true, force: true });
  }
}

/** Runs the CLI as a user does (a fresh Node process), timed from spawn to exit. */
async function runCli(preload: string, peakFile: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  fs.rmSync(peakFile, { force: true });
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--require', preload, CLI, ...args], { env: { ...env, BENCH_PEAK_FILE: peakFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`visitsarch ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
  return { seconds, peakRss: Number(fs.readFileSync(peakFile, 'utf8')), stdout };
}

/** One untimed warm-up run, then REPEAT timed runs (`before` each, untimed): median and range, and the largest peak memory. */
async function measured(run: () => Promise<CliRun>, before: () => void = () => undefined): Promise<Measured> {
  before();
  const warmUp = await run();
  const runs: CliRun[] = [];
  for (let i = 0; i < REPEAT; i++) {
    before();
    runs.push(await run());
  }
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
  log(`  ${seconds.map((s) => s.toFixed(2)).join(', ')} s; peak ${(Math.max(...runs.map((r) => r.peakRss)) / 1e6).toFixed(0)} MB`);
  return { seconds: [seconds[Math.floor(seconds.length / 2)], seconds[0], seconds[seconds.length - 1]], peakRss: Math.max(warmUp.peakRss, ...runs.map((r) => r.peakRss)), stdout: runs[runs.length - 1].stdout };
}

function servicePeaks(stack: Stack): Record<'gateway' | 'blob-archive', number> {
  const peak = (pid: number | undefined) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  return { gateway: peak(stack.services.gateway.process.pid), 'blob-archive': peak(stack.services['blob-archive'].process.pid) };
}

function report(
  pandas: PandasBaseline,
  add: Measured,
  downloads: Record<'h5' | 'db', Measured>,
  afterAdd: Record<'gateway' | 'blob-archive', number>,
  afterDownloads: Record<'gateway' | 'blob-archive', number>,
  sizes: { h5: number; db: number },
): string {
  const t = ([median, min, max]: Range) => `${median.toFixed(2)} s (${min.toFixed(2)}–${max.toFixed(2)})`;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const ratio = (baseline: Range, ours: Range) => baseline[0] / ours[0];
  // Met only if it holds for the medians; "within the ranges" says the runs overlap.
  const verdict = (baseline: Range, ours: Range, what: string) => {
    const r = ratio(baseline, ours);
    if (r >= 1) return `no slower than ${what}: **met**`;
    return ours[1] <= baseline[2] ? `no slower than ${what}: **not met** (medians; the ranges overlap)` : `no slower than ${what}: **not met**`;
  };
  const memory = (bytes: number) => (bytes < CLI_MEMORY_TARGET ? `under ${mb(CLI_MEMORY_TARGET)}: **met**` : `under ${mb(CLI_MEMORY_TARGET)}: **not met**`);
  return [
    '## Archiving and downloading visits with the CLI',
    '',
    `${machineLine()}; a shared machine (other work ran beside the benchmark, so times vary from run to run).`,
    '',
    `The table: ${pandas.rows.toLocaleString('en')} visits × ${pandas.columns} columns, built by bench/cli_add_baseline.py from test/data/opsim/sample_opsim.db (tiled and perturbed; ${pandas.object_columns.length} text columns as pandas object columns, one Python string per value); \`visits.h5\` written by pandas ${pandas.pandas} \`to_hdf(path, key="observations")\`, the layout rubin_sim archives (fixed, the text columns one pickled object block), ${mb(pandas.h5_bytes)}. The archive: the whole stack (\`startStack\`, embedded PostgreSQL, \`file://\` archive, loopback gRPC). Every visitsarch time is a fresh \`visitsarch\` process, from start to exit; medians of ${REPEAT} runs after an untimed warm-up run (range in parentheses), pandas' likewise (writing from a DataFrame already in memory).`,
    '',
    '| Operation | visitsarch | pandas (upstream) | Ratio (pandas ÷ visitsarch) | Target |',
    '|---|---|---|---|---|',
    `| Archive the simulation's visits.h5 | ${t(add.seconds)} (\`visitsarch add_simulation visits.h5 LABEL\`: read, convert, send, stored and hashed by the archive, recorded) | ${t(pandas.to_hdf)} (\`to_hdf\`, fixed) | ${ratio(pandas.to_hdf, add.seconds).toFixed(2)}× | ${verdict(pandas.to_hdf, add.seconds, '`to_hdf`')} |`,
    `| Download as .h5 (upstream layout) | ${t(downloads.h5.seconds)} (\`visitsarch download UUID visits out.h5\`: written by the archive, ExportVisits, ${mb(sizes.h5)}) | ${t(pandas.to_hdf)} (\`to_hdf\`) | ${ratio(pandas.to_hdf, downloads.h5.seconds).toFixed(2)}× | ${verdict(pandas.to_hdf, downloads.h5.seconds, '`to_hdf`')} |`,
    `| Download as .db (opsim SQLite) | ${t(downloads.db.seconds)} (\`visitsarch download UUID visits out.db\`: written by the CLI as the Arrow batches arrive, DownloadVisits, ${mb(sizes.db)}) | ${t(pandas.to_sql)} (\`to_sql\`, ${mb(pandas.db_bytes)}) | ${ratio(pandas.to_sql, downloads.db.seconds).toFixed(2)}× | ${verdict(pandas.to_sql, downloads.db.seconds, '`to_sql`')} |`,
    `| Peak memory of the CLI: add_simulation | ${mb(add.peakRss)} | | | ${memory(add.peakRss)} |`,
    `| Peak memory of the CLI: download .h5 / .db | ${mb(downloads.h5.peakRss)} / ${mb(downloads.db.peakRss)} | | | ${memory(Math.max(downloads.h5.peakRss, downloads.db.peakRss))} |`,
    `| Peak memory of the services (VmHWM) after the adds: gateway / blob archive | ${mb(afterAdd.gateway)} / ${mb(afterAdd['blob-archive'])} | | | |`,
    `| Peak memory of the services (VmHWM) after the downloads: gateway / blob archive | ${mb(afterDownloads.gateway)} / ${mb(afterDownloads['blob-archive'])} | | | |`,
    '',
    'Peak memory is each process\'s VmHWM (read by the process itself as it exits, for the CLI); the largest over all runs. Both downloads were checked with pandas to hold the visits of visits.h5. On 2 CPUs the CLI, the gateway and the blob archive share the machine with each other (and with whatever else runs): the add is the sum of their work more than the longest of it.',
  ].join('\n');
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
