import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { writeNewCredentialFile } from '@visitsarch/auth';
import { CONFIGURATION_ERROR_EXIT, DEFAULT_ADDRESSES } from '@visitsarch/config';
import { startEmbeddedPostgres, RunningPostgres } from '@visitsarch/db';
import { freeAddress, probeCredentialsOf, waitForServing } from '@visitsarch/grpc-client';
import type { Logger } from '@visitsarch/logging';

/**
 * The Node flags every service runs with (docs/decisions/0011-streaming-throughput.md):
 * `--single-threaded-gc`, because V8's parallel collector threads competed with the service's own
 * (gRPC, hashing workers) for a pod's few CPUs: on 2 CPUs, streaming a 2-million-visit table took
 * twice as long on every call after the first.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The five services, in the order they are stopped last-to-first (the gateway goes first). */
export const SERVICE_NAMES = ['metadata', 'blob-archive', 'consdb-ingest', 'stats', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Flags of one service beyond SERVICE_NODE_FLAGS. The stats service's live heap is ~25 MB, and the
 * old-generation limit V8 derives from so small a heap left so little room that the bytes each
 * `nightly_stats` receives (counted against it) restarted full marking every few calls: a third
 * of its CPU. A floor of 96 MB under that limit removes most of those collections. The gateway's
 * heap is as small and every call it relays starts the same way: 14–17 full collections per 300
 * `query_night`s of 959 rows, ~4 ms of its ~10.5 ms of CPU per call; 1–2 with the floor. The blob
 * archive, whose calls move large buffers, would hold more garbage with it (a higher peak RSS),
 * so it is not a flag of every service.
 */
const EXTRA_NODE_FLAGS: Partial<Record<ServiceName, readonly string[]>> = { stats: ['--initial-old-space-size=96'], gateway: ['--initial-old-space-size=96'] };

/** The Node flags a service runs with; the Helm chart passes the same, the Dockerfile the gateway's (test/helm-chart.spec.ts holds both to this). */
export function serviceNodeFlags(name: ServiceName): string[] {
  return [...SERVICE_NODE_FLAGS, ...(EXTRA_NODE_FLAGS[name] ?? [])];
}

export interface StackOptions {
  /**
   * State directory: embedded PostgreSQL under `postgres/` (its passwords in `postgres-credentials.json`, 0600), the local archive
   * under `archive/`, the service credential (`service-credential`) and the first admin token (`token`), both 0600.
   */
  home: string;
  /** Where each service listens; unset ones take the defaults (gateway 127.0.0.1:50051, …). */
  addresses?: Partial<Record<ServiceName, string>>;
  /** Production PostgreSQL; unset runs the embedded one. */
  databaseUrl?: string;
  /** Production archive (`s3://…`); unset uses `file://<home>/archive/`. */
  archiveUrl?: string;
  /** Extra environment for every service (S3_ENDPOINT_URL, AWS_*, LOG_LEVEL, …). */
  env?: NodeJS.ProcessEnv;
  /**
   * Extra environment of some services only, over `env` (e.g. TLS_CERT_FILE and TLS_KEY_FILE of
   * the gateway). A service serving TLS on its address is probed for readiness over TLS.
   */
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Settings of the embedded PostgreSQL server (tests set TimeZone). */
  postgresSettings?: Record<string, string>;
  /**
   * Where the services' JSON logs go: this process's stdout, nowhere, or an open file descriptor
   * (their stdout and stderr both, so that a test run keeps what its services said).
   */
  serviceLogs?: 'inherit' | 'ignore' | number;
  logger: Logger;
  /** How long all services get to report SERVING. */
  startTimeoutMs?: number;
  /**
   * Further replicas of a service: one more process of it on each of these IPv4 `host:port`s, with
   * the same settings. The services that dial it get all of its addresses as one gRPC address list
   * (`ipv4:<address>,<replicas…>`), over which they spread their calls. Unset: one process each.
   */
  replicas?: Partial<Record<ServiceName, string[]>>;
  /**
   * Where each service serves its Prometheus metrics (METRICS_ADDRESS, or `none`); unset ones, and
   * every replica, take a free loopback port, so that stacks and replicas side by side never clash.
   * The gateway is told them all, and reports them on its health answers (`visitsarch status`).
   */
  metricsAddresses?: Partial<Record<ServiceName, string>>;
}

export interface RunningService {
  name: ServiceName;
  address: string;
  /** Its METRICS_ADDRESS (`none`: it serves no metrics). */
  metricsAddress: string;
  process: ChildProcess;
}

export interface Stack {
  gateway: string;
  databaseUrl: string;
  archiveUrl: string;
  services: Record<ServiceName, RunningService>;
  /** The further processes started by `replicas`, in the order given. */
  replicas: RunningService[];
  /** What each service is dialled at: its address, or the address list of all its replicas. */
  targets: Record<ServiceName, string>;
  /** Each service's metrics URL (`http://host:port/metrics`; its replicas' too, comma-separated; empty if it serves none). */
  metricsUrls: Record<ServiceName, string>;
  /** The file holding the first admin token (metadata's BOOTSTRAP_TOKEN_FILE; written by the metadata service once it starts). */
  tokenFile: string;
  /** The file of the service credential, unless the environment gave the credential itself. */
  serviceCredentialFile?: string;
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
  // Before anything is started or written (the home's token and credential files): an address in
  // use means another archive (or anything else) listens there, and its health would pass for ours.
  for (const name of SERVICE_NAMES) {
    for (const address of [addresses[name], ...(options.replicas?.[name] ?? [])]) await assertAddressFree(name, address);
  }
  // Each process's metrics address (by its gRPC address), and the URLs the gateway reports. Never
  // a service's own port: the caller may have chosen those in another process (freeServiceAddresses),
  // free until the services listen, and a metrics server there would stop the service.
  const metricsAddresses = new Map<string, string>();
  const metricsUrls = {} as Record<ServiceName, string>;
  const serviceAddresses = SERVICE_NAMES.flatMap((name) => [addresses[name], ...(options.replicas?.[name] ?? [])]);
  for (const name of SERVICE_NAMES) {
    const processes = [addresses[name], ...(options.replicas?.[name] ?? [])];
    for (const [index, address] of processes.entries()) metricsAddresses.set(address, (index === 0 ? options.metricsAddresses?.[name] : undefined) ?? (await freeAddress(serviceAddresses)));
    metricsUrls[name] = processes.map((address) => metricsAddresses.get(address)!).filter((address) => address !== 'none').map((address) => `http://${address}/metrics`).join(',');
  }
  fs.mkdirSync(options.home, { recursive: true });
  const access = accessFiles(options.home, { ...process.env, ...options.env });

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
  const targets = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) targets[name] = addressList([addresses[name], ...(options.replicas?.[name] ?? [])]);

  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    ...access.env,
    METADATA_SERVICE_ADDRESS: targets.metadata,
    BLOB_ARCHIVE_SERVICE_ADDRESS: targets['blob-archive'],
    CONSDB_INGEST_SERVICE_ADDRESS: targets['consdb-ingest'],
    STATS_SERVICE_ADDRESS: targets.stats,
  };
  // TLS settings of the shell (or options.env) are the gateway's: the other services' peers speak
  // plain gRPC to them (docs/security.md, "TLS"). serviceEnv gives the blob archive its own.
  const tlsEnv: NodeJS.ProcessEnv = {};
  for (const variable of TLS_VARIABLES) {
    if (baseEnv[variable] !== undefined) tlsEnv[variable] = baseEnv[variable];
    delete baseEnv[variable];
  }
  const ownEnv: Record<ServiceName, NodeJS.ProcessEnv> = {
    metadata: { DATABASE_URL: databaseUrl, BOOTSTRAP_TOKEN_FILE: access.tokenFile },
    'blob-archive': { VISITSARCH_ARCHIVE_URL: archiveUrl },
    'consdb-ingest': {},
    stats: {},
    gateway: {
      ...tlsEnv,
      VISITSARCH_ARCHIVE_URL: archiveUrl,
      METADATA_METRICS_URL: metricsUrls.metadata,
      BLOB_ARCHIVE_METRICS_URL: metricsUrls['blob-archive'],
      CONSDB_INGEST_METRICS_URL: metricsUrls['consdb-ingest'],
      STATS_METRICS_URL: metricsUrls.stats,
    },
  };

  const services = {} as Record<ServiceName, RunningService>;
  const replicas: RunningService[] = [];
  /** Why each process (by its address) exited. */
  const exits = new Map<string, string>();
  const stop = async () => {
    for (const name of [...SERVICE_NAMES].reverse()) {
      for (const child of [services[name], ...replicas.filter((replica) => replica.name === name)].map((running) => running?.process)) {
        if (child && child.exitCode === null && child.signalCode === null) {
          await new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          });
        }
      }
    }
    await postgres?.stop();
  };

  const envOf = (name: ServiceName): NodeJS.ProcessEnv => ({ ...baseEnv, ...ownEnv[name], ...options.serviceEnv?.[name] });
  const launch = (name: ServiceName, address: string): RunningService => {
    const child = spawn(process.execPath, [...serviceNodeFlags(name), serviceEntryPoint(name)], {
      env: { ...envOf(name), GRPC_ADDRESS: address, METRICS_ADDRESS: metricsAddresses.get(address) },
      // The IPC channel is not used for messages: it closes when this process ends, however it
      // ends, and a service started with one stops then (runService in @visitsarch/grpc-server).
      stdio: ['ignore', options.serviceLogs ?? 'inherit', 'pipe', 'ipc'],
    });
    let lastError = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      lastError = chunk.toString().trim().split('\n').pop() ?? lastError;
      if (typeof options.serviceLogs === 'number') fs.writeSync(options.serviceLogs, chunk);
      else if (options.serviceLogs !== 'ignore') process.stderr.write(chunk);
    });
    child.on('exit', (code, signal) => {
      exits.set(address, `visitsarch-${name} exited (${signal ?? `code ${code}`})${lastError ? `: ${lastError}` : ''}`);
    });
    return { name, address, metricsAddress: metricsAddresses.get(address)!, process: child };
  };
  for (const name of SERVICE_NAMES) {
    services[name] = launch(name, addresses[name]);
    for (const address of options.replicas?.[name] ?? []) replicas.push(launch(name, address));
  }

  try {
    await Promise.all(
      [...Object.values(services), ...replicas].map(({ name, address }) =>
        waitForServing(address, options.startTimeoutMs ?? 60_000, () => exits.get(address), probeCredentialsOf(envOf(name))).catch((error: Error) => {
          throw new Error(error.message.startsWith('visitsarch-') ? error.message : `visitsarch-${name}: ${error.message}`);
        }),
      ),
    );
  } catch (error) {
    await stop();
    const refusedItsConfiguration = [...Object.values(services), ...replicas].some((running) => running.process.exitCode === CONFIGURATION_ERROR_EXIT);
    if (refusedItsConfiguration) throw new ServiceConfigurationError((error as Error).message);
    throw error;
  }
  return { gateway: addresses.gateway, databaseUrl, archiveUrl, services, replicas, targets, metricsUrls, tokenFile: access.tokenFile, serviceCredentialFile: access.serviceCredentialFile, stop };
}

/** A service refused its configuration while the archive started; its own stderr line named the variable. */
export class ServiceConfigurationError extends Error {}

/** The TLS settings (libs/grpc-server's tls.ts) that `npm start` passes from its environment to the gateway only. */
const TLS_VARIABLES = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_RELOAD_INTERVAL_MS', 'TLS_ADDRESS'] as const;

/** Throws, naming the service and the address, if something already listens on `address` (`host:port`, `[v6]:port`, `dns:host:port`). */
async function assertAddressFree(name: ServiceName, address: string): Promise<void> {
  const at = address.lastIndexOf(':');
  const hostName = address.slice(0, at).replace(/^dns:\/{0,3}/, '').replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  // Every address the name resolves to, as grpc-js binds them all (localhost: 127.0.0.1 and ::1).
  const hosts = await dns.lookup(hostName, { all: true }).then(
    (found) => found.map((entry) => entry.address),
    () => [hostName], // unresolvable: the service reports it
  );
  for (const host of hosts) await assertListenable(name, address, host, port);
}

async function assertListenable(name: ServiceName, address: string, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      // Any other failure (no IPv6 here, a name that does not resolve) is the service's to report, as before.
      if (error.code !== 'EADDRINUSE') return resolve();
      reject(new Error(`the ${name} address ${address} is already in use: is visitsarch already running (\`visitsarch status\`)? Stop it, or give this archive other addresses`));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * The credentials of a stack (decision 0020). The service credential the services present to each
 * other: `<home>/service-credential`, made once (0600), unless the environment names one
 * (SERVICE_CREDENTIAL or SERVICE_CREDENTIAL_FILE, as in production). The first admin token: the
 * metadata service registers, or makes, `BOOTSTRAP_TOKEN_FILE` (default `<home>/token`), where
 * the CLI and the Python client look for one.
 */
function accessFiles(home: string, given: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; tokenFile: string; serviceCredentialFile?: string } {
  const tokenFile = given.BOOTSTRAP_TOKEN_FILE || path.join(home, 'token');
  if (given.SERVICE_CREDENTIAL) return { env: {}, tokenFile };
  if (given.SERVICE_CREDENTIAL_FILE) return { env: {}, tokenFile, serviceCredentialFile: given.SERVICE_CREDENTIAL_FILE };
  const serviceCredentialFile = path.join(home, 'service-credential');
  writeNewCredentialFile(serviceCredentialFile);
  return { env: { SERVICE_CREDENTIAL_FILE: serviceCredentialFile }, tokenFile, serviceCredentialFile };
}

/** One address as it is; several as gRPC's IPv4 address list (`ipv4:a:1,b:2`), which clients dial round robin. */
function addressList(addresses: string[]): string {
  if (addresses.length === 1) return addresses[0];
  const notIpv4 = addresses.find((address) => !/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address));
  if (notIpv4) throw new Error(`replicas need IPv4 host:port addresses (dialled as one ipv4: list), got ${JSON.stringify(notIpv4)}`);
  return `ipv4:${addresses.join(',')}`;
}

/** One free loopback address per service (for tests and for running several stacks side by side). */
export async function freeServiceAddresses(): Promise<Record<ServiceName, string>> {
  const addresses = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) addresses[name] = await freeAddress();
  return addresses;
}
