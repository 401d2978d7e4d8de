/**
 * Scaling on one machine: the archive with two replicas each of the gateway, metadata and
 * blob-archive (one consdb-ingest, one stats) against one PostgreSQL and one S3 server (versitygw,
 * the archive an s3:// bucket both blob archives share), driven by several concurrent clients
 * that spread their calls round robin over both gateways (one gRPC address list), with a steady
 * mix of adds (AddSimulation of a small table), tags, verified downloads and queries.
 *
 * `npm run bench` step: the mix's throughput with one replica of each and with two, measured in
 * the same run, and with two while one replica of each is SIGKILLed mid-run; every phase is checked
 * afterwards as test/scaling.spec.ts checks it. Writes its section of docs/benchmarks.md.
 * test/scaling.spec.ts runs the same scenario, shorter, with the kills.
 *
 * Options (environment): BENCH_SCALING_SECONDS (each phase, default 60), BENCH_SCALING_CLIENTS
 * (default 6).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { status, type ServiceError } from '@grpc/grpc-js';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { Client as PgClient } from 'pg';
import { type gatewayV1, typeV1 } from '@visitsarch/contracts';
import { freeAddress, GatewayClients } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, type RunningService, type Stack, startStack } from '@visitsarch/stack';
import { startS3TestServer, type S3TestServer } from '@visitsarch/storage';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { machineLine, writeSection } from './report';

/** The services run as two replicas each; one replica of each is SIGKILLed in the fault phase. */
export const REPLICATED = ['gateway', 'metadata', 'blob-archive'] as const;
export type ReplicatedService = (typeof REPLICATED)[number];

const BUCKET = 'scaling';
/** Each benchmark phase starts with this much of the mix, not measured. */
const WARM_UP_MS = 5000;
/** Visits per added simulation: a small table (~130 kB as Arrow). */
const TABLE_ROWS = 300;

export interface ScalingArchive {
  stack: Stack;
  s3: S3TestServer;
  /** Every gateway's address, and the address list clients dial (round robin over all of them). */
  gateways: string[];
  target: string;
  /** The admin token the stack wrote to `<home>/token`, which the clients present. */
  token?: string;
  /** Each replicated service's processes, the first being what dependents list first. */
  processes: Record<ReplicatedService, RunningService[]>;
  stop(): Promise<void>;
}

/** The archive over embedded PostgreSQL and versitygw, with `replicas` processes of the gateway, metadata and blob-archive. */
export async function startScalingArchive(options: { replicas: 1 | 2; logs?: boolean }): Promise<ScalingArchive> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-scaling-'));
  const s3 = await startS3TestServer([BUCKET]);
  try {
    const replicas: Partial<Record<ReplicatedService, string[]>> = {};
    if (options.replicas === 2) for (const name of REPLICATED) replicas[name] = [await freeAddress()];
    const stack = await startStack({
      home,
      addresses: await freeServiceAddresses(),
      replicas,
      archiveUrl: `s3://${BUCKET}/archive/`,
      logger: createLogger('scaling', 'silent'),
      serviceLogs: options.logs ? 'inherit' : 'ignore',
      env: {
        LOG_LEVEL: 'warn',
        HEALTH_INTERVAL_MS: '500',
        S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        // The mix's clients stand for many users but share the stack's one token: no per-identity
        // query limit below the pool's (QUERY_MAX_CONCURRENT, 8).
        QUERY_MAX_CONCURRENT_PER_IDENTITY: '8',
      },
    });
    const processes = {} as Record<ReplicatedService, RunningService[]>;
    for (const name of REPLICATED) processes[name] = [stack.services[name], ...stack.replicas.filter((replica) => replica.name === name)];
    return {
      stack,
      s3,
      gateways: processes.gateway.map((running) => running.address),
      target: stack.targets.gateway,
      token: readToken(stack.tokenFile),
      processes,
      stop: async () => {
        await stack.stop();
        await s3.stop();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await s3.stop();
    fs.rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

/** The token a stack wrote to its token file, if any. */
function readToken(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

export type OperationKind = 'add' | 'tag' | 'download' | 'query';
/** The mix: an operation of each kind in these proportions. */
const MIX: [OperationKind, number][] = [
  ['add', 0.35],
  ['tag', 0.2],
  ['download', 0.25],
  ['query', 0.2],
];

/** The operations whose calls reach each service (a kill of it may hit them). */
const KILL_REACHES: Record<ReplicatedService, OperationKind[]> = {
  gateway: ['add', 'tag', 'download', 'query'],
  metadata: ['tag', 'query', 'add'],
  'blob-archive': ['add', 'download'],
};

export interface AcknowledgedAdd {
  requestId: string;
  label: string;
  visitseqUuid: string;
  visitseqUrl: string;
  rowCount: number;
  /** When the acknowledgement arrived (ms since the mix started). */
  atMs: number;
}

export interface VerifiedDownload {
  visitseqUuid: string;
  /** The SHA-256 of the bytes received (equal to the record's, checked when received). */
  sha256: string;
  fileUrl: string;
}

export interface Kill {
  service: ReplicatedService;
  address: string;
  pid: number;
  atMs: number;
  /** Calls of the mix in flight when the signal was sent (at least one is waited for). */
  inFlight: number;
  /** Attempts answered UNAVAILABLE (and retried) in the 3 s after the signal. */
  retriedAfter: number;
}

/** CPU time a process used (Linux: /proc/<pid>/stat, utime + stime), in seconds; undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export interface MixResult {
  runId: string;
  clients: number;
  seconds: number;
  /** Operations completed (acknowledged or, for reads, verified), by kind. */
  completed: Record<OperationKind, number>;
  total: number;
  opsPerSecond: number;
  /** Attempts answered UNAVAILABLE and retried, by kind. */
  retried: Record<OperationKind, number>;
  adds: AcknowledgedAdd[];
  tags: { visitseqUuid: string; tag: string }[];
  downloads: VerifiedDownload[];
  kills: Kill[];
  /**
   * CPU seconds each replica used from the start of the mix to the first kill (or its end): how
   * the work was spread over the replicas. Empty where /proc is not available.
   */
  cpu: { service: ReplicatedService; address: string; seconds: number }[];
  /** Everything that went wrong other than a retried UNAVAILABLE: must be empty. */
  errors: string[];
}

/** The tables clients add: a few distinct ones, encoded once (the mix measures the archive, not the client's encoder). */
function tablePool(): { ipc: Buffer; rows: number }[] {
  return [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
    const table = syntheticOpsimTable({ rows: TABLE_ROWS, seed });
    return { ipc: Buffer.from(tableToIPC(table, 'stream')), rows: table.numRows };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isUnavailable = (error: unknown) => (error as ServiceError | undefined)?.code === status.UNAVAILABLE;
const explain = (error: unknown) => {
  const grpcError = error as ServiceError;
  return typeof grpcError?.code === 'number' ? `${status[grpcError.code]}: ${grpcError.details}` : String((error as Error)?.stack ?? error);
};

/**
 * Runs the mix from `clients` concurrent clients, each with its own channels to the gateways'
 * address list, for `durationMs`, SIGKILLing the first process of each service of `kills` at its
 * time (once a call is in flight). Each operation is retried, with the same request id for adds,
 * as long as it is answered UNAVAILABLE (what the contract says is safe to retry blindly), for
 * up to a minute; operations started before the end are finished.
 */
export async function runMix(
  archive: ScalingArchive,
  options: { clients: number; durationMs: number; kills?: { service: ReplicatedService; atMs: number }[] },
): Promise<MixResult> {
  const runId = randomUUID().slice(0, 8);
  const pool = tablePool();
  const creationTime = new Date();
  const result: MixResult = {
    runId,
    clients: options.clients,
    seconds: 0,
    completed: { add: 0, tag: 0, download: 0, query: 0 },
    total: 0,
    opsPerSecond: 0,
    retried: { add: 0, tag: 0, download: 0, query: 0 },
    adds: [],
    tags: [],
    downloads: [],
    kills: [],
    cpu: [],
    errors: [],
  };
  const replicas = REPLICATED.flatMap((service) => archive.processes[service].map((running) => ({ service, running, atStart: cpuSeconds(running.process.pid) })));
  const measureCpu = () => {
    if (result.cpu.length > 0) return;
    for (const { service, running, atStart } of replicas) {
      const now = cpuSeconds(running.process.pid);
      if (atStart !== undefined && now !== undefined) result.cpu.push({ service, address: running.address, seconds: now - atStart });
    }
  };
  const retries: number[] = [];
  const start = Date.now();
  const elapsed = () => Date.now() - start;
  let inFlight = 0;
  const inFlightOf: Record<OperationKind, number> = { add: 0, tag: 0, download: 0, query: 0 };
  let running = true;

  /** One operation, attempted until it is not UNAVAILABLE (a minute at most); undefined if it failed. */
  async function attempt<T>(kind: OperationKind, what: string, operation: () => Promise<T>): Promise<T | undefined> {
    const giveUp = Date.now() + 60_000;
    for (let tries = 0; ; tries++) {
      let failure: unknown;
      inFlight++;
      inFlightOf[kind]++;
      try {
        return await operation();
      } catch (error) {
        failure = error;
      } finally {
        inFlight--;
        inFlightOf[kind]--;
      }
      if (!isUnavailable(failure) || Date.now() >= giveUp) {
        result.errors.push(`${what} (${kind}, attempt ${tries + 1}, at ${(elapsed() / 1000).toFixed(1)} s): ${explain(failure)}`);
        return undefined;
      }
      result.retried[kind]++;
      retries.push(elapsed());
      await sleep(Math.min(50 * 2 ** tries, 1000));
    }
  }

  async function client(index: number): Promise<void> {
    const clients = new GatewayClients(archive.target, { token: archive.token });
    const deadline = () => ({ deadline: Date.now() + 30_000 });
    try {
      for (let n = 0; running; n++) {
        const known = result.adds;
        let kind = pick();
        if (kind !== 'add' && kind !== 'query' && known.length === 0) kind = 'add';
        if (kind === 'add') {
          const requestId = randomUUID();
          const label = `scaling ${runId} client ${index} #${n}`;
          const table = pool[(index + n) % pool.length];
          const header: gatewayV1.AddSimulationHeader = { label, telescope: 'simonyi', creationTime, tags: [], requestId, format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED };
          const added = await attempt('add', label, () => clients.gateway.clientStream('addSimulation', [{ header }, { chunk: { ipcBytes: table.ipc, rowCount: table.rows } }], deadline()));
          if (!added) continue;
          if (added.rowCount !== table.rows || !added.visitseqUrl) result.errors.push(`${label}: acknowledged with ${added.rowCount} rows and URL ${added.visitseqUrl}`);
          result.adds.push({ requestId, label, visitseqUuid: added.visitseqUuid, visitseqUrl: added.visitseqUrl ?? '', rowCount: table.rows, atMs: elapsed() });
        } else if (kind === 'tag') {
          const target = known[(index * 7919 + n) % known.length];
          const tag = `scaling-${runId}-${index}-${n}`;
          const tagged = await attempt('tag', `tag ${tag}`, () => clients.metadata.unary('addTags', { visitseqUuid: target.visitseqUuid, tags: [tag] }, deadline()));
          if (!tagged) continue;
          if (!tagged.tags.includes(tag)) result.errors.push(`tag ${tag}: acknowledged, but the sequence's tags are ${tagged.tags.join(', ')}`);
          result.tags.push({ visitseqUuid: target.visitseqUuid, tag });
        } else if (kind === 'download') {
          const target = known[(index * 104_729 + n) % known.length];
          const downloaded = await attempt('download', `download of ${target.label}`, async () => {
            let file: { fileSha256: Uint8Array; fileUrl?: string; fileSize: number } | undefined;
            const parts: Buffer[] = [];
            for await (const message of clients.gateway.serverStream('downloadFile', { visitseqUuid: target.visitseqUuid, fileType: 'visits' }, deadline())) {
              file ??= message.file;
              if (message.data?.length) parts.push(Buffer.from(message.data));
            }
            return { file, bytes: Buffer.concat(parts) };
          });
          if (!downloaded) continue;
          const sha256 = createHash('sha256').update(downloaded.bytes).digest('hex');
          const recorded = downloaded.file ? Buffer.from(downloaded.file.fileSha256).toString('hex') : '(no file record)';
          let rows = -1;
          try {
            rows = tableFromIPC(downloaded.bytes).numRows;
          } catch (error) {
            result.errors.push(`download of ${target.label}: not an Arrow IPC stream: ${(error as Error).message}`);
          }
          if (sha256 !== recorded || rows !== target.rowCount || downloaded.file?.fileUrl !== target.visitseqUrl || downloaded.bytes.length !== downloaded.file?.fileSize) {
            result.errors.push(`download of ${target.label}: ${downloaded.bytes.length} bytes hashing ${sha256}, ${rows} rows, but the record says ${recorded}, ${downloaded.file?.fileSize} bytes at ${downloaded.file?.fileUrl} and the add ${target.rowCount} rows at ${target.visitseqUrl}`);
            continue;
          }
          result.downloads.push({ visitseqUuid: target.visitseqUuid, sha256, fileUrl: target.visitseqUrl });
        } else {
          const before = result.adds.length; // acknowledged before the query was sent: all must be seen
          const sql = `SELECT count(*) AS n FROM simulations WHERE visitseq_label LIKE 'scaling ${runId} %'`;
          const rows = await attempt('query', 'query', async () => {
            const parts: Buffer[] = [];
            for await (const message of clients.metadata.serverStream('query', { sql, maxRows: 0 }, deadline())) if (message.chunk?.ipcBytes.length) parts.push(Buffer.from(message.chunk.ipcBytes));
            return tableFromIPC(Buffer.concat(parts));
          });
          if (!rows) continue;
          const count = Number(rows.get(0)?.n);
          if (!(count >= before)) result.errors.push(`query: ${count} simulations, but ${before} adds were acknowledged before it was sent`);
        }
        result.completed[kind]++;
      }
    } finally {
      clients.close();
    }
  }

  function pick(): OperationKind {
    let draw = Math.random();
    for (const [kind, share] of MIX) if ((draw -= share) < 0) return kind;
    return 'query';
  }

  async function killer(): Promise<void> {
    for (const kill of [...(options.kills ?? [])].sort((a, b) => a.atMs - b.atMs)) {
      await sleep(Math.max(0, kill.atMs - elapsed()));
      // Wait (5 s at most) for a call that reaches the victim's service: adds and downloads go
      // through the blob archive, tags and queries are forwarded to metadata (adds use it too).
      const reaching = KILL_REACHES[kill.service];
      const waitUntil = Date.now() + 5000;
      while (reaching.every((kind) => inFlightOf[kind] === 0) && Date.now() < waitUntil) await sleep(2);
      measureCpu();
      const victim = archive.processes[kill.service][0];
      const exited = new Promise((resolve) => victim.process.once('exit', resolve));
      const [calls, atMs] = [inFlight, elapsed()];
      victim.process.kill('SIGKILL');
      await exited;
      result.kills.push({ service: kill.service, address: victim.address, pid: victim.process.pid as number, atMs, inFlight: calls, retriedAfter: 0 });
    }
  }

  const stopper = sleep(options.durationMs).then(() => (running = false));
  await Promise.all([...Array.from({ length: options.clients }, (_, index) => client(index)), killer(), stopper]);
  measureCpu();
  for (const kill of result.kills) kill.retriedAfter = retries.filter((at) => at >= kill.atMs && at < kill.atMs + 3000).length;
  result.seconds = elapsed() / 1000;
  result.total = Object.values(result.completed).reduce((sum, count) => sum + count, 0);
  result.opsPerSecond = result.total / result.seconds;
  return result;
}

export interface ArchiveCheck {
  /** Every violation found: must be empty. */
  problems: string[];
  /** Records of the mix (its adds). */
  records: number;
  /** Objects in the whole bucket. */
  objects: number;
  /** Multipart uploads never completed (invisible; the bucket's lifecycle rule reclaims them). */
  incompleteUploads: number;
  tags: number;
}

/**
 * What the archive holds after a mix, read from PostgreSQL and the bucket directly: every
 * acknowledged add present exactly once (and nothing else of the run), every record's blob present
 * with the recorded size and hash, every object in the bucket referenced by a record, every
 * acknowledged tag on its sequence, every verified download the record's current file.
 */
export async function checkArchive(archive: ScalingArchive, mix: MixResult): Promise<ArchiveCheck> {
  const problems: string[] = [];
  const db = new PgClient({ connectionString: archive.stack.databaseUrl });
  await db.connect();
  let records: { visitseq_uuid: string; visitseq_label: string; visitseq_url: string | null; file_url: string | null; file_sha256: Buffer | null; file_size: string | null }[];
  let referenced: Set<string>;
  let tagRows: { visitseq_uuid: string; tag: string }[];
  try {
    records = (
      await db.query(
        `SELECT s.visitseq_uuid, s.visitseq_label, s.visitseq_url, f.file_url, f.file_sha256, f.file_size
           FROM visitsarch.simulations s LEFT JOIN visitsarch.files f ON f.visitseq_uuid = s.visitseq_uuid AND f.file_type = 'visits'
          WHERE s.visitseq_label LIKE $1`,
        [`scaling ${mix.runId} %`],
      )
    ).rows;
    referenced = new Set(
      (await db.query(`SELECT visitseq_url AS url FROM visitsarch.visitseq WHERE visitseq_url IS NOT NULL UNION SELECT file_url FROM visitsarch.files WHERE file_url IS NOT NULL`)).rows.map(
        (row: { url: string }) => row.url,
      ),
    );
    tagRows = (await db.query(`SELECT visitseq_uuid, tag FROM visitsarch.tags WHERE tag LIKE $1`, [`scaling-${mix.runId}-%`])).rows;
  } finally {
    await db.end();
  }

  // No lost and no duplicate sequence.
  const byLabel = new Map<string, typeof records>();
  for (const record of records) byLabel.set(record.visitseq_label, [...(byLabel.get(record.visitseq_label) ?? []), record]);
  for (const add of mix.adds) {
    const found = byLabel.get(add.label) ?? [];
    if (found.length !== 1) problems.push(`${add.label}: acknowledged, found ${found.length} times`);
    else if (found[0].visitseq_uuid !== add.visitseqUuid || found[0].visitseq_url !== add.visitseqUrl) problems.push(`${add.label}: acknowledged as ${add.visitseqUuid} at ${add.visitseqUrl}, recorded as ${found[0].visitseq_uuid} at ${found[0].visitseq_url}`);
  }
  const acknowledged = new Set(mix.adds.map((add) => add.label));
  for (const record of records) if (!acknowledged.has(record.visitseq_label)) problems.push(`${record.visitseq_label} (${record.visitseq_uuid}): recorded, never acknowledged`);

  // No half-written object: every record's blob is there and verifies; every object is some record's.
  const prefix = `s3://${BUCKET}/`;
  const objects = new Map<string, number>();
  let continuationToken: string | undefined;
  do {
    const page = await archive.s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: continuationToken }));
    for (const object of page.Contents ?? []) objects.set(`${prefix}${object.Key}`, object.Size ?? 0);
    continuationToken = page.NextContinuationToken;
  } while (continuationToken);
  for (const url of objects.keys()) if (!referenced.has(url)) problems.push(`${url}: in the bucket, referenced by no record`);
  for (const record of records) {
    if (!record.file_url || record.file_url !== record.visitseq_url) {
      problems.push(`${record.visitseq_label}: visits file record ${record.file_url} for visitseq_url ${record.visitseq_url}`);
      continue;
    }
    if (!objects.has(record.file_url)) {
      problems.push(`${record.visitseq_label}: its visits ${record.file_url} are not in the bucket`);
      continue;
    }
    const object = await archive.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: record.file_url.slice(prefix.length) }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    const sha256 = createHash('sha256').update(bytes).digest();
    if (!record.file_sha256 || !sha256.equals(record.file_sha256) || bytes.length !== Number(record.file_size)) {
      problems.push(`${record.visitseq_label}: ${record.file_url} holds ${bytes.length} bytes hashing ${sha256.toString('hex')}, recorded ${record.file_size} bytes hashing ${record.file_sha256?.toString('hex')}`);
    }
  }
  const uploads = await archive.s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));

  // Every acknowledged tag is there.
  const tagged = new Set(tagRows.map((row) => `${row.visitseq_uuid} ${row.tag}`));
  for (const { visitseqUuid, tag } of mix.tags) if (!tagged.has(`${visitseqUuid} ${tag}`)) problems.push(`tag ${tag} of ${visitseqUuid}: acknowledged, not recorded`);

  // Every verified download is the record's file as it stands.
  const recordOf = new Map(records.map((record) => [record.visitseq_uuid, record]));
  for (const download of mix.downloads) {
    const record = recordOf.get(download.visitseqUuid);
    if (record?.file_sha256?.toString('hex') !== download.sha256 || record.file_url !== download.fileUrl) problems.push(`download of ${download.visitseqUuid}: received ${download.sha256} from ${download.fileUrl}, the record is ${record?.file_sha256?.toString('hex')} at ${record?.file_url}`);
  }
  return { problems, records: records.length, objects: objects.size, incompleteUploads: uploads.Uploads?.length ?? 0, tags: tagRows.length };
}

/** One line of a mix's counts, for logs and the report. */
export function summary(mix: MixResult): string {
  const retries = Object.values(mix.retried).reduce((sum, count) => sum + count, 0);
  return (
    `${mix.total} operations in ${mix.seconds.toFixed(1)} s (${mix.opsPerSecond.toFixed(1)}/s; ${mix.completed.add} adds, ${mix.completed.tag} tags, ` +
    `${mix.completed.download} downloads, ${mix.completed.query} queries; ${retries} UNAVAILABLE retried)`
  );
}

async function phase(replicas: 1 | 2, seconds: number, clients: number, kills: boolean): Promise<{ mix: MixResult; check: ArchiveCheck }> {
  const archive = await startScalingArchive({ replicas });
  try {
    // Untimed warm-up: connections, JIT, PostgreSQL's and versitygw's caches.
    const warmUp = await runMix(archive, { clients, durationMs: WARM_UP_MS });
    if (warmUp.errors.length) throw new Error(`the warm-up went wrong:\n${warmUp.errors.slice(0, 20).join('\n')}`);
    const durationMs = seconds * 1000;
    const schedule = kills ? REPLICATED.map((service, index) => ({ service, atMs: Math.round(durationMs * (0.25 + 0.15 * index)) })) : [];
    const mix = await runMix(archive, { clients, durationMs, kills: schedule });
    const check = await checkArchive(archive, mix);
    process.stderr.write(`${replicas} replica(s)${kills ? ', kills' : ''}: ${summary(mix)}; ${check.records} records, ${check.objects} objects in the bucket (warm-up's included)\n`);
    if (mix.errors.length || check.problems.length) throw new Error(`the mix went wrong:\n${[...mix.errors, ...check.problems].slice(0, 20).join('\n')}`);
    return { mix, check };
  } finally {
    await archive.stop();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SCALING_SECONDS ?? 60);
  const clients = Number(process.env.BENCH_SCALING_CLIENTS ?? 6);
  const one = await phase(1, seconds, clients, false);
  const two = await phase(2, seconds, clients, false);
  const killed = await phase(2, seconds, clients, true);
  const row = (what: string, { mix, check }: { mix: MixResult; check: ArchiveCheck }, ratio: string) =>
    `| ${what} | ${mix.opsPerSecond.toFixed(1)} | ${mix.completed.add} / ${mix.completed.tag} / ${mix.completed.download} / ${mix.completed.query} | ${Object.values(mix.retried).reduce((sum, count) => sum + count, 0)} | ${check.records} adds recorded once each, their objects verified; ${check.objects} objects in the bucket, none unreferenced | ${ratio} |`;
  const section = [
    '## Scaling on one machine: one replica against two',
    '',
    `${machineLine()}; ${clients} concurrent clients, ${seconds} s per phase after ${WARM_UP_MS / 1000} s of untimed warm-up, each phase a fresh archive (embedded PostgreSQL, versitygw S3, the five services).`,
    '',
    `The mix (bench/scaling.bench.ts, the scenario of test/scaling.spec.ts): AddSimulation of a ${TABLE_ROWS}-visit table (35 %), AddTags (20 %), DownloadFile of a visit table verified against its record (25 %), a Query (20 %), each client round robin over all gateways; UNAVAILABLE retried with the same request id.`,
    '',
    '| Archive | Operations/s | adds / tags / downloads / queries | UNAVAILABLE retried | Afterwards | Ratio (÷ one replica) |',
    '|---|---|---|---|---|---|',
    row('one replica of each service', one, '1.00×'),
    row('two replicas of the gateway, metadata and blob-archive', two, `${(two.mix.opsPerSecond / one.mix.opsPerSecond).toFixed(2)}×`),
    row(`two replicas, one of each SIGKILLed (at ${killed.mix.kills.map((kill) => `${(kill.atMs / 1000).toFixed(0)} s`).join(', ')})`, killed, `${(killed.mix.opsPerSecond / one.mix.opsPerSecond).toFixed(2)}×`),
    '',
    `The replicas share the machine's ${os.cpus().length} CPUs with each other, PostgreSQL, the S3 server and the clients: the ratio shows what a second replica costs or gains when the CPUs, not the services, are the limit.`,
  ].join('\n');
  writeSection('scaling', section);
  process.stdout.write(`${section}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
