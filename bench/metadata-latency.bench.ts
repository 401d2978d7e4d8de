/**
 * `npm run bench`, metadata latency step (issue #19): how long finding tonight's simulations takes
 * in an archive of 100,000 visit sequences, measured from a gRPC client through the gateway, as
 * users' calls go.
 *
 * 1. Starts the whole archive (embedded PostgreSQL and the five services, `startStack`); calls
 *    present the admin token the stack writes (`<home>/token`).
 * 2. Bulk-creates 100,000 sequences straight into the archive's tables as the service's own role
 *    (batched `INSERT … SELECT FROM unnest(…)`, one transaction): far faster than 100,000
 *    CreateVisitSequence calls, and it goes through the same triggers (the registry) and
 *    constraints. Deterministic (seed 1): ~3 years of day_obs, simulations (most of them short
 *    pre-night ones tagged `prenight`, some `nominal`), completed and mixed sequences on two
 *    telescopes, their `visits` (and `rewards`) file records, a few comments, the nightly
 *    statistics of every night of every pre-night simulation; about 1,000 of them cover the
 *    night asked. Then `VACUUM ANALYZE` (what autovacuum would do within a minute or two), after
 *    one call of each kind made before it.
 * 3. For each call — QueryNight, PrenightSims and ListVisitSequences as `visitsarch query_night`,
 *    `prenight_sims` and `list` make them (cli/src/commands/queries.ts), and `list` ordered by
 *    label — an untimed warm-up, then calls from 1 caller and from 8 concurrent callers (each its
 *    own channel to the gateway), every call timed from its start to the end of its stream or
 *    its response; p50/p90/p99. Also, for information, the issue's free-SQL example.
 *
 * Writes its section of docs/benchmarks.md. Options (environment): BENCH_LATENCY_SEQUENCES
 * (default 100000), BENCH_LATENCY_CALLS (timed calls per caller count and call, default 400),
 * BENCH_LATENCY_KEEP=1 (leave the archive running after measuring, for EXPLAIN; Ctrl-C ends it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { Client as PgClient } from 'pg';
import { GatewayClients } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, type Stack, startStack } from '@visitsarch/stack';
import { machineLine, writeSection } from './report';

const SEQUENCES = Number(process.env.BENCH_LATENCY_SEQUENCES ?? 100_000);
const CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 400);
const WARM_UP_CALLS = 50;
const CALLERS = [1, 8] as const;
/** The latency every measured call should keep at its 99th percentile (issue #19). */
const TARGET_P99_MS = 20;

/** The nights the sequences cover: about 3 years of day_obs. */
const FIRST_NIGHT = '2024-01-01';
const NIGHTS = 1096;
/** "Tonight": the night asked for, a month before the end of the range. */
const TONIGHT = '2026-12-01';
const TELESCOPE = 'simonyi';
/** The value names of the specification's nightly_stats example, whose statistics every pre-night simulation has. */
const SPEC_VALUE_NAMES = ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude', 'eff_time_median', 'sky_bg_median', 'psf_area_median'];

const DAY_MS = 86_400_000;
const dayObs = (night: number) => new Date(Date.parse(`${FIRST_NIGHT}T00:00:00Z`) + night * DAY_MS).toISOString().slice(0, 10);
const nightOf = (day: string) => Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${FIRST_NIGHT}T00:00:00Z`)) / DAY_MS);

/** A small deterministic generator (mulberry32), so that every run loads the same archive. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Column = (string | null)[];
/** Rows of one table, column by column, with the SQL type of each column. */
interface TableRows {
  table: string;
  columns: Record<string, { type: string; values: Column }>;
}

function tableRows(table: string, types: Record<string, string>): TableRows {
  return { table, columns: Object.fromEntries(Object.entries(types).map(([name, type]) => [name, { type, values: [] as Column }])) };
}

function push(rows: TableRows, values: Record<string, string | null>): void {
  for (const [name, column] of Object.entries(rows.columns)) column.values.push(values[name] ?? null);
}

const length = (rows: TableRows) => Object.values(rows.columns)[0].values.length;

export interface GeneratedArchive {
  tables: TableRows[];
  sequences: number;
  byKind: Record<'simulation' | 'completed' | 'mixed', number>;
  /** Sequences of any telescope covering TONIGHT, of TELESCOPE, and its pre-night simulations. */
  coveringTonight: number;
  coveringTonightOnTelescope: number;
  prenightTonight: number;
  tags: number;
  files: number;
  comments: number;
}

/**
 * The archive's rows: `count` sequences over NIGHTS nights. Most are simulations: short pre-night
 * runs (1–3 nights, created the afternoon before their first night, tagged `prenight`, a fifth of
 * them `nominal` too), longer ones of 1–4 weeks, and a few of 1–3 years (tagged `baseline`);
 * then completed sequences (ConsDB queries over 1–30 nights) and mixed ones. 85 % are of simonyi.
 */
export function generateArchive(count: number, seed = 1): GeneratedArchive {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)];
  const integer = (low: number, high: number) => low + Math.floor(rand() * (high - low + 1));
  const hex = (bytes: number) => {
    let text = '';
    for (let i = 0; i < bytes; i++) text += Math.floor(rand() * 256).toString(16).padStart(2, '0');
    return text;
  };
  const uuid = () => {
    const h = hex(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[integer(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const base = { visitseq_uuid: 'uuid', visitseq_sha256: 'text', visitseq_label: 'text', visitseq_url: 'text', telescope: 'text', first_day_obs: 'date', last_day_obs: 'date', creation_time: 'timestamptz' };
  const simulations = tableRows('simulations', { ...base, scheduler_version: 'text', config_url: 'text', sim_runner_args: 'jsonb', parent_visitseq_uuid: 'uuid', parent_last_day_obs: 'date' });
  const completed = tableRows('completed', { ...base, query: 'text' });
  const mixed = tableRows('mixedvisitseqs', { ...base, last_early_day_obs: 'date', first_late_day_obs: 'date', early_parent_uuid: 'uuid', late_parent_uuid: 'uuid' });
  const tags = tableRows('tags', { visitseq_uuid: 'uuid', tag: 'text' });
  const files = tableRows('files', { visitseq_uuid: 'uuid', file_type: 'text', file_sha256: 'text', file_url: 'text', file_size: 'int8' });
  const comments = tableRows('comments', { visitseq_uuid: 'uuid', comment_time: 'timestamptz', author: 'text', comment: 'text' });
  const tonight = nightOf(TONIGHT);
  const result: GeneratedArchive = {
    tables: [simulations, completed, mixed, tags, files, comments],
    sequences: count,
    byKind: { simulation: 0, completed: 0, mixed: 0 },
    coveringTonight: 0,
    coveringTonightOnTelescope: 0,
    prenightTonight: 0,
    tags: 0,
    files: 0,
    comments: 0,
  };
  const earlier: string[] = [];
  const creation = (night: number, hours: number) => new Date(Date.parse(`${dayObs(night)}T12:00:00Z`) + hours * 3_600_000 + integer(0, 3_599_999)).toISOString();

  for (let i = 0; i < count; i++) {
    const id = uuid();
    const telescope = rand() < 0.85 ? 'simonyi' : 'auxtel';
    const draw = rand();
    const kind = draw < 0.92 ? 'simulation' : draw < 0.98 ? 'completed' : 'mixed';
    let nights: number;
    let style: 'prenight' | 'month' | 'baseline' | 'completed' | 'mixed';
    if (kind === 'simulation') {
      const size = rand();
      style = size < 0.75 ? 'prenight' : size < 0.995 ? 'month' : 'baseline';
      nights = style === 'prenight' ? integer(1, 3) : style === 'month' ? integer(7, 60) : integer(365, 1095);
    } else if (kind === 'completed') {
      style = 'completed';
      nights = integer(1, 30);
    } else {
      style = 'mixed';
      nights = integer(2, 20);
    }
    // Some run past the range's end: simulations of nights to come.
    const first = integer(0, NIGHTS - 1);
    const last = first + nights - 1;
    // Simulations are made before the nights they simulate (pre-night ones the afternoon before), completed and mixed sequences after theirs.
    const created =
      style === 'prenight' ? creation(first - 1, integer(2, 8)) : kind === 'simulation' ? creation(first - integer(1, 30), integer(0, 23)) : creation(last + integer(1, 3), integer(0, 23));
    const label =
      style === 'prenight'
        ? `Prenight ${pick(['nominal', 'ideal', 'lookahead', 'degraded seeing'])} simulation for ${dayObs(first)} on ${telescope}, seed ${integer(1, 100)} (#${i})`
        : style === 'completed'
          ? `Completed visits of ${telescope}, ${dayObs(first)} to ${dayObs(last)} (#${i})`
          : style === 'mixed'
            ? `Completed then simulated from ${dayObs(first)} (#${i})`
            : `${style === 'baseline' ? 'Baseline' : 'Survey'} simulation v${integer(3, 5)}.${integer(0, 9)} from ${dayObs(first)} (#${i})`;
    const url = `file:///archive/${dayObs(first).replace(/-/g, '/')}/${id}/visits.arrows`;
    const parent = {
      visitseq_uuid: id,
      visitseq_sha256: hex(32),
      visitseq_label: label,
      visitseq_url: url,
      telescope,
      first_day_obs: dayObs(first),
      last_day_obs: dayObs(last),
      creation_time: created,
    };
    result.byKind[kind]++;
    if (kind === 'simulation') {
      push(simulations, {
        ...parent,
        scheduler_version: `3.${integer(0, 18)}.${integer(0, 4)}`,
        config_url: `https://github.com/lsst-ts/ts_config_ocs/blob/${hex(20)}/Scheduler/feature_scheduler/maintel/fbs_config_lsst_survey.py`,
        sim_runner_args: JSON.stringify({ nights, telescope, seed: integer(1, 100) }),
        parent_visitseq_uuid: style === 'prenight' && earlier.length > 0 && rand() < 0.5 ? pick(earlier) : null,
        parent_last_day_obs: style === 'prenight' ? dayObs(first - 1) : null,
      });
    } else if (kind === 'completed') {
      push(completed, { ...parent, query: `SELECT * FROM cdb_lsstcam.visit1 WHERE day_obs BETWEEN ${dayObs(first).replace(/-/g, '')} AND ${dayObs(last).replace(/-/g, '')}` });
    } else {
      const split = first + integer(0, nights - 2);
      push(mixed, {
        ...parent,
        last_early_day_obs: dayObs(split),
        first_late_day_obs: dayObs(split + 1),
        early_parent_uuid: earlier.length ? pick(earlier) : id,
        late_parent_uuid: earlier.length ? pick(earlier) : id,
      });
    }
    if (earlier.length < 5000) earlier.push(id);
    else if (rand() < 0.01) earlier[integer(0, earlier.length - 1)] = id;

    const tagged = new Set<string>();
    if (style === 'prenight') {
      tagged.add('prenight');
      if (rand() < 0.2) tagged.add('nominal');
      if (rand() < 0.1) tagged.add('ideal');
    } else if (style === 'baseline') {
      tagged.add('baseline');
      if (rand() < 0.3) tagged.add('nominal');
    } else if (style === 'month' && rand() < 0.3) {
      tagged.add(pick(['science', 'engineering', 'test']));
    }
    if (rand() < 0.02) tagged.add('bad');
    for (const tag of tagged) push(tags, { visitseq_uuid: id, tag });
    result.tags += tagged.size;

    push(files, { visitseq_uuid: id, file_type: 'visits', file_sha256: parent.visitseq_sha256, file_url: url, file_size: String(integer(100_000, 50_000_000)) });
    result.files++;
    if (style === 'prenight') {
      push(files, { visitseq_uuid: id, file_type: 'rewards', file_sha256: hex(32), file_url: url.replace('visits.arrows', 'rewards.arrows'), file_size: String(integer(10_000, 5_000_000)) });
      result.files++;
    }
    if (rand() < 0.03) {
      push(comments, { visitseq_uuid: id, comment_time: created, author: pick(['eric', 'lynne', 'peter']), comment: pick(['looks good', 'bad weather model', 'superseded']) });
      result.comments++;
    }
    if (first <= tonight && tonight <= last) {
      result.coveringTonight++;
      if (telescope === TELESCOPE) {
        result.coveringTonightOnTelescope++;
        if (tagged.has('prenight') && kind === 'simulation') result.prenightTonight++;
      }
    }
  }
  return result;
}

/**
 * Writes the generated rows, each table in batches of `INSERT INTO t (…) SELECT … FROM
 * unnest($1::uuid[], …)`, in one transaction, as the service's own role: the registry trigger
 * fires for every sequence as it does for CreateVisitSequence. Then ANALYZE, as a bulk load should.
 */
export async function loadArchive(databaseUrl: string, archive: GeneratedArchive, options: { analyze?: boolean } = {}): Promise<{ loadSeconds: number; analyzeSeconds: number; nightlyStats: number }> {
  const db = new PgClient({ connectionString: databaseUrl, options: '-c search_path=visitsarch' });
  await db.connect();
  try {
    const start = process.hrtime.bigint();
    await db.query('BEGIN');
    for (const rows of archive.tables) {
      const names = Object.keys(rows.columns);
      const columns = Object.values(rows.columns);
      // bytea travels as hex text; everything else as its own type.
      const select = columns.map((column, index) =>
        names[index].endsWith('sha256') ? `decode(c${index}, 'hex')` : `c${index}`,
      );
      const unnest = columns.map((column, index) => `$${index + 1}::${names[index].endsWith('sha256') ? 'text' : column.type}[]`);
      const sql = `INSERT INTO ${rows.table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${unnest.join(', ')}) AS u(${columns.map((_, index) => `c${index}`).join(', ')})`;
      const total = length(rows);
      for (let at = 0; at < total; at += 10_000) await db.query(sql, columns.map((column) => column.values.slice(at, at + 10_000)));
    }
    // The statistics of every night of every pre-night simulation, as the archive computes them on
    // ingest: the specification's eight value names, per night and accumulated. Made by the server
    // (2 million rows), with values derived from a hash of their key.
    const stats = await db.query(`
      INSERT INTO nightly_stats (visitseq_uuid, day_obs, value_name, accumulated, count, mean, std, min, p05, q1, median, q3, p95, max)
      SELECT visitseq_uuid, day_obs, value_name, accumulated, 300 + (h * 700)::int, 1 + h, 0.1 + h / 10, h, 0.5 + h, 0.8 + h, 1 + h, 1.2 + h, 1.5 + h, 2 + h
      FROM (SELECT s.visitseq_uuid, night::date AS day_obs, v.value_name, a.accumulated,
                   (hashtext(s.visitseq_uuid::text || night::text || v.value_name || a.accumulated::text)::bigint + 2147483648) / 4294967296.0 AS h
            FROM simulations s
            JOIN tags t ON t.visitseq_uuid = s.visitseq_uuid AND t.tag = 'prenight'
            CROSS JOIN generate_series(s.first_day_obs, s.last_day_obs, interval '1 day') AS night
            CROSS JOIN unnest(ARRAY[${SPEC_VALUE_NAMES.map((name) => `'${name}'`).join(', ')}]) AS v(value_name)
            CROSS JOIN (VALUES (false), (true)) AS a(accumulated)) AS k`);
    await db.query('COMMIT');
    const loaded = process.hrtime.bigint();
    if (options.analyze !== false) await db.query('ANALYZE');
    return { loadSeconds: Number(loaded - start) / 1e9, analyzeSeconds: Number(process.hrtime.bigint() - loaded) / 1e9, nightlyStats: stats.rowCount ?? 0 };
  } finally {
    await db.end();
  }
}

/** A call as a user makes it: started, and finished when its response or the end of its stream arrives; returns the rows received. */
type Call = (clients: GatewayClients) => Promise<number>;

const deadline = () => ({ deadline: Date.now() + 60_000 });

/** Reads a stream of Arrow chunks to its end; returns the rows and, if asked, the decoded table's row count (a check). */
async function drain(stream: AsyncIterable<{ chunk?: { ipcBytes: Uint8Array; rowCount: number } }>, decode = false): Promise<number> {
  let rows = 0;
  const parts: Uint8Array[] = [];
  for await (const message of stream) {
    rows += message.chunk?.rowCount ?? 0;
    if (decode && message.chunk?.ipcBytes.length) parts.push(message.chunk.ipcBytes);
  }
  if (decode) {
    const decoded = tableFromIPC(Buffer.concat(parts)).numRows;
    if (decoded !== rows) throw new Error(`the stream says ${rows} rows, its Arrow holds ${decoded}`);
  }
  return rows;
}

export interface MeasuredCall {
  name: string;
  what: string;
  call: (decode: boolean) => Call;
  /** Whether issue #19's target (p99 ≤ 20 ms) applies. */
  target: boolean;
  /** Timed calls from 1 caller only, this many (a slow call, measured for information); unset: CALLS from 1 and from 8 callers. */
  only?: number;
}

export const CALLS_MEASURED: MeasuredCall[] = [
  {
    name: 'query_night',
    what: `QueryNight: \`visitsarch query_night ${TONIGHT} ${TELESCOPE}\` (default columns, tags and comments)`,
    target: true,
    call: (decode) => (clients) =>
      drain(
        clients.metadata.serverStream('queryNight', { firstDayObs: TONIGHT, lastDayObs: '', telescope: TELESCOPE, tags: [], columns: [], kind: 0 }, deadline()),
        decode,
      ),
  },
  {
    name: 'prenight_sims',
    what: `PrenightSims: \`visitsarch prenight_sims ${TONIGHT}\` (tagged prenight, with their rewards URLs and the night's statistics)`,
    target: true,
    call: (decode) => (clients) => drain(clients.metadata.serverStream('prenightSims', { dayObs: TONIGHT, telescope: TELESCOPE, tags: [] }, deadline()), decode),
  },
  {
    name: 'list',
    what: 'ListVisitSequences: `visitsarch list` (newest first, 20)',
    target: true,
    call: () => async (clients) => {
      const response = await clients.metadata.unary(
        'listVisitSequences',
        { kind: 0, telescope: '', tagsAll: [], tagsAny: [], labelContains: '', orderBy: 'creation_time desc', pageSize: 20, pageToken: '' },
        deadline(),
      );
      return response.visitSequences.length;
    },
  },
  {
    name: 'list by label',
    what: 'ListVisitSequences ordered by `visitseq_label`, 20',
    target: true,
    call: () => async (clients) => {
      const response = await clients.metadata.unary(
        'listVisitSequences',
        { kind: 0, telescope: '', tagsAll: [], tagsAny: [], labelContains: '', orderBy: 'visitseq_label', pageSize: 20, pageToken: '' },
        deadline(),
      );
      return response.visitSequences.length;
    },
  },
  {
    name: 'count nominal',
    what: "Query (free SQL): `SELECT count(*) FROM visitsextra WHERE tags ? 'nominal'` (issue #19's example; no target)",
    target: false,
    only: 20,
    call: (decode) => (clients) => drain(clients.metadata.serverStream('query', { sql: "SELECT count(*) FROM visitsextra WHERE tags ? 'nominal'", maxRows: 0 }, deadline()), decode),
  },
];

export interface Latency {
  name: string;
  callers: number;
  calls: number;
  rows: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU milliseconds per call of each part (the stack's processes measured from /proc; 0 where it cannot be read). */
  cpuMs?: CpuSample;
}

/**
 * CPU seconds a process used so far (Linux: /proc/<pid>/stat, utime + stime), with those of its
 * children that ended (cutime + cstime) if asked; 0 where that cannot be read.
 */
function cpuSecondsOf(pid: number | undefined, endedChildren = false): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (endedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** The PostgreSQL server of the stack: the postmaster (its postmaster.pid) first, then its children (backends, workers). */
function postgresPids(home: string): number[] {
  try {
    const postmaster = Number(fs.readFileSync(path.join(home, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
      try {
        return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    });
    return [postmaster, ...children.map(Number)];
  } catch {
    return [];
  }
}

/** CPU used by each part of the archive and by the benchmark's own process (the client), in seconds. */
interface CpuSample {
  postgres: number;
  metadata: number;
  gateway: number;
  client: number;
}

function cpuSample(stack: Stack, home: string): CpuSample {
  const usage = process.cpuUsage();
  return {
    // Backends that ended meanwhile count in the postmaster's children's time.
    postgres: postgresPids(home).reduce((sum, pid, index) => sum + cpuSecondsOf(pid, index === 0), 0),
    metadata: cpuSecondsOf(stack.services.metadata.process.pid),
    gateway: cpuSecondsOf(stack.services.gateway.process.pid),
    client: (usage.user + usage.system) / 1e6,
  };
}

/** The q-quantile of sorted values, nearest rank. */
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** `calls` calls spread over `callers` concurrent callers, each on its own channel, each waiting for its previous call. */
async function measure(target: string, token: string | undefined, call: Call, callers: number, calls: number): Promise<{ millis: number[]; rows: number }> {
  const channels = Array.from({ length: callers }, () => new GatewayClients(target, { token }));
  const millis: number[] = [];
  let rows = -1;
  try {
    // Connect every channel before timing anything.
    await Promise.all(channels.map((clients) => call(clients)));
    let left = calls;
    await Promise.all(
      channels.map(async (clients) => {
        while (left > 0) {
          left--;
          const start = process.hrtime.bigint();
          const received = await call(clients);
          millis.push(Number(process.hrtime.bigint() - start) / 1e6);
          if (rows >= 0 && received !== rows) throw new Error(`a call returned ${received} rows, another ${rows}`);
          rows = received;
        }
      }),
    );
  } finally {
    for (const clients of channels) clients.close();
  }
  return { millis, rows };
}

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;

function latencyOf(name: string, callers: number, { millis, rows }: { millis: number[]; rows: number }): Latency {
  const sorted = [...millis].sort((a, b) => a - b);
  return { name, callers, calls: sorted.length, rows, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] };
}

/** The admin token the stack wrote to its token file (the public calls need a bearer token), if any. */
function readToken(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-bench-latency-'));
  let stack: Stack | undefined;
  const keep = process.env.BENCH_LATENCY_KEEP === '1';
  try {
    stack = await startStack({ home, addresses: await freeServiceAddresses(), logger: createLogger('bench', 'warn'), serviceLogs: 'ignore', env: { LOG_LEVEL: 'warn' } });
    const generated = generateArchive(SEQUENCES);
    const loaded = await loadArchive(stack.databaseUrl, generated, { analyze: false });
    const token = readToken(stack.tokenFile);
    // One call of each right after the load, before ANALYZE: what a user calling straight after a bulk load sees.
    const beforeAnalyze: Record<string, number> = {};
    for (const { name, call } of CALLS_MEASURED) {
      const clients = new GatewayClients(stack.targets.gateway, { token });
      try {
        await call(false)(clients); // the channel's connection, not part of what is shown
        const start = process.hrtime.bigint();
        await call(false)(clients);
        beforeAnalyze[name] = Number(process.hrtime.bigint() - start) / 1e6;
      } finally {
        clients.close();
      }
    }
    // VACUUM too: what autovacuum does within a minute or so of such a load (its insert threshold),
    // done now so that it does not happen in the middle of the measurements.
    const db = new PgClient({ connectionString: stack.databaseUrl });
    await db.connect();
    const analyzeStart = process.hrtime.bigint();
    await db.query('VACUUM ANALYZE');
    const analyzeSeconds = Number(process.hrtime.bigint() - analyzeStart) / 1e9;
    await db.end();
    process.stderr.write(
      `loaded ${generated.sequences} sequences in ${loaded.loadSeconds.toFixed(1)} s, VACUUM ANALYZE ${analyzeSeconds.toFixed(1)} s; ${generated.coveringTonight} cover ${TONIGHT} (${generated.coveringTonightOnTelescope} of ${TELESCOPE})\n`,
    );

    const results: Latency[] = [];
    const loadBefore = os.loadavg()[0];
    for (const { name, call, only } of CALLS_MEASURED) {
      // Warm-up, untimed, each result decoded as a check.
      const clients = new GatewayClients(stack.targets.gateway, { token });
      try {
        for (let i = 0; i < (only ? 2 : WARM_UP_CALLS); i++) await call(i === 0)(clients);
      } finally {
        clients.close();
      }
      for (const callers of only ? [1] : CALLERS) {
        const before = cpuSample(stack, home);
        const latency = latencyOf(name, callers, await measure(stack.targets.gateway, token, call(false), callers, only ?? CALLS));
        const after = cpuSample(stack, home);
        const perCall = (part: keyof CpuSample) => ((after[part] - before[part]) * 1000) / latency.calls;
        latency.cpuMs = { postgres: perCall('postgres'), metadata: perCall('metadata'), gateway: perCall('gateway'), client: perCall('client') };
        process.stderr.write(`${name}, ${callers} caller(s): p50 ${latency.p50.toFixed(1)} ms, p90 ${latency.p90.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (${latency.rows} rows)\n`);
        results.push(latency);
      }
    }
    const loadAfter = os.loadavg()[0];
    if (keep) {
      process.stdout.write(`BENCH_LATENCY_KEEP: the archive stays up; database ${stack.databaseUrl}, gateway ${stack.targets.gateway}; Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }

    const ms = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
    const cpu = (used: CpuSample | undefined) => (used ? `${[used.postgres, used.metadata, used.gateway, used.client].map((value) => value.toFixed(1)).join(' / ')} ms` : '');
    const rowsOf = (name: string) => results.find((result) => result.name === name)!.rows;
    const section = [
      '## Finding tonight\'s simulations among 100,000 sequences',
      '',
      `${machineLine()}; the whole archive (embedded PostgreSQL, the five services) started by \`startStack\`, every call made through the gateway by a Node gRPC client (@visitsarch/grpc-client) in the benchmark's process.`,
      '',
      `**Archive:** ${generated.sequences.toLocaleString('en')} visit sequences (${generated.byKind.simulation.toLocaleString('en')} simulations, ${generated.byKind.completed.toLocaleString('en')} completed, ${generated.byKind.mixed.toLocaleString('en')} mixed; 85 % simonyi, 15 % auxtel) over the ${NIGHTS} nights from ${FIRST_NIGHT}, ` +
        `${generated.tags.toLocaleString('en')} tags, ${generated.files.toLocaleString('en')} file records, ${generated.comments.toLocaleString('en')} comments, ${loaded.nightlyStats.toLocaleString('en')} nightly statistics rows (every night of every pre-night simulation: the specification's ${SPEC_VALUE_NAMES.length} value names, per night and accumulated); ` +
        `${generated.coveringTonight.toLocaleString('en')} sequences cover the night asked, ${TONIGHT} (${generated.coveringTonightOnTelescope} of them ${TELESCOPE}'s, ${generated.prenightTonight} of those pre-night simulations). ` +
        `Bulk-created (bench/metadata-latency.bench.ts, seed 1) straight into the tables with batched \`INSERT … SELECT FROM unnest(…)\` as the service's role in one transaction (${loaded.loadSeconds.toFixed(1)} s; the registry trigger and the constraints apply as for CreateVisitSequence), then \`VACUUM ANALYZE\` (${analyzeSeconds.toFixed(1)} s: what autovacuum does within a minute or two of such a load, done before the measurements rather than during them).`,
      '',
      `**Calls:** ${WARM_UP_CALLS} untimed warm-up calls of each, then ${CALLS} timed calls from 1 caller and ${CALLS} spread over 8 concurrent callers (each on its own channel, each waiting for its previous answer); each call timed from its start to the end of its stream (or its response); the p99 of ${CALLS} calls is their ${ordinal(CALLS - Math.ceil(0.99 * CALLS) + 1)} slowest.`,
      '',
      '| Call | Rows | Callers | p50 | p90 | p99 | Slowest | CPU per call: PostgreSQL / metadata / gateway / client | Target (p99 ≤ 20 ms) |',
      '|---|---|---|---|---|---|---|---|---|',
      ...results.map((result) => {
        const described = CALLS_MEASURED.find((call) => call.name === result.name)!;
        const target = described.target ? (result.p99 <= TARGET_P99_MS ? 'met' : '**not met**') : '';
        return `| ${described.what} | ${rowsOf(result.name)} | ${result.callers}${described.only ? ` (${result.calls} calls)` : ''} | ${ms(result.p50)} | ${ms(result.p90)} | ${ms(result.p99)} | ${ms(result.max)} | ${cpu(result.cpuMs)} | ${target} |`;
      }),
      '',
      `Right after the load, before \`VACUUM ANALYZE\` (one call each on a connected channel, no warm-up): ${CALLS_MEASURED.map(({ name }) => `${name} ${ms(beforeAnalyze[name])}`).join(', ')}.`,
      '',
      `The benchmark's callers, the gateway, the metadata service and PostgreSQL share the machine's ${os.cpus().length} CPUs (load average ${loadBefore.toFixed(1)} when the measurements began, ${loadAfter.toFixed(1)} when they ended: other work ran on the machine too); with 8 callers the calls queue for them, so those latencies are mostly that wait: 8 calls at once need 8 times a call's CPU (the sum of its column: PostgreSQL, the metadata service encoding the rows as Arrow, the gateway relaying them, the client receiving them) from 2 CPUs. How the calls stay fast: indexes and plans in docs/data-model.md ("Indexes and statistics").`,
    ].join('\n');
    writeSection('metadata-latency', section);
    process.stdout.write(`${section}\n`);
  } finally {
    await stack?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
