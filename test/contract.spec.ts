/**
 * The public contract is declared once: MetadataService and StatsService are served at the
 * gateway's address by forwarding, not re-declared. This test proves the seam carries everything:
 * for every RPC of both services, a request with every field set (built from the protos, so a field
 * added tomorrow is covered) reaches the service behind the gateway byte for byte, with the caller's
 * metadata and a deadline, and a fully populated response (or an error with its details) comes back
 * unchanged. The "service behind" is a recording gRPC server standing where metadata and stats
 * would be: what is tested is the gateway's side of the seam, with real sockets and a real gateway.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { IDENTITY_HEADER, INGRESS_USER_HEADER, PEER_HEADER } from '@visitsarch/auth';
import { CONTRACTS, PROTO_ROOT } from '@visitsarch/contracts';
import type { RunningGrpcService } from '@visitsarch/grpc-server';
import { serviceSpec } from './support/service-specs';

const FORWARDED = [
  { contract: CONTRACTS.metadataService, service: 'visitsarch.metadata.v1.MetadataService' },
  { contract: CONTRACTS.stats, service: 'visitsarch.stats.v1.StatsService' },
];
const asIs = (bytes: Buffer) => bytes;
/** The deployment's service credential the gateway presents behind it, and the caller the ingress vouches for. */
const CREDENTIAL = 'contract-test-service-credential';
const CALLER = 'contract-tester';

/** Metadata as the ingress passes a call on: with the authenticated user. */
function fromIngress(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(INGRESS_USER_HEADER, CALLER);
  return metadata;
}

/** The protos as protobufjs reflection (the well-known google/protobuf types are protobufjs's own). */
function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') || path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync(FORWARDED.flatMap((forwarded) => forwarded.contract.protoFiles));
  root.resolveAll();
  return root;
}

/**
 * A value for every field (one member per oneof), recursing into messages; different per `seed`.
 * Timestamp and Struct take the forms of the wrappers @visitsarch/contracts (ts-proto) installs in
 * protobufjs: a Date and a plain object.
 */
function populated(type: protobuf.Type, seed: number, depth = 0): unknown {
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return new Date(Date.UTC(2025, 5, 15, 12, 0, seed)); // whole seconds: the wrapper writes fractional ones as they are
    case '.google.protobuf.Duration':
      return { seconds: 5 + seed, nanos: 250_000_000 };
    case '.google.protobuf.FieldMask':
      return { paths: ['visitseq_label', 'first_day_obs'] };
    case '.google.protobuf.Struct':
      return { answer: 42 + seed, name: `struct ${seed}`, flag: true, nested: { list: [1, 'two'] } };
  }
  const message: Record<string, unknown> = {};
  const oneofMembersTaken = new Set<string>();
  for (const field of type.fieldsArray) {
    if (field.partOf) {
      if (oneofMembersTaken.has(field.partOf.name)) continue;
      oneofMembersTaken.add(field.partOf.name);
    }
    const value = valueOf(field, seed, depth);
    if (value === undefined) continue;
    message[field.name] = field.repeated ? [value, valueOf(field, seed + 1, depth)] : field.map ? { [`key${seed}`]: value } : value;
  }
  return message;
}

function valueOf(field: protobuf.Field, seed: number, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return Math.max(...Object.values(resolved.values));
  if (resolved instanceof protobuf.Type) return depth > 4 ? undefined : populated(resolved, seed, depth + 1);
  switch (field.type) {
    case 'string':
      return `${field.name} ${seed} ✓`;
    case 'bool':
      return true;
    case 'bytes':
      return Buffer.alloc(32, seed + 1);
    case 'double':
    case 'float':
      return 1.5 + seed;
    default:
      return 7 + seed; // every integer type
  }
}

function encoded(root: protobuf.Root, typeName: string, seed: number): Buffer {
  const type = root.lookupType(typeName);
  const message = type.fromObject(populated(type, seed) as Record<string, unknown>);
  const problem = type.verify(message);
  if (problem) throw new Error(`${typeName}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
}

interface Received {
  requests: Buffer[];
  metadata: grpc.Metadata;
  deadline: grpc.Deadline;
}

describe('the gateway forwards MetadataService and StatsService unchanged', () => {
  const root = loadRoot();
  const methods = FORWARDED.flatMap(({ service }) =>
    root.lookupService(service).methodsArray.map((method) => ({ service, method, path: `/${service}/${method.name}` })),
  );
  const received = new Map<string, Received>();
  const responses = new Map<string, Buffer[]>();
  /** Paths whose recorder answers with this error instead. */
  const failures = new Map<string, { code: grpc.status; details: string; metadata: grpc.Metadata }>();
  let recorder: grpc.Server;
  let gateway: RunningGrpcService;
  let home: string;
  let client: grpc.Client;

  beforeAll(async () => {
    recorder = new grpc.Server();
    for (const { service } of FORWARDED) {
      const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const method of root.lookupService(service).methodsArray) {
        const methodPath = `/${service}/${method.name}`;
        definition[method.name] = {
          path: methodPath,
          requestStream: !!method.requestStream,
          responseStream: !!method.responseStream,
          requestSerialize: asIs,
          requestDeserialize: asIs,
          responseSerialize: asIs,
          responseDeserialize: asIs,
        };
        const reply = responses.get(methodPath) ?? [encoded(root, method.resolvedResponseType!.fullName, 1), encoded(root, method.resolvedResponseType!.fullName, 2)];
        responses.set(methodPath, method.responseStream ? reply : reply.slice(0, 1));
        const record = (call: grpc.ServerReadableStream<Buffer, Buffer> | grpc.ServerUnaryCall<Buffer, Buffer>, requests: Buffer[]) => received.set(methodPath, { requests, metadata: call.metadata, deadline: call.getDeadline() });
        if (method.requestStream) {
          handlers[method.name] = (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
            const requests: Buffer[] = [];
            call.on('data', (message: Buffer) => requests.push(message));
            call.on('end', () => {
              record(call, requests);
              const failure = failures.get(methodPath);
              callback(failure ?? null, failure ? undefined : responses.get(methodPath)![0]);
            });
          };
        } else if (method.responseStream) {
          handlers[method.name] = (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
            record(call, [call.request]);
            const failure = failures.get(methodPath);
            if (failure) return void call.emit('error', failure);
            for (const message of responses.get(methodPath)!) call.write(message);
            call.end();
          };
        } else {
          handlers[method.name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
            record(call, [call.request]);
            const failure = failures.get(methodPath);
            callback(failure ?? null, failure ? undefined : responses.get(methodPath)![0]);
          };
        }
      }
      recorder.addService(definition as grpc.ServiceDefinition, handlers);
    }
    const port = await new Promise<number>((resolve, reject) =>
      recorder.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const behind = `127.0.0.1:${port}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-contract-'));
    const { startService } = await import('@visitsarch/grpc-server');
    gateway = await startService(serviceSpec('gateway'), {
      GRPC_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'fatal',
      METADATA_SERVICE_ADDRESS: behind,
      STATS_SERVICE_ADDRESS: behind,
      BLOB_ARCHIVE_SERVICE_ADDRESS: '127.0.0.1:9', // never called here
      CONSDB_INGEST_SERVICE_ADDRESS: '127.0.0.1:9',
      VISITSARCH_ARCHIVE_URL: `file://${home}/`,
      SERVICE_CREDENTIAL: CREDENTIAL,
      // The caller is the user an ingress authenticated (decision 0020): the recorder need not answer VerifyToken.
      AUTH_MODE: 'ingress',
      INGRESS_ADMIN_USERS: CALLER,
    });
    client = new grpc.Client(`127.0.0.1:${gateway.port}`, grpc.credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await gateway?.shutdown();
    recorder?.forceShutdown();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  function callThroughGateway(method: (typeof methods)[number], requests: Buffer[], metadata: grpc.Metadata): Promise<{ responses: Buffer[]; error?: grpc.ServiceError }> {
    const options = { deadline: Date.now() + 20_000 };
    return new Promise((resolve) => {
      const { path: methodPath } = method;
      if (method.method.requestStream) {
        const call = client.makeClientStreamRequest(methodPath, asIs, asIs, metadata, options, (error, response) =>
          resolve(error ? { responses: [], error } : { responses: [response!] }),
        );
        for (const request of requests) call.write(request);
        call.end();
      } else if (method.method.responseStream) {
        const got: Buffer[] = [];
        const call = client.makeServerStreamRequest(methodPath, asIs, asIs, requests[0], metadata, options);
        call.on('data', (message: Buffer) => got.push(message));
        call.on('error', (error: grpc.ServiceError) => resolve({ responses: got, error }));
        call.on('end', () => resolve({ responses: got }));
      } else {
        client.makeUnaryRequest(methodPath, asIs, asIs, requests[0], metadata, options, (error, response) => resolve(error ? { responses: [], error } : { responses: [response!] }));
      }
    });
  }

  it('covers every RPC of both services (and nothing of the internal RegistryService)', () => {
    expect(methods.length).toBeGreaterThanOrEqual(25);
    expect(methods.some((method) => method.path.includes('RegistryService'))).toBe(false);
  });

  it.each(methods.map((method) => [method.path, method] as const))('%s: every field of the request and of the response crosses unchanged', async (_path, method) => {
    const requestType = method.method.resolvedRequestType!.fullName;
    const requests = method.method.requestStream ? [encoded(root, requestType, 1), encoded(root, requestType, 2), encoded(root, requestType, 3)] : [encoded(root, requestType, 1)];
    // The populated message really is complete: decoding it back sets every field.
    const decoded = root.lookupType(requestType).decode(requests[0]) as unknown as Record<string, unknown>;
    for (const field of root.lookupType(requestType).fieldsArray) if (!field.partOf || field.partOf.oneof[0] === field.name) expect(decoded).toHaveProperty(field.name);

    const metadata = fromIngress();
    metadata.set('x-request-id', `contract ${method.path}`);
    metadata.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const answer = await callThroughGateway(method, requests, metadata);
    expect(answer.error).toBeUndefined();
    const seen = received.get(method.path)!;
    expect(seen.requests).toEqual(requests);
    expect(answer.responses).toEqual(responses.get(method.path));
    expect(seen.metadata.get('x-request-id')).toEqual([`contract ${method.path}`]);
    // The service behind learns who acts from the gateway, which vouches with the service credential.
    expect(seen.metadata.get(PEER_HEADER)).toEqual([CREDENTIAL]);
    expect(seen.metadata.get(IDENTITY_HEADER)).toEqual([CALLER]);
    expect(seen.metadata.get(INGRESS_USER_HEADER)).toEqual([]);
    // The trace goes on: same trace and flags, with the gateway's forwarding span as the parent (docs/operations.md, "Traces").
    expect(seen.metadata.get('traceparent')).toEqual([expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/)]);
    // The caller's deadline travels on (less the time spent on the way).
    const deadline = seen.deadline instanceof Date ? seen.deadline.getTime() : Number(seen.deadline);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 20_000);
    expect(deadline).toBeGreaterThan(Date.now() + 10_000);
  });

  it.each(methods.map((method) => [method.path, method] as const))('%s: an error comes back with its code, message and google.rpc.Status details', async (_path, method) => {
    const details = encoded(root, '.google.protobuf.Timestamp', 9); // any bytes: the trailer must cross as it is
    const trailers = new grpc.Metadata();
    trailers.set('grpc-status-details-bin', details);
    failures.set(method.path, { code: grpc.status.FAILED_PRECONDITION, details: `refused: ${method.method.name}`, metadata: trailers });
    try {
      const requestType = method.method.resolvedRequestType!.fullName;
      const answer = await callThroughGateway(method, [encoded(root, requestType, 4)], fromIngress());
      expect(answer.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(answer.error?.details).toBe(`refused: ${method.method.name}`);
      expect(answer.error?.metadata.get('grpc-status-details-bin')).toEqual([details]);
    } finally {
      failures.delete(method.path);
    }
  });

  it('names the service it cannot reach, with UNAVAILABLE (what clients retry)', async () => {
    recorder.forceShutdown();
    const method = methods.find((candidate) => candidate.path.endsWith('/GetVisitSequence'))!;
    const answer = await callThroughGateway(method, [encoded(root, method.method.resolvedRequestType!.fullName, 1)], fromIngress());
    expect(answer.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(answer.error?.details).toMatch(/^MetadataService is unavailable: /);
  });
});
