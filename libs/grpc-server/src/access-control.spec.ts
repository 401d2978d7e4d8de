import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AUTHORIZATION, CALLER_BINDING_HEADER, callerOf, first, IDENTITY_HEADER, PEER_HEADER, SCOPES_HEADER, sha256, type Caller } from '@visitsarch/auth';
import { ConfigError } from '@visitsarch/config';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT, type metadataV1 } from '@visitsarch/contracts';
import { checkHealth, ServiceClient, setPeerCredential } from '@visitsarch/grpc-client';
import { captureLogs } from '@visitsarch/logging';
import { startGrpcService, type RunningGrpcService } from './bootstrap';
import { defineService, startService } from './run-service';
import { decodeStatusDetails } from './errors';
import { NO_CREDENTIALS_MESSAGE } from './access-control';

jest.setTimeout(30_000);

const CREDENTIAL = 'access-control-spec-credential';
const OPEN_PATH = '/visitsarch.metadata.v1.MetadataService/ListVisitSequences';

/** What a handler saw of a call's metadata, as JSON. */
function seen(metadata: grpc.Metadata): string {
  return JSON.stringify({
    caller: callerOf(metadata) ?? null,
    authorization: first(metadata, AUTHORIZATION) ?? null,
    peer: metadata.get(PEER_HEADER).length > 0,
    binding: first(metadata, CALLER_BINDING_HEADER) ?? null,
  });
}

/** An internal service (peer policy): answers with what it saw. */
@Controller()
class BackController {
  @GrpcMethod('MetadataService', 'GetVisitSequence')
  getVisitSequence(_request: unknown, metadata: grpc.Metadata): metadataV1.GetVisitSequenceResponse {
    return { visitSequence: { visitseqLabel: seen(metadata) } as metadataV1.VisitSequence };
  }

  @GrpcMethod('MetadataService', 'UpdateVisitSequence')
  updateVisitSequence(_request: unknown, metadata: grpc.Metadata): metadataV1.UpdateVisitSequenceResponse {
    return { visitSequence: { visitseqLabel: seen(metadata) } as metadataV1.VisitSequence };
  }

  @GrpcMethod('MetadataService', 'ListVisitSequences')
  listVisitSequences(_request: unknown, metadata: grpc.Metadata): metadataV1.ListVisitSequencesResponse {
    return { visitSequences: [{ visitseqLabel: seen(metadata) } as metadataV1.VisitSequence], nextPageToken: '' };
  }
}

@Module({ controllers: [BackController] })
class BackModule {}

let backAddress = '';

/** A public service (the gateway's policy): what its handler saw, and what the service it calls saw. */
@Controller()
class FrontController {
  @GrpcMethod('GatewayService', 'GetDefaultConsdbQuery')
  async getDefaultConsdbQuery(_request: unknown, metadata: grpc.Metadata, call: grpc.ServerUnaryCall<unknown, unknown>) {
    const back = new ServiceClient<metadataV1.MetadataServiceClient>(CONTRACTS.metadataService, backAddress);
    try {
      const response = await back.unary('getVisitSequence', { visitseqUuid: '' }, { parent: call });
      return { query: JSON.stringify({ front: JSON.parse(seen(metadata)), back: JSON.parse(response.visitSequence!.visitseqLabel) }) };
    } finally {
      back.close();
    }
  }
}

@Module({ controllers: [FrontController] })
class FrontModule {}

const TOKENS: Record<string, Caller> = {
  'vsa-reader': { identity: 'reader', scopes: ['read'] },
  'vsa-writer': { identity: 'writer', scopes: ['write'] },
};

/** A slow, asynchronous authentication, as the gateway's (a call to metadata) is. */
async function authenticate(metadata: grpc.Metadata): Promise<Caller | undefined> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const token = first(metadata, AUTHORIZATION)?.replace(/^Bearer /, '');
  if (!token) return undefined;
  if (token === 'vsa-down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const caller = TOKENS[token];
  if (!caller) throw Object.assign(new Error('unknown token'), { code: grpc.status.UNAUTHENTICATED, details: 'the token is not known' });
  return caller;
}

type RawClient = grpc.Client & Record<string, Function>;

function rawClient(service: string, address: string): RawClient {
  const definition = protoLoader.loadSync([...CONTRACTS.metadata.protoFiles, ...CONTRACTS.gateway.protoFiles], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const Client = grpc.makeClientConstructor(definition[service] as grpc.ServiceDefinition, service);
  return new Client(address, grpc.credentials.createInsecure()) as RawClient;
}

function call(client: RawClient, method: string, headers: Record<string, string> = {}, request: object = {}): Promise<{ value?: any; error?: grpc.ServiceError }> {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new Promise((resolve) => client[method](request, metadata, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null, value: unknown) => resolve(error ? { error } : { value })));
}

const reasonOf = (error?: grpc.ServiceError) => decodeStatusDetails(error?.metadata)?.details.length;

describe('access control', () => {
  let back: RunningGrpcService;
  let front: RunningGrpcService;
  let backMetadata: RawClient;
  let frontGateway: RawClient;
  let frontMetadata: RawClient;
  let frontAddress: string;
  let lines: string[];

  /** The log lines written so far (they arrive asynchronously). */
  async function logged(): Promise<Record<string, unknown>[]> {
    await new Promise((resolve) => setImmediate(resolve));
    return lines.map((line) => JSON.parse(line));
  }

  beforeAll(async () => {
    // As startService does: this process's calls to its peers present the credential.
    setPeerCredential(CREDENTIAL);
    const capture = captureLogs('test', 'info');
    lines = capture.lines;
    const logger = capture.logger;
    back = await startGrpcService({
      contract: CONTRACTS.metadata,
      module: BackModule,
      address: '127.0.0.1:0',
      logger,
      access: { policy: 'peer', credential: CREDENTIAL, admitWithoutCredential: [OPEN_PATH] },
    });
    backAddress = `127.0.0.1:${back.port}`;
    front = await startGrpcService({
      contract: CONTRACTS.gateway,
      module: FrontModule,
      address: '127.0.0.1:0',
      logger,
      forward: [{ contract: CONTRACTS.metadataService, service: 'visitsarch.metadata.v1.MetadataService', address: backAddress }],
      access: { policy: 'public', authenticate },
    });
    frontAddress = `127.0.0.1:${front.port}`;
    backMetadata = rawClient('visitsarch.metadata.v1.MetadataService', backAddress);
    frontGateway = rawClient('visitsarch.gateway.v1.GatewayService', frontAddress);
    frontMetadata = rawClient('visitsarch.metadata.v1.MetadataService', frontAddress);
  });
  afterAll(async () => {
    for (const client of [backMetadata, frontGateway, frontMetadata]) client?.close();
    await front?.shutdown();
    await back?.shutdown();
    setPeerCredential(undefined);
  });

  describe('peer policy (internal services)', () => {
    it('refuses a call without the service credential, or with another, as UNAUTHENTICATED', async () => {
      for (const headers of [{}, { [PEER_HEADER]: 'not-the-credential' }, { [PEER_HEADER]: `${CREDENTIAL}x` }, { [AUTHORIZATION]: 'Bearer vsa-writer' }] as Record<string, string>[]) {
        const { error } = await call(backMetadata, 'GetVisitSequence', headers);
        expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
        expect(error?.details).toBe("MetadataService accepts only calls from the archive's own services (service credential); clients call the gateway");
        expect(reasonOf(error)).toBe(1);
      }
    });

    it('admits a call with the credential, trusting its identity headers', async () => {
      const { value } = await call(backMetadata, 'GetVisitSequence', { [PEER_HEADER]: CREDENTIAL, [IDENTITY_HEADER]: 'alice', [SCOPES_HEADER]: 'write' });
      expect(JSON.parse(value.visitSequence.visitseqLabel)).toMatchObject({ caller: { identity: 'alice', scopes: ['write'] }, peer: true });
    });

    it('admits the methods it must without the credential, but drops what the caller says of itself', async () => {
      const { value } = await call(backMetadata, 'ListVisitSequences', { [IDENTITY_HEADER]: 'mallory', [SCOPES_HEADER]: 'admin', [PEER_HEADER]: 'guess', [AUTHORIZATION]: 'Bearer vsa-x' });
      expect(JSON.parse(value.visitSequences[0].visitseqLabel)).toEqual({ caller: null, authorization: 'Bearer vsa-x', peer: false, binding: null });
    });

    it('leaves health open', async () => {
      expect(await checkHealth(backAddress)).toMatch(/SERVING/);
    });
  });

  describe('public policy (the gateway)', () => {
    it('refuses a call without credentials as UNAUTHENTICATED, saying how to get a token', async () => {
      const { error } = await call(frontGateway, 'GetDefaultConsdbQuery');
      expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(error?.details).toBe(NO_CREDENTIALS_MESSAGE);
    });

    it('logs each refusal as "rpc refused": the gRPC Service.Method, the status name, the reason and the peer, before any span (no trace_id)', async () => {
      lines.length = 0;
      await call(frontGateway, 'GetDefaultConsdbQuery', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      await call(frontMetadata, 'UpdateVisitSequence', { [AUTHORIZATION]: 'Bearer vsa-reader' });
      const refused = (await logged()).filter((record) => record.msg === 'rpc refused');
      expect(refused).toEqual([
        expect.objectContaining({ level: 'info', rpc: 'GatewayService.GetDefaultConsdbQuery', code: 'UNAUTHENTICATED', reason: 'NO_CREDENTIALS', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }),
        expect.objectContaining({ rpc: 'MetadataService.UpdateVisitSequence', code: 'PERMISSION_DENIED', reason: 'SCOPE_REQUIRED', identity: 'reader', needed: 'write' }),
      ]);
      for (const record of refused) expect(Object.keys(record)).not.toContain('trace_id');
    });

    it('does not take identity headers from a client', async () => {
      const { error } = await call(frontGateway, 'GetDefaultConsdbQuery', { [IDENTITY_HEADER]: 'admin', [SCOPES_HEADER]: 'admin', [PEER_HEADER]: 'guess' });
      expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    });

    it("passes on the authenticator's UNAUTHENTICATED, and UNAVAILABLE when the tokens cannot be checked", async () => {
      const bad = await call(frontGateway, 'GetDefaultConsdbQuery', { [AUTHORIZATION]: 'Bearer vsa-unknown' });
      expect(bad.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(bad.error?.details).toBe('the token is not known');
      const down = await call(frontGateway, 'GetDefaultConsdbQuery', { [AUTHORIZATION]: 'Bearer vsa-down' });
      expect(down.error?.code).toBe(grpc.status.UNAVAILABLE);
    });

    it('refuses a method the scopes do not grant as PERMISSION_DENIED, naming the scope and the identity', async () => {
      const { error } = await call(frontMetadata, 'UpdateVisitSequence', { [AUTHORIZATION]: 'Bearer vsa-reader' });
      expect(error?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(error?.details).toBe('MetadataService.UpdateVisitSequence needs the write scope; reader has read');
    });

    it("gives its handlers the caller it found in place of the client's headers, and passes it on with the credential", async () => {
      const forged = { [AUTHORIZATION]: 'Bearer vsa-reader', [IDENTITY_HEADER]: 'admin', [SCOPES_HEADER]: 'admin', [PEER_HEADER]: 'guess', [CALLER_BINDING_HEADER]: 'someone' };
      const { value } = await call(frontGateway, 'GetDefaultConsdbQuery', forged);
      const { front: atFront, back: atBack } = JSON.parse(value.query);
      const binding = sha256('vsa-reader').toString('hex');
      expect(atFront).toEqual({ caller: { identity: 'reader', scopes: ['read'] }, authorization: null, peer: false, binding });
      expect(atBack).toEqual({ caller: { identity: 'reader', scopes: ['read'] }, authorization: null, peer: true, binding: null });
    });

    it('forwards with the caller it found and the credential, never the token', async () => {
      const forged = { [AUTHORIZATION]: 'Bearer vsa-writer', [IDENTITY_HEADER]: 'admin', [SCOPES_HEADER]: 'admin', [PEER_HEADER]: 'guess' };
      const { value, error } = await call(frontMetadata, 'UpdateVisitSequence', forged);
      expect(error).toBeUndefined();
      expect(JSON.parse(value.visitSequence.visitseqLabel)).toEqual({ caller: { identity: 'writer', scopes: ['write'] }, authorization: null, peer: true, binding: null });
    });

    it('leaves health open', async () => {
      expect(await checkHealth(frontAddress)).toMatch(/SERVING/);
    });
  });
});

describe('the service credential at start-up', () => {
  const spec = defineService({ name: 'probe', contract: CONTRACTS.consdbIngest, defaultAddress: '127.0.0.1:50054', schema: {}, build: () => ({ module: BackModule, dependencies: [] }) });
  const env = { LOG_LEVEL: 'fatal', GRPC_ADDRESS: '127.0.0.1:0', METRICS_ADDRESS: 'none' };

  it('is required: a ConfigError names SERVICE_CREDENTIAL_FILE', async () => {
    const failure = startService(spec, env);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^SERVICE_CREDENTIAL_FILE: is required/);
  });

  it('makes a public service without an authenticator fail to start', async () => {
    await expect(startService({ ...spec, access: 'public' }, { ...env, SERVICE_CREDENTIAL: CREDENTIAL })).rejects.toThrow(/must return authenticate/);
  });
});
