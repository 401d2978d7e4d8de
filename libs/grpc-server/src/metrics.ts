import * as diagnostics from 'node:diagnostics_channel';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ConfigError, DEFAULT_ADDRESSES } from '@visitsarch/config';

/*
 * Prometheus metrics of a service process (docs/operations.md, "Metrics"), served over HTTP at
 * `/metrics` on METRICS_ADDRESS:
 *
 * - per gRPC server (GrpcServerMetrics, its own registry): the usual grpc_server_* series of every
 *   call the server answers (its own services, the services it forwards, health, reflection),
 *   counted by a grpc-js server interceptor, so a call is seen exactly as the client sees it; and
 *   the bytes and Arrow rows of streamed messages;
 * - per process (one registry): Node's default process metrics, storage and database operation
 *   latencies and the database pools. libs/storage and libs/db do not depend on this module:
 *   they publish each operation on a `node:diagnostics_channel` channel (free when nobody
 *   listens, e.g. in the CLI), and this module subscribes to those channels by name.
 */

/** Where each service serves its metrics by default: beside its default gRPC address (`DEFAULT_ADDRESSES`). */
export const DEFAULT_METRICS_ADDRESSES: Record<keyof typeof DEFAULT_ADDRESSES, string> = {
  gateway: '127.0.0.1:9451',
  metadata: '127.0.0.1:9452',
  blobArchive: '127.0.0.1:9453',
  consdbIngest: '127.0.0.1:9454',
  stats: '127.0.0.1:9455',
};

/** The default metrics address of the service whose default gRPC address is `defaultGrpcAddress`; `none` for any other server. */
export function defaultMetricsAddress(defaultGrpcAddress: string): string {
  const key = (Object.keys(DEFAULT_ADDRESSES) as (keyof typeof DEFAULT_ADDRESSES)[]).find((name) => DEFAULT_ADDRESSES[name] === defaultGrpcAddress);
  return key ? DEFAULT_METRICS_ADDRESSES[key] : 'none';
}

const LISTEN_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** METRICS_ADDRESS: `host:port` to serve `/metrics` on (IPv6 hosts in brackets, port 0: any free port), or `none`. */
export function metricsAddress(raw: string, variable: string): string {
  if (raw === 'none') return raw;
  const match = LISTEN_ADDRESS.exec(raw);
  if (!match || Number(match[2]) > 65535) throw new ConfigError(variable, `expected host:port (e.g. 127.0.0.1:9451) or none, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * The metrics URL(s) of a service another one depends on, as whoever started them knows them:
 * `http(s)://…` URLs separated by commas (one per replica), or empty (not known).
 */
export function metricsUrls(raw: string, variable: string): string {
  const urls = raw.split(',').map((url) => url.trim()).filter(Boolean);
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new ConfigError(variable, `expected http:// URLs separated by commas (e.g. http://127.0.0.1:9452/metrics), got ${JSON.stringify(url)}`);
    }
  }
  return urls.join(',');
}

// ---------------------------------------------------------------------------------------------
// The channels libs/storage and libs/db publish on (their names are repeated there; the
// cross-service test test/metrics.spec.ts sees the series appear, so a rename cannot go unnoticed).

/** libs/storage (`storage-timing.ts`): `{ backend, operation, seconds, error }` per object-store operation. */
const STORAGE_OPERATION_CHANNEL = 'visitsarch:storage:operation';
/** libs/db (`pg-timing.ts`): `{ pool, operation, seconds, error }` per PostgreSQL statement. */
const DB_QUERY_CHANNEL = 'visitsarch:db:query';
/** libs/db (`pg-timing.ts`): `{ pool, name }` whenever a pg Pool hands out a connection. */
const DB_POOL_CHANNEL = 'visitsarch:db:pool';

interface OperationEvent {
  operation: string;
  seconds: number;
  error: boolean;
}
interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  ending?: boolean;
  ended?: boolean;
  options?: { max?: number };
}

const OPERATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

/** What belongs to the process rather than to one server (processMetrics). */
const processRegistry = new Registry();
let collecting = false;

/**
 * The registry of what belongs to the process rather than to one server: Node's default metrics,
 * storage and database operations, database pools and the services' own gauges (processGauge).
 * The first call starts collecting them (subscribes to the channels).
 */
export function processMetrics(): Registry {
  if (collecting) return processRegistry;
  collecting = true;
  const registry = processRegistry;
  collectDefaultMetrics({ register: registry });

  const storage = new Histogram({
    name: 'visitsarch_storage_operation_duration_seconds',
    help: 'Duration of object-store operations (libs/storage), by backend (file, s3), operation and outcome (ok, error)',
    labelNames: ['backend', 'operation', 'outcome'],
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  diagnostics.subscribe(STORAGE_OPERATION_CHANNEL, (message) => {
    const event = message as OperationEvent & { backend: string };
    storage.labels(event.backend, event.operation, event.error ? 'error' : 'ok').observe(event.seconds);
  });

  const queries = new Histogram({
    name: 'visitsarch_db_query_duration_seconds',
    help: 'Duration of PostgreSQL statements (libs/db), by pool, SQL command and outcome (ok, error)',
    labelNames: ['pool', 'operation', 'outcome'],
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  diagnostics.subscribe(DB_QUERY_CHANNEL, (message) => {
    const event = message as OperationEvent & { pool: string };
    queries.labels(event.pool, event.operation, event.error ? 'error' : 'ok').observe(event.seconds);
  });

  // Pools are learnt as they hand out connections; their counts are read at each scrape.
  const pools = new Map<PgPoolLike, string>();
  diagnostics.subscribe(DB_POOL_CHANNEL, (message) => {
    const { pool, name } = message as { pool: PgPoolLike; name: string };
    if (!pools.has(pool)) pools.set(pool, name);
  });
  const poolGauge = (name: string, help: string, read: (pool: PgPoolLike) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [pool, label] of pools) {
          if (pool.ending || pool.ended) {
            pools.delete(pool);
            continue;
          }
          this.labels(label).inc(read(pool));
        }
      },
    });
  poolGauge('visitsarch_db_pool_connections', 'Connections a PostgreSQL pool holds (pg Pool totalCount), idle or in use', (pool) => pool.totalCount);
  poolGauge('visitsarch_db_pool_idle_connections', 'Idle connections of a PostgreSQL pool (pg Pool idleCount)', (pool) => pool.idleCount);
  poolGauge('visitsarch_db_pool_waiting_requests', 'Requests waiting for a connection of a PostgreSQL pool (pg Pool waitingCount)', (pool) => pool.waitingCount);
  poolGauge('visitsarch_db_pool_max_connections', 'The most connections a PostgreSQL pool may open (its max)', (pool) => pool.options?.max ?? 10);
  return registry;
}

/** A gauge of the process registry (made once per process: every call with the same name returns it). */
export function processGauge(name: string, help: string): Gauge {
  return (processRegistry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [processRegistry] });
}

// ---------------------------------------------------------------------------------------------
// gRPC server metrics.

/** Status codes as Prometheus' gRPC conventions name them (go-grpc-prometheus: codes.Code.String()). */
const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted',
  'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];
const codeName = (code: number | undefined): string => CODE_NAMES[code ?? 2] ?? String(code);

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
const grpcType = (requestStream: boolean, responseStream: boolean): GrpcType =>
  requestStream ? (responseStream ? 'bidi_stream' : 'client_stream') : responseStream ? 'server_stream' : 'unary';

/** The health service, whose answers carry the metrics URLs (METRICS_URL_HEADER). */
const HEALTH_PATH_PREFIX = '/grpc.health.v1.Health/';
/** The response header with the answering process's own metrics URL. */
export const METRICS_URL_HEADER = 'visitsarch-metrics-url';
/** The response header prefix of the metrics URLs of the services a server depends on (`visitsarch-metrics-url-<name>`). */
export const DEPENDENCY_METRICS_URL_HEADER_PREFIX = `${METRICS_URL_HEADER}-`;

interface MethodMetrics {
  started: ReturnType<Counter['labels']>;
  received: ReturnType<Counter['labels']>;
  sent: ReturnType<Counter['labels']>;
  seconds: ReturnType<Histogram['labels']>;
  handled: Map<number, ReturnType<Counter['labels']>>;
  labels: [string, string, string];
  rowsReceived: ReturnType<Counter['labels']>;
  rowsSent: ReturnType<Counter['labels']>;
}

/** The rows of the ArrowIpcChunk a message is or holds (any field), if any: `row_count` of the contract's Arrow framing. */
function rowsOf(message: unknown): number | undefined {
  if (message === null || typeof message !== 'object' || Buffer.isBuffer(message)) return undefined;
  const isChunk = (value: unknown): value is { rowCount: unknown } => value !== null && typeof value === 'object' && 'ipcBytes' in value && 'rowCount' in value;
  const chunk = isChunk(message) ? message : Object.values(message).find(isChunk);
  return chunk ? Number(chunk.rowCount) || 0 : undefined;
}

/**
 * The metrics of one gRPC server: calls (grpc_server_*) and streamed bytes and rows
 * (visitsarch_stream_*), in a registry of its own so that two servers in one process (tests) do
 * not mix their calls. `instrument` and `interceptor` attach it to the server.
 */
export class GrpcServerMetrics {
  readonly registry = new Registry();
  private readonly methods = new Map<string, MethodMetrics>();
  private readonly startedTotal: Counter;
  private readonly handledTotal: Counter;
  private readonly receivedTotal: Counter;
  private readonly sentTotal: Counter;
  private readonly handlingSeconds: Histogram;
  private readonly streamBytes: Counter;
  private readonly streamRows: Counter;
  /** The bound metrics endpoint (set once it listens): what health answers advertise. */
  endpoint?: { host: string; port: number };

  constructor(private readonly dependencyMetricsUrls: Readonly<Record<string, string>> = {}) {
    processMetrics(); // from now on, before the service's module starts (its database, its storage)
    const registers = [this.registry];
    const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'];
    this.startedTotal = new Counter({ name: 'grpc_server_started_total', help: 'RPCs started on the server', labelNames, registers });
    this.handledTotal = new Counter({ name: 'grpc_server_handled_total', help: 'RPCs completed on the server, whatever their status', labelNames: [...labelNames, 'grpc_code'], registers });
    this.receivedTotal = new Counter({ name: 'grpc_server_msg_received_total', help: 'Messages received from clients (stream messages each)', labelNames, registers });
    this.sentTotal = new Counter({ name: 'grpc_server_msg_sent_total', help: 'Messages sent to clients (stream messages each)', labelNames, registers });
    this.handlingSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from the arrival of an RPC to its status, in seconds',
      labelNames,
      buckets: CALL_BUCKETS,
      registers,
    });
    const streamLabels = ['grpc_service', 'grpc_method', 'direction'];
    this.streamBytes = new Counter({
      name: 'visitsarch_stream_bytes_total',
      help: 'Bytes of the encoded messages of request streams (direction=received) and response streams (direction=sent)',
      labelNames: streamLabels,
      registers,
    });
    this.streamRows = new Counter({
      name: 'visitsarch_stream_rows_total',
      help: 'Table rows in the Arrow chunks (ArrowIpcChunk.row_count) of streamed messages the service decodes or encodes itself',
      labelNames: streamLabels,
      registers,
    });
  }

  /** The metrics of a method, made on first use (`/package.Service/Method`). */
  private method(path: string, type: GrpcType): MethodMetrics {
    let found = this.methods.get(path);
    if (!found) {
      const [service, method] = path.slice(1).split('/');
      const labels: [string, string, string] = [type, service, method];
      found = {
        labels,
        started: this.startedTotal.labels(...labels),
        received: this.receivedTotal.labels(...labels),
        sent: this.sentTotal.labels(...labels),
        seconds: this.handlingSeconds.labels(...labels),
        handled: new Map(),
        rowsReceived: this.streamRows.labels(service, method, 'received'),
        rowsSent: this.streamRows.labels(service, method, 'sent'),
      };
      this.methods.set(path, found);
    }
    return found;
  }

  private handled(metrics: MethodMetrics, code: number) {
    let child = metrics.handled.get(code);
    if (!child) metrics.handled.set(code, (child = this.handledTotal.labels(...metrics.labels, codeName(code))));
    return child;
  }

  /**
   * Makes every method registered on `server` from now on (NestJS's, forwarded ones, health,
   * reflection) count the bytes of its streamed messages as grpc-js encodes or decodes them, and
   * appear at 0 before its first call. Call it before any service is added.
   */
  instrument(server: grpc.Server): void {
    const register = server.register.bind(server);
    const types: Record<string, GrpcType> = { unary: 'unary', clientStream: 'client_stream', serverStream: 'server_stream', bidi: 'bidi_stream' };
    server.register = (name, handler, serialize, deserialize, type) => {
      const metrics = this.method(name, types[type] ?? 'unary');
      metrics.started.inc(0); // the series exists before the first call
      const [service, method] = metrics.labels.slice(1);
      let countedSerialize = serialize;
      let countedDeserialize = deserialize;
      if (type === 'clientStream' || type === 'bidi') {
        const bytes = this.streamBytes.labels(service, method, 'received');
        countedDeserialize = (data: Buffer) => {
          bytes.inc(data.length);
          return deserialize(data);
        };
      }
      if (type === 'serverStream' || type === 'bidi') {
        const bytes = this.streamBytes.labels(service, method, 'sent');
        countedSerialize = (value) => {
          const data = serialize(value);
          bytes.inc(data.length);
          return data;
        };
      }
      return register(name, handler, countedSerialize, countedDeserialize, type);
    };
  }

  /**
   * A grpc-js server interceptor counting every call: started, each message, the status it ends
   * with (a call cancelled by the client, or whose deadline passed, ends without a status from
   * the handler: Canceled or DeadlineExceeded), its duration; and, on health answers, the
   * metrics URLs as response headers.
   */
  readonly interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    const type = grpcType(descriptor.requestStream, descriptor.responseStream);
    const metrics = this.method(descriptor.path, type);
    const started = process.hrtime.bigint();
    metrics.started.inc();
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      this.handled(metrics, code).inc();
      metrics.seconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMessage((message, next) => {
        metrics.received.inc();
        const rows = descriptor.requestStream ? rowsOf(message) : undefined;
        if (rows) metrics.rowsReceived.inc(rows);
        next(message);
      })
      .withOnCancel(() => {
        const deadline = call.getDeadline();
        const passed = deadline instanceof Date ? deadline.getTime() <= Date.now() : Number.isFinite(deadline) && deadline <= Date.now();
        finish(passed ? grpc.status.DEADLINE_EXCEEDED : grpc.status.CANCELLED);
      })
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendMessage((message, next) => {
        metrics.sent.inc();
        const rows = descriptor.responseStream ? rowsOf(message) : undefined;
        if (rows) metrics.rowsSent.inc(rows);
        next(message);
      })
      .withSendStatus((status, next) => {
        finish(status.code);
        next(status);
      });
    if (descriptor.path.startsWith(HEALTH_PATH_PREFIX)) {
      responder.withSendMetadata((metadata, next) => {
        const own = this.url(call.getHost());
        if (own) metadata.set(METRICS_URL_HEADER, own);
        for (const [name, urls] of Object.entries(this.dependencyMetricsUrls)) if (urls) metadata.set(`${DEPENDENCY_METRICS_URL_HEADER_PREFIX}${name}`, urls);
        next(metadata);
      });
    }
    return new grpc.ServerInterceptingCall(call, responder.build());
  };

  /**
   * This server's metrics URL as a caller can use it: the metrics host, or, when it listens on
   * every interface (0.0.0.0, [::]), the host the caller reached the gRPC server at.
   */
  url(authority?: string): string | undefined {
    if (!this.endpoint) return undefined;
    let host = this.endpoint.host;
    if (['0.0.0.0', '::', '[::]', ''].includes(host)) {
      const dialled = authority?.replace(/:\d+$/, '');
      if (!dialled) return undefined;
      host = dialled;
    }
    return `http://${host}:${this.endpoint.port}/metrics`;
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTP endpoint.

export interface MetricsServer {
  /** The bound port (useful when listening on port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus' text format) on `address`: the server's registries, then the
 * process's. Rejects, naming METRICS_ADDRESS, when it cannot listen there.
 */
export async function startMetricsServer(address: string, registries: readonly Registry[]): Promise<MetricsServer> {
  const match = LISTEN_ADDRESS.exec(address);
  if (!match) throw new Error(`METRICS_ADDRESS: expected host:port, got ${JSON.stringify(address)}`);
  const host = match[1].replace(/^\[(.*)\]$/, '$1');
  const all = [...registries, processMetrics()];
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    Promise.all(all.map((registry) => registry.metrics())).then(
      (texts) => response.writeHead(200, { 'content-type': processMetrics().contentType }).end(request.method === 'HEAD' ? undefined : texts.join('')),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect metrics: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot serve metrics on ${address} (METRICS_ADDRESS): ${error.message}`)));
    server.listen(Number(match[2]), host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
