import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { tableFromIPC, Table } from 'apache-arrow';
import { Pool } from 'pg';
import { PEER_HEADER, setCaller, type Caller } from '@visitsarch/auth';
import { CONTRACTS, googleRpc, metadataV1, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { startEmbeddedPostgres, RunningPostgres } from '@visitsarch/db';
import { TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { decodeStatusDetails, startService, RunningGrpcService } from '@visitsarch/grpc-server';
import { createLogger } from '@visitsarch/logging';
import { metadataService } from '../service';

/** The services of the metadata process: fixtures call any by method name. */
type Controller = metadataV1.MetadataServiceController &
  metadataV1.RegistryServiceController &
  metadataV1.TokenServiceController &
  metadataV1.TokenVerificationServiceController;
type RequestOf<K extends keyof Controller> = Parameters<Controller[K]>[0];
type ResponseOf<K extends keyof Controller> = Awaited<ReturnType<Controller[K]>> extends infer R ? (R extends { subscribe: unknown } ? never : R) : never;

/** The server runs in a zone far from UTC (UTC+12:45/+13:45), so any time-zone dependence shows. */
export const SERVER_TIME_ZONE = 'Pacific/Chatham';

/** The calls of the archive's RPCs, made as the gateway makes them: with the service credential and, if given, a caller. */
export interface ArchiveCalls {
  /** Calls a unary RPC; `extra` adds call metadata (e.g. the request fingerprint the gateway sends with its creates). */
  call<K extends keyof Controller>(method: K, request: Partial<RequestOf<K>> | Record<string, unknown>, extra?: Record<string, string>): Promise<ResponseOf<K>>;
  /** Calls a unary RPC expecting it to fail; resolves with the error and its decoded google.rpc.Status. */
  fail<K extends keyof Controller>(
    method: K,
    request: Partial<RequestOf<K>> | Record<string, unknown>,
    extra?: Record<string, string>,
  ): Promise<grpc.ServiceError & { status?: googleRpc.Status; violations?: string[] }>;
  stream(method: 'query' | 'queryNight' | 'prenightSims', request: Record<string, unknown>): Promise<any[]>;
  /** Calls a streaming RPC and decodes its chunks as one Arrow table. */
  table(method: 'query' | 'queryNight' | 'prenightSims', request: object): Promise<{ table: Table; messages: any[] }>;
}

export interface Archive extends ArchiveCalls {
  postgres: RunningPostgres;
  service: RunningGrpcService;
  /** An admin pool on the archive's schema, with the server's (non-UTC) default TimeZone, for inspecting and for tricks. */
  sql: Pool;
  /** The same calls on behalf of a caller (identity headers, as the gateway sets them); without one, calls name nobody. */
  as(caller: Caller): ArchiveCalls;
  /** Counts rows of a table (inheritance children included). */
  count(table: string, where?: string, params?: unknown[]): Promise<number>;
  stop(): Promise<void>;
}

export async function startArchive(env: Record<string, string> = {}): Promise<Archive> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-metadata-'));
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(home, 'pg'),
    database: 'visitsarch',
    logger: createLogger('test', 'warn'),
    settings: { TimeZone: SERVER_TIME_ZONE, fsync: 'off' },
  });
  const service = await startService(metadataService, { DATABASE_URL: postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL, ...env });
  const definition = protoLoader.loadSync(CONTRACTS.metadata.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const clientOf = (Service: any) =>
    new Service(`127.0.0.1:${service.port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 * 1024 * 1024 }) as grpc.Client & Record<string, Function>;
  const clients = ['MetadataService', 'RegistryService', 'TokenService', 'TokenVerificationService'].map((name) => clientOf(loaded.visitsarch.metadata.v1[name]));
  /** The RPC of any of the services, by its name. */
  const rpc = (name: string): Function => {
    const client = clients.find((candidate) => typeof candidate[name] === 'function');
    if (!client) throw new Error(`no RPC ${name} in the metadata process`);
    return client[name].bind(client);
  };
  /** The metadata of a call: the service credential, and the caller's identity headers if there is one. */
  const headers = (caller?: Caller, extra: Record<string, string> = {}) => {
    const metadata = new grpc.Metadata();
    metadata.set(PEER_HEADER, TEST_SERVICE_CREDENTIAL);
    if (caller) setCaller(metadata, caller);
    for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
    return metadata;
  };
  const sql = new Pool({ connectionString: postgres.url, options: '-c search_path=visitsarch' });
  sql.on('error', () => undefined); // a connection still closing when the server stops must not crash the test run
  const method = (name: string) => name[0].toUpperCase() + name.slice(1);

  const callsAs = (caller?: Caller): ArchiveCalls => {
    const call = (name: string, request: object, extra?: Record<string, string>) =>
      new Promise<any>((resolve, reject) =>
        rpc(method(name))(request, headers(caller, extra), { deadline: Date.now() + 30_000 }, (error: grpc.ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response))),
      );
    const stream = (name: string, request: object) =>
      new Promise<any[]>((resolve, reject) => {
        const messages: any[] = [];
        const call = rpc(method(name))(request, headers(caller), { deadline: Date.now() + 60_000 }) as grpc.ClientReadableStream<any>;
        call.on('data', (message) => messages.push(message));
        call.on('error', reject);
        call.on('end', () => resolve(messages));
      });
    return {
      call: call as ArchiveCalls['call'],
      fail: async (name, request, extra) => {
        try {
          await call(name, request, extra);
        } catch (error) {
          const failure = error as grpc.ServiceError & { status?: googleRpc.Status; violations?: string[] };
          failure.status = decodeStatusDetails(failure.metadata);
          failure.violations = failure.status?.details
            .filter((any) => any.typeUrl.endsWith('google.rpc.BadRequest'))
            .flatMap((any) => googleRpc.BadRequest.decode(any.value).fieldViolations.map((violation) => violation.field));
          return failure;
        }
        throw new Error(`${name} succeeded but was expected to fail`);
      },
      stream,
      table: async (name, request) => {
        const messages = await stream(name, request);
        const bytes = Buffer.concat(messages.map((message) => message.chunk?.ipcBytes ?? Buffer.alloc(0)));
        return { table: tableFromIPC(bytes), messages };
      },
    };
  };

  return {
    postgres,
    service,
    sql,
    ...callsAs(),
    as: callsAs,
    count: async (table, where = 'true', params = []) => Number((await sql.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params)).rows[0].n),
    stop: async () => {
      clients.forEach((client) => client.close());
      await sql.end();
      await service.shutdown();
      await postgres.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export const sha256 = (): Buffer => randomBytes(32);

/** A simulation to create, with whatever overrides a test needs. */
export function simulation(overrides: Partial<metadataV1.VisitSequence> = {}, details: Partial<metadataV1.SimulationDetails> = {}): metadataV1.VisitSequence {
  return {
    visitseqUuid: '',
    visitseqSha256: sha256(),
    visitseqLabel: `simulation ${randomUUID().slice(0, 8)}`,
    telescope: 'simonyi',
    firstDayObs: '2026-12-01',
    lastDayObs: '2026-12-03',
    kind: 0,
    tags: [],
    simulation: { schedulerVersion: '3.18.1', ...details },
    ...overrides,
  };
}

export function completed(overrides: Partial<metadataV1.VisitSequence> = {}): metadataV1.VisitSequence {
  return { ...simulation(overrides), simulation: undefined, completed: { query: 'SELECT * FROM cdb_lsstcam.visit1' }, ...overrides };
}

/** Creates a sequence (a simulation unless `sequence` says otherwise) and returns it. */
export async function create(archive: Archive, sequence: metadataV1.VisitSequence = simulation(), tags: string[] = [], extra: Record<string, unknown> = {}): Promise<metadataV1.VisitSequence> {
  const response = await archive.call('createVisitSequence', { visitSequence: sequence, tags, ...extra });
  return response.visitSequence!;
}
