/**
 * `npm run bench`, daily-job step (issue #19): every step of the daily pre-night job — add a
 * pre-night-sized simulation with its nightly statistics, tag it, find the night's simulations,
 * read the visits back — with the visitsarch Python client and with rubin_sim's own archive code
 * (`rubin_sim.sim_archive.vseqmetadata` / `vseqarchive`), side by side on the same machine.
 *
 * 1. Starts the whole archive (`startStack`: embedded PostgreSQL, `file://` archive, the five
 *    services); the Python client presents the admin token the stack writes (`<home>/token`).
 * 2. In the same PostgreSQL server and database, the upstream gets a schema of its own, made by
 *    its own `create_schema_in_database`, and a `file://` archive directory of its own.
 * 3. Runs bench/daily_job.py, which times each step both ways on the same ~2,700-visit opsim
 *    table: every step once untimed, then BENCH_REPEAT times timed (default 8: the first runs),
 *    step after step; then every step BENCH_DAILY_STEADY times untimed (default 200; 0 leaves
 *    the steady state out) and BENCH_REPEAT times timed again (the steady state of a
 *    long-running archive).
 *
 * Writes its section of docs/benchmarks.md. Options (environment): BENCH_DAILY_ROWS (default
 * 2700), BENCH_REPEAT (default 8), BENCH_DAILY_STEADY (default 200).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, startStack } from '@visitsarch/stack';
import { machineLine, writeSection } from './report';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(REPOSITORY, '.venv', 'bin', 'python');
const TEMPLATE = path.join(REPOSITORY, 'test', 'data', 'opsim', 'sample_opsim.db');
const ROWS = Number(process.env.BENCH_DAILY_ROWS ?? 2700);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 8);
const STEADY = Number(process.env.BENCH_DAILY_STEADY ?? 200);
const SCHEMA = 'test_daily_job'; // create_schema_in_database insists on "test" in the name

interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
  /** Rows of the last timed run's result (finds and reads). */
  rows?: number;
  /** The same step's timed runs after the untimed ones that bring the services to their steady state. */
  steady?: Timing;
}

interface Measured {
  rows: number;
  columns: number;
  first_day_obs: string;
  last_day_obs: string;
  repeat: number;
  steady: number;
  rubin_sim: string;
  pandas: string;
  upstream_stats_rows: number;
  visitsarch_stats_rows: number;
  visitsarch_stats_rows_accumulated: number;
  visitsarch_read_equal: boolean;
  visitsarch_add_accumulated: Timing;
  /** Medians of the parts of the add step, in seconds. */
  parts: Record<string, number>;
}

const log = (message: string) => process.stderr.write(`[daily-job] ${message}\n`);

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-bench-daily-'));
  fs.chmodSync(home, 0o755);
  log('starting the archive');
  const stack = await startStack({ home, addresses: await freeServiceAddresses(), logger: createLogger('bench', 'warn'), serviceLogs: 'ignore', env: { LOG_LEVEL: 'warn' } });
  try {
    const url = new URL(stack.databaseUrl);
    const dsn = { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
    const upstreamArchive = path.join(home, 'upstream-archive');
    fs.mkdirSync(upstreamArchive);
    const work = path.join(home, 'work');
    fs.mkdirSync(work);
    log(`running bench/daily_job.py (${ROWS} visits; each step: a warm-up run, ${REPEAT} timed runs, ${STEADY} untimed runs, ${REPEAT} timed runs)`);
    const output = execFileSync(
      PYTHON,
      [path.join(REPOSITORY, 'bench', 'daily_job.py'), JSON.stringify(dsn), SCHEMA, `${pathToFileURL(upstreamArchive).href}/`, stack.gateway, TEMPLATE, work, String(ROWS), String(REPEAT), String(STEADY)],
      // The upstream sends naive UTC times, read in the session's TimeZone (its known defect): UTC here.
      { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, VISITSARCH_HOME: home, PGTZ: 'UTC' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const m = JSON.parse(output.trim().split('\n').pop()!) as Measured;
    const timing = (name: string) => (m as unknown as Record<string, Timing>)[name];
    const t = (x: Timing) => (x.median < 1 ? `${(x.median * 1000).toFixed(1)} ms (${(x.min * 1000).toFixed(1)}–${(x.max * 1000).toFixed(1)})` : `${x.median.toFixed(2)} s (${x.min.toFixed(2)}–${x.max.toFixed(2)})`);
    const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;
    type Phase = 'first' | 'steady';
    const phaseOf = (x: Timing, phase: Phase) => (phase === 'steady' ? x.steady! : x);
    const rowsOf = (name: string, phase: Phase) => phaseOf(timing(name), phase).rows;
    const row = (phase: Phase, step: string, name: string, visitsarch: string, upstream: string) => {
      const v = phaseOf(timing(`visitsarch_${name}`), phase);
      const u = phaseOf(timing(`upstream_${name}`), phase);
      const ratio = u.median / v.median;
      return `| ${step} | ${t(v)} (${visitsarch}) | ${t(u)} (${upstream}) | ${ratio.toFixed(2)}× | ${ratio >= 1 ? 'met' : '**not met**'} |`;
    };
    const steps: [string, string][] = [
      ['add', 'add'],
      ['tag', 'tag'],
      ['find_with_stats', 'find (with stats)'],
      ['find', 'find'],
      ['read', 'read back'],
    ];
    const metIn = (phase: Phase) => steps.filter(([name]) => phaseOf(timing(`upstream_${name}`), phase).median >= phaseOf(timing(`visitsarch_${name}`), phase).median).length;
    const tableOf = (phase: Phase) => [
      '| Step | visitsarch | upstream (rubin_sim) | Ratio (upstream ÷ visitsarch) | Target: at least as fast (issue 19) |',
      '|---|---|---|---|---|',
      row(
        phase,
        'Add the simulation with its nightly statistics',
        'add',
        `\`add_simulation(visits, …)\`: sent as Arrow, hashed, stored and recorded by the archive; then \`nightly_stats(uuid, 8 columns, accumulated=False)\`, computed and stored by the archive, ${m.visitsarch_stats_rows} rows`,
        `\`record_simulation_metadata\` (hashes the visits), \`to_hdf\` of visits.h5, \`add_file(…, "visits", "file://…")\`, \`compute_nightly_stats(visits, 8 columns)\` and \`insert_nightly_stats\`, ${m.upstream_stats_rows} rows`,
      ),
      row(phase, 'Tag it `prenight`, `nominal`', 'tag', '`tag(uuid, ["prenight", "nominal"])`', '`tag(uuid, "prenight", "nominal")`'),
      row(
        phase,
        "Find the night's pre-night simulations with their statistics",
        'find_with_stats',
        `\`prenight_sims("${m.first_day_obs}")\`, ${rowsOf('visitsarch_find_with_stats', phase)} rows`,
        `\`sims_on_night_with_stats("${m.first_day_obs}", tags=("prenight",))\`, ${rowsOf('upstream_find_with_stats', phase)} rows`,
      ),
      row(
        phase,
        'Find the simulations covering the night',
        'find',
        `\`query_night("${m.first_day_obs}", tags=["prenight"])\`, ${rowsOf('visitsarch_find', phase)} rows`,
        `\`sims_on_nights("${m.first_day_obs}", "${m.first_day_obs}", tags=("prenight",))\`, ${rowsOf('upstream_find', phase)} rows`,
      ),
      row(
        phase,
        'Read the visits back into a DataFrame',
        'read',
        `\`download(uuid, "visits")\`: Arrow Flight from the blob archive, verified; ${rowsOf('visitsarch_read', phase)} rows${m.visitsarch_read_equal ? ', equal to the visits added' : ', **not equal to the visits added**'}`,
        `\`get_visits(visits_url)\`: copied to a temporary visits.h5, \`read_hdf\`, unverified; ${rowsOf('upstream_read', phase)} rows`,
      ),
    ];
    const steadyPart = m.steady
      ? [
          `### The steady state: after ${m.steady.toLocaleString('en')} more runs of each step`,
          '',
          `What a long-running archive answers: its services have run each call's code often enough for V8 to optimize it (a freshly started stack's first calls run it interpreted or baseline-compiled). The upstream's side gets the same runs; its code is CPython's, which does not warm up that way.`,
          '',
          ...tableOf('steady'),
          '',
          `${metIn('steady')} of ${steps.length} steps at least as fast as the upstream's own functions in the steady state of this run. The add step's parts (medians of these runs): visitsarch \`add_simulation\` ${ms(m.parts.visitsarch_add_simulation)}, \`nightly_stats\` ${ms(m.parts.visitsarch_nightly_stats)}; upstream \`record_simulation_metadata\` ${ms(m.parts.upstream_record)}, \`to_hdf\` and \`add_file\` ${ms(m.parts.upstream_store)}, \`compute_nightly_stats\` and \`insert_nightly_stats\` ${ms(m.parts.upstream_stats)}.`,
          '',
        ]
      : [];
    const section = [
      "## The daily pre-night job, step by step: visitsarch's Python client against rubin_sim's archive",
      '',
      `${machineLine()}; rubin_sim ${m.rubin_sim}, pandas ${m.pandas}.`,
      '',
      `The simulation: ${m.rows.toLocaleString('en')} opsim visits × ${m.columns} columns (a pre-night simulation's size: the nights ${m.first_day_obs} to ${m.last_day_obs}), built from test/data/opsim/sample_opsim.db as bench/cli_add_baseline.py builds its table, a DataFrame in memory. Both archives on one machine and one PostgreSQL server: visitsarch's whole stack (\`startStack\`: embedded PostgreSQL, \`file://\` archive, the five services, reached through the gateway over loopback gRPC with the stack's token); the upstream in a schema of its own in the same database (\`${SCHEMA}\`, made by its own \`create_schema_in_database\`) with a \`file://\` archive base of its own, driven by its own functions in the same Python process (bench/daily_job.py). The upstream runs first, then visitsarch. The first runs: every step once untimed, then ${m.repeat} times timed, step after step, as a freshly started archive meets them${m.steady ? `; then every step ${m.steady.toLocaleString('en')} times untimed and ${m.repeat} times timed again (the steady state)` : ''}. Medians, ranges in parentheses.`,
      '',
      '### The first runs, on a freshly started archive',
      '',
      ...tableOf('first'),
      '',
      `${metIn('first')} of ${steps.length} steps at least as fast as the upstream's own functions in the first runs.`,
      '',
      ...steadyPart,
      `For information, after the steps above: visitsarch's add with its default statistics (per night and accumulated through each night, ${m.visitsarch_stats_rows_accumulated} rows; the upstream computes none accumulated), ${t(m.visitsarch_add_accumulated)}, of which \`nightly_stats\` ${ms(m.parts.visitsarch_nightly_stats_acc)}.`,
      '',
      `Each find returns the simulations of its archive covering the night, all tagged \`prenight\` by the tag step: those its adds' first runs made (the warm-up run's and the timed ones), and in the steady state also those of the steady state's timed adds${m.steady ? '; the untimed adds between the phases archive the same visits 100 nights later, and the untimed tags tag those \`warmup\`' : ''}. Both archives hold only this benchmark's sequences, so the finds are timed on a near-empty archive (on 100,000 sequences: the metadata-latency section). visitsarch's calls go through the gateway to the metadata, stats and blob-archive services and PostgreSQL, all on the same 2 CPUs as the client, and its blob archive fsyncs what it stores; the upstream's functions go from the client straight to PostgreSQL and the local file system (\`to_hdf\` and \`add_file\` do not fsync). The upstream's adds each use a \`VisitSequenceArchiveMetadata\` of their own, made untimed (as each day's job, a process of its own, has), the previous one's connections closed: with one instance, \`insert_nightly_stats\` fails on the 4th or 5th add with \`psycopg2.pool.PoolError: connection pool exhausted\` (each call takes a connection of the instance's 5-connection pool for a new SQLAlchemy engine and never returns it).`,
    ].join('\n');
    writeSection('daily-job', section);
    process.stdout.write(`${section}\n`);
  } finally {
    await stack.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
