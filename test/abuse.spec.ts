/**
 * A stranger with a raw gRPC client (the contracts' protos loaded with @grpc/grpc-js, no CLI, no
 * client library) and a valid token sends what no client of ours would: huge values, NUL bytes, absurd numbers, and
 * calls while PostgreSQL is down. Every probe must end with the contract's status, a short message
 * that does not echo the input, and nothing stored or changed. docs/security.md lists the limits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Client } from 'pg';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { bearerTokenInterceptor } from '@visitsarch/grpc-client';
import { cli } from './support/run';
import { peerInterceptor } from './support/credentials';
import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;
type RawClient = grpc.Client & Record<string, (...args: any[]) => any>;

/** Longest error message a probe may get back. */
const MESSAGE_BOUND = 300;
const MB = 1024 * 1024;

/**
 * A client of `service` at `address`; every call carries `credentials`: a token (`authorization:
 * Bearer …`), or, for an internal service, the stack's service credential, as a peer would.
 */
function rawClient(contract: (typeof CONTRACTS)[keyof typeof CONTRACTS], service: string, address: string, credentials: { token?: string; peer?: string } = {}): RawClient {
  const definition = protoLoader.loadSync(contract.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const Service = service.split('.').reduce((scope: any, name) => scope[name], grpc.loadPackageDefinition(definition));
  const interceptors = [...(credentials.token ? [bearerTokenInterceptor(credentials.token)] : []), ...(credentials.peer ? [peerInterceptor(credentials.peer)] : [])];
  return new Service(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * MB, interceptors }) as RawClient;
}

const deadline = () => ({ deadline: Date.now() + 60_000 });

/** A unary call's outcome: the response, or the error. */
function unary(client: RawClient, method: string, request: object): Promise<{ response?: any; error?: grpc.ServiceError }> {
  return new Promise((resolve) => client[method](request, deadline(), (error: grpc.ServiceError | null, response: unknown) => resolve(error ? { error } : { response })));
}

/** A server-streaming call's outcome: the messages, or the error. */
function serverStream(client: RawClient, method: string, request: object): Promise<{ messages: any[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const messages: any[] = [];
    const call = client[method](request, deadline()) as grpc.ClientReadableStream<unknown>;
    call.on('data', (message) => messages.push(message));
    call.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages }));
  });
}

/** A client-streaming call sending `messages`: the response, or the error. */
function clientStream(client: RawClient, method: string, messages: object[]): Promise<{ response?: any; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const call = client[method](deadline(), (error: grpc.ServiceError | null, response: unknown) => resolve(error ? { error } : { response })) as grpc.ClientWritableStream<object>;
    for (const message of messages) call.write(message);
    call.end();
  });
}

/** The probe failed with `code`, a short message naming `field` (when given), not echoing `sent`. */
function expectRefused(outcome: { error?: grpc.ServiceError }, code: grpc.status, field?: string, sent?: string): void {
  expect(outcome.error).toBeDefined();
  const { error } = outcome as { error: grpc.ServiceError };
  expect(grpc.status[error.code]).toBe(grpc.status[code]);
  expect(error.details.length).toBeLessThan(MESSAGE_BOUND);
  if (field) expect(error.details).toContain(field);
  if (sent) expect(error.details).not.toContain(sent.slice(0, 200));
}

describe('abuse through a raw gRPC client', () => {
  let stack: TestStack;
  let gateway: RawClient;
  /** MetadataService at the gateway's address (the gateway forwards it). */
  let viaGateway: RawClient;
  /** StatsService at the gateway's address (forwarded too). */
  let statsViaGateway: RawClient;
  let metadata: RawClient;
  let db: Client;
  let uuid: string;
  let postgresStopped = false;

  /** What a refused probe must leave unchanged: the rows of every table a probe could write, and the sequence's label. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const counts = await db.query(
      `SELECT (SELECT count(*) FROM visitsarch.visitseq_registry) AS sequences, (SELECT count(*) FROM visitsarch.tags) AS tags,
              (SELECT count(*) FROM visitsarch.comments) AS comments, (SELECT count(*) FROM visitsarch.files) AS files,
              (SELECT count(*) FROM visitsarch.idempotent_requests) AS requests,
              (SELECT visitseq_label FROM visitsarch.visitseq WHERE visitseq_uuid = $1) AS label`,
      [uuid],
    );
    return counts.rows[0];
  }

  beforeAll(async () => {
    stack = await startTestStack();
    gateway = rawClient(CONTRACTS.gateway, 'visitsarch.gateway.v1.GatewayService', stack.gateway, { token: stack.token });
    viaGateway = rawClient(CONTRACTS.metadata, 'visitsarch.metadata.v1.MetadataService', stack.gateway, { token: stack.token });
    statsViaGateway = rawClient(CONTRACTS.stats, 'visitsarch.stats.v1.StatsService', stack.gateway, { token: stack.token });
    metadata = rawClient(CONTRACTS.metadata, 'visitsarch.metadata.v1.MetadataService', stack.services.metadata.address, { peer: stack.serviceCredential });
    const added = await cli(['add_simulation', SAMPLE_OPSIM_DB, 'abuse target', '--tag', 'target'], stack.gateway);
    expect(added.stderr).toBe('');
    uuid = added.stdout.trim();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    gateway?.close();
    viaGateway?.close();
    statsViaGateway?.close();
    metadata?.close();
    await db?.end().catch(() => undefined);
    if (!postgresStopped) return stack?.stop();
    // PostgreSQL was stopped behind the launcher's back, which would wait for it forever: stop the services ourselves.
    await Promise.all(
      Object.values(stack.services).map(
        ({ process: child }) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : (child.once('exit', resolve), child.kill('SIGTERM')))),
      ),
    );
    fs.rmSync(stack.home, { recursive: true, force: true });
  });

  it('a 100,000-character visitseq_uuid is refused briefly, at the gateway and at metadata, while a normal call still answers', async () => {
    const huge = 'f'.repeat(100_000);
    const [throughGateway, direct, normal] = await Promise.all([
      unary(viaGateway, 'GetVisitSequence', { visitseqUuid: huge }),
      unary(metadata, 'GetVisitSequence', { visitseqUuid: huge }),
      unary(viaGateway, 'GetVisitSequence', { visitseqUuid: uuid }),
    ]);
    expectRefused(throughGateway, grpc.status.INVALID_ARGUMENT, 'visitseq_uuid', huge);
    expectRefused(direct, grpc.status.INVALID_ARGUMENT, 'visitseq_uuid', huge);
    expect(normal.error).toBeUndefined();
    expect(normal.response.visitSequence.visitseqUuid).toBe(uuid);
    // And the channel from the gateway to metadata still carries calls afterwards.
    expect((await unary(viaGateway, 'ListVisitSequences', { labelContains: 'abuse target' })).response.visitSequences.map((s: any) => s.visitseqUuid)).toEqual([uuid]);
  });

  it('the forwarded StatsService holds its requests to the same limits, client-streamed headers included', async () => {
    const huge = 'f'.repeat(100_000);
    expectRefused(await unary(statsViaGateway, 'ComputeNightlyStats', { visitseqUuid: uuid, columns: [huge] }), grpc.status.INVALID_ARGUMENT, 'columns[0]', huge);
    expectRefused(await unary(statsViaGateway, 'PlotNightlyStats', { visitseqUuids: [uuid], valueName: 'nul\u0000' }), grpc.status.INVALID_ARGUMENT, 'value_name');
    expectRefused(await clientStream(statsViaGateway, 'ImportMafResults', [{ header: { visitseqUuid: huge } }, { data: Buffer.from('x') }]), grpc.status.INVALID_ARGUMENT, 'header.visitseq_uuid', huge);
    // The internal RegistryService is not reachable through the gateway.
    const registry = rawClient(CONTRACTS.metadata, 'visitsarch.metadata.v1.RegistryService', stack.gateway, { token: stack.token });
    try {
      expectRefused(await unary(registry, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }), grpc.status.UNIMPLEMENTED);
    } finally {
      registry.close();
    }
    expect((await unary(viaGateway, 'GetVisitSequence', { visitseqUuid: uuid })).error).toBeUndefined();
  });

  it('labels of 1 MB and 4 MB are refused, stored nowhere', async () => {
    const before = await snapshot();
    for (const size of [1 * MB, 4 * MB]) {
      const label = 'L'.repeat(size);
      // Through the gateway, a request this large is refused before it is decoded (its size alone).
      const updated = await unary(viaGateway, 'UpdateVisitSequence', { visitSequence: { visitseqUuid: uuid, visitseqLabel: label }, updateMask: { paths: ['visitseq_label'] } });
      expectRefused(updated, grpc.status.INVALID_ARGUMENT, 'MetadataService.UpdateVisitSequence accepts at most', label);
      const mixed = await unary(gateway, 'AddMixed', { label, telescope: 'simonyi', earlyParentUuid: uuid, lateParentUuid: uuid, lastEarlyDayObs: '2025-01-01', firstLateDayObs: '2025-01-02' });
      expectRefused(mixed, grpc.status.INVALID_ARGUMENT, 'label', label);
      // Metadata refuses it too when reached directly (defence in depth).
      const direct = await unary(metadata, 'UpdateVisitSequence', { visitSequence: { visitseqUuid: uuid, visitseqLabel: label }, updateMask: { paths: ['visitseq_label'] } });
      expectRefused(direct, grpc.status.INVALID_ARGUMENT, 'visitseq_label', label);
    }
    // A label over its limit but not huge reaches metadata, which names the field.
    const long = 'L'.repeat(5000);
    expectRefused(
      await unary(viaGateway, 'UpdateVisitSequence', { visitSequence: { visitseqUuid: uuid, visitseqLabel: long }, updateMask: { paths: ['visitseq_label'] } }),
      grpc.status.INVALID_ARGUMENT,
      'visitseq_label',
      long,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('10,000 tags in one call, and a 1 MB tag, are refused, none stored', async () => {
    const before = await snapshot();
    const many = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    expectRefused(await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: many }), grpc.status.INVALID_ARGUMENT, 'tags');
    expectRefused(await unary(metadata, 'AddTags', { visitseqUuid: uuid, tags: many }), grpc.status.INVALID_ARGUMENT, 'tags');
    const long = 'T'.repeat(MB);
    expectRefused(await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: [long] }), grpc.status.INVALID_ARGUMENT, 'accepts at most', long);
    expectRefused(await unary(viaGateway, 'CheckTag', { visitseqUuid: uuid, tag: long }), grpc.status.INVALID_ARGUMENT, 'accepts at most', long);
    expectRefused(await unary(metadata, 'AddTags', { visitseqUuid: uuid, tags: [long] }), grpc.status.INVALID_ARGUMENT, 'tags[0]', long);
    expectRefused(await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['T'.repeat(5000)] }), grpc.status.INVALID_ARGUMENT, 'tags[0]');
    expect(await snapshot()).toEqual(before);
    // A tag within the limits is stored as before.
    expect((await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['t'.repeat(100)] })).error).toBeUndefined();
    expect(await snapshot()).toEqual({ ...before, tags: String(Number(before.tags) + 1) });
  });

  it('NUL bytes in a label, a tag, a comment or a query are INVALID_ARGUMENT, nothing stored', async () => {
    const before = await snapshot();
    expectRefused(
      await unary(viaGateway, 'UpdateVisitSequence', { visitSequence: { visitseqUuid: uuid, visitseqLabel: 'a\u0000b' }, updateMask: { paths: ['visitseq_label'] } }),
      grpc.status.INVALID_ARGUMENT,
      'NUL',
    );
    expectRefused(await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['nul\u0000tag'] }), grpc.status.INVALID_ARGUMENT, 'tags[0]');
    expectRefused(await unary(viaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'hello\u0000world', requestId: 'nul-comment' }), grpc.status.INVALID_ARGUMENT, 'comment');
    expectRefused(await unary(viaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'ok', author: 'me\u0000' }), grpc.status.INVALID_ARGUMENT, 'author');
    expectRefused(await serverStream(viaGateway, 'Query', { sql: 'SELECT 1\u0000; SELECT 2' }), grpc.status.INVALID_ARGUMENT, 'sql');
    expectRefused(await serverStream(metadata, 'Query', { sql: 'SELECT 1\u0000' }), grpc.status.INVALID_ARGUMENT, 'sql');
    expect(await snapshot()).toEqual(before);
    // Query itself still works.
    const answered = await serverStream(viaGateway, 'Query', { sql: 'SELECT 1 AS one' });
    expect(answered.error).toBeUndefined();
    expect(answered.messages.at(-1).totalRows).toBe(1);
  });

  it('SQL over 100,000 characters and a comment over 10,000 are refused', async () => {
    const before = await snapshot();
    const sql = `SELECT 1 -- ${'s'.repeat(100_000)}`;
    expectRefused(await serverStream(viaGateway, 'Query', { sql }), grpc.status.INVALID_ARGUMENT, 'sql', sql);
    const comment = 'c'.repeat(10_001);
    expectRefused(await unary(viaGateway, 'AddComment', { visitseqUuid: uuid, comment }), grpc.status.INVALID_ARGUMENT, 'comment', comment);
    expect(await snapshot()).toEqual(before);
  });

  it('a 300-character file name (and one with a "/") is refused before any upload', async () => {
    const before = await snapshot();
    const fileName = 'n'.repeat(300);
    const header = { visitseqUuid: uuid, fileType: 'rewards', archiveUrl: stack.archiveUrl, requestId: 'long-name' };
    expectRefused(await clientStream(gateway, 'AddFile', [{ header: { ...header, fileName } }, { data: Buffer.from('x') }]), grpc.status.INVALID_ARGUMENT, 'file_name', fileName);
    expectRefused(await clientStream(gateway, 'AddFile', [{ header: { ...header, fileType: 'f'.repeat(65) } }]), grpc.status.INVALID_ARGUMENT, 'file_type');
    expectRefused(await clientStream(gateway, 'AddFile', [{ header: { ...header, fileName: '../escape' } }]), grpc.status.INVALID_ARGUMENT, 'file_name');
    expect(await snapshot()).toEqual(before);
    const archived = fs.readdirSync(new URL(stack.archiveUrl).pathname, { recursive: true }).map(String);
    expect(archived.filter((name) => path.basename(name).startsWith('nnnn') || name.includes('escape'))).toEqual([]);
  });

  it('an MJD of 1e300 or NaN is INVALID_ARGUMENT', async () => {
    const before = await snapshot();
    for (const surveyStartMjd of [1e300, Number.NaN, Number.POSITIVE_INFINITY, -5]) {
      const outcome = await serverStream(gateway, 'QueryConsdb', { query: 'SELECT 1', label: 'mjd probe', telescope: 'simonyi', firstDayobs: '2025-01-01', lastDayobs: '2025-01-02', surveyStartMjd });
      expectRefused(outcome, grpc.status.INVALID_ARGUMENT, 'survey_start_mjd');
      expect(outcome.messages).toEqual([]);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('with PostgreSQL stopped, calls through the gateway are UNAVAILABLE (the code clients retry), never INTERNAL', async () => {
    const pidFile = path.join(stack.home, 'postgres', 'postmaster.pid');
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    await db.end();
    postgresStopped = true;
    process.kill(pid, 'SIGINT'); // fast shutdown: sessions are terminated, new connections refused
    // PostgreSQL removes its pid file last when it has stopped.
    for (let tries = 0; fs.existsSync(pidFile) && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fs.existsSync(pidFile)).toBe(false);

    const outcomes = [
      await unary(viaGateway, 'GetVisitSequence', { visitseqUuid: uuid }),
      await unary(viaGateway, 'ListVisitSequences', {}),
      await unary(viaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['while-down'] }),
      await unary(viaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'while down' }),
      await serverStream(viaGateway, 'Query', { sql: 'SELECT 1' }),
      await unary(metadata, 'GetVisitSequence', { visitseqUuid: uuid }),
    ];
    for (const outcome of outcomes) expectRefused(outcome, grpc.status.UNAVAILABLE);
    // metadata says why (what the gateway passes on, unless its own health check already knows metadata is not serving).
    expect(outcomes.at(-1)!.error!.details).toMatch(/PostgreSQL\) cannot be reached/);
  });
});
