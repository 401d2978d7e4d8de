import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ADDRESSES } from '@visitsarch/config';
import { startEmbeddedPostgres, RunningPostgres } from '@visitsarch/db';
import { freeAddress, waitForServing } from '@visitsarch/grpc-client';
import type { Logger } from '@visitsarch/logging';

/**
 * Node flags every service runs with. V8's parallel garbage collector threads compete with the
 * service's own threads (gRPC, hashing workers) for the few CPUs a pod has: on 2 CPUs, streaming
 * a 2-million-visit table took twice as long on every call after the first
 * (docs/decisions/0011-streaming-throughput.md). The Kubernetes manifests pass the same flags.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The five services, in the order they are stopped last-to-first (the gateway goes first). */
export const SERVICE_NAMES = ['metadata', 'blob-archive', 'consdb-ingest', 'stats', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface StackOptions {
  /** State directory: embedded PostgreSQL under `postgres/` (its passwords in `postgres-credentials.json`, 0600), the local archive under `archive/`. */
  home: string;
  /** Where each service listens; unset ones take the defaults (gateway 127.0.0.1:50051, …). */
  addresses?: Partial<Record<ServiceName, string>>;
  /** Production PostgreSQL; unset runs the embedded one. */
  databaseUrl?: string;
  /** Production archive (`s3://…`); unset uses `file://<home>/archive/`. */
  archiveUrl?: string;
  /** Extra environment for every service (S3_ENDPOINT_URL, AWS_*, LOG_LEVEL, …). */
  env?: NodeJS.ProcessEnv;
  /** Settings of the embedded PostgreSQL server (tests set TimeZone). */
  postgresSettings?: Record<string, string>;
  /** Where the services' JSON logs go: this process's stdout, or nowhere. */
  serviceLogs?: 'inherit' | 'ignore';
  logger: Logger;
  /** How long all services get to report SERVING. */
  startTimeoutMs?: number;
}

export interface RunningService {
  name: ServiceName;
  address: string;
  process: ChildProcess;
}

export interface Stack {
  gateway: string;
  databaseUrl: string;
  archiveUrl: string;
  services: Record<ServiceName, RunningService>;
  /** SIGTERM to every service (gateway first), then the embedded PostgreSQL. */
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function serviceEntryPoint(name: ServiceName): string {
  return path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');
}

/**
 * Starts the whole archive: the embedded PostgreSQL (unless a database URL is given),
 * then the five services as child processes, and waits until each reports SERVING
 * through grpc.health.v1. Fails, stopping what it started, if any does not.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { logger } = options;
  const addresses: Record<ServiceName, string> = {
    metadata: options.addresses?.metadata ?? DEFAULT_ADDRESSES.metadata,
    'blob-archive': options.addresses?.['blob-archive'] ?? DEFAULT_ADDRESSES.blobArchive,
    'consdb-ingest': options.addresses?.['consdb-ingest'] ?? DEFAULT_ADDRESSES.consdbIngest,
    stats: options.addresses?.stats ?? DEFAULT_ADDRESSES.stats,
    gateway: options.addresses?.gateway ?? DEFAULT_ADDRESSES.gateway,
  };
  for (const name of SERVICE_NAMES) {
    if (!fs.existsSync(serviceEntryPoint(name))) throw new Error(`${serviceEntryPoint(name)} is missing: run \`npm run build\` first`);
  }
  fs.mkdirSync(options.home, { recursive: true });

  let postgres: RunningPostgres | undefined;
  const databaseUrl =
    options.databaseUrl ??
    (postgres = await startEmbeddedPostgres({
      dataDir: path.join(options.home, 'postgres'),
      database: 'visitsarch',
      logger,
      settings: options.postgresSettings,
    })).url;
  const archiveUrl = options.archiveUrl ?? `file://${path.join(options.home, 'archive')}/`;

  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    METADATA_SERVICE_ADDRESS: addresses.metadata,
    BLOB_ARCHIVE_SERVICE_ADDRESS: addresses['blob-archive'],
    CONSDB_INGEST_SERVICE_ADDRESS: addresses['consdb-ingest'],
    STATS_SERVICE_ADDRESS: addresses.stats,
  };
  const ownEnv: Record<ServiceName, NodeJS.ProcessEnv> = {
    metadata: { DATABASE_URL: databaseUrl },
    'blob-archive': { VISITSARCH_ARCHIVE_URL: archiveUrl },
    'consdb-ingest': {},
    stats: {},
    gateway: { VISITSARCH_ARCHIVE_URL: archiveUrl },
  };

  const services = {} as Record<ServiceName, RunningService>;
  const exits = new Map<ServiceName, string>();
  const stop = async () => {
    for (const name of [...SERVICE_NAMES].reverse()) {
      const child = services[name]?.process;
      if (child && child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
    }
    await postgres?.stop();
  };

  for (const name of SERVICE_NAMES) {
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, serviceEntryPoint(name)], {
      env: { ...baseEnv, ...ownEnv[name], GRPC_ADDRESS: addresses[name] },
      stdio: ['ignore', options.serviceLogs === 'ignore' ? 'ignore' : 'inherit', 'pipe'],
    });
    let lastError = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      lastError = chunk.toString().trim().split('\n').pop() ?? lastError;
      if (options.serviceLogs !== 'ignore') process.stderr.write(chunk);
    });
    child.on('exit', (code, signal) => {
      exits.set(name, `visitsarch-${name} exited (${signal ?? `code ${code}`})${lastError ? `: ${lastError}` : ''}`);
    });
    services[name] = { name, address: addresses[name], process: child };
  }

  try {
    await Promise.all(
      SERVICE_NAMES.map((name) =>
        waitForServing(addresses[name], options.startTimeoutMs ?? 60_000, () => exits.get(name)).catch((error: Error) => {
          throw new Error(error.message.startsWith('visitsarch-') ? error.message : `visitsarch-${name}: ${error.message}`);
        }),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { gateway: addresses.gateway, databaseUrl, archiveUrl, services, stop };
}

/** One free loopback address per service (for tests and for running several stacks side by side). */
export async function freeServiceAddresses(): Promise<Record<ServiceName, string>> {
  const addresses = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) addresses[name] = await freeAddress();
  return addresses;
}
