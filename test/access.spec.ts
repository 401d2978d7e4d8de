/**
 * Access control, as a stranger and as under-privileged callers probe it (issue #17, decision 0020,
 * docs/security.md): calls without credentials, with bad, revoked or expired tokens, or with too few
 * scopes are refused on the gateway, on Arrow Flight and on each internal service, each with its
 * status, and nothing is lost or changed (rows counted, archive files hashed, before and after).
 *
 * Every probe is sent by a raw @grpc/grpc-js client (the contracts' protos loaded at run time, no CLI,
 * no client library), so that each call carries exactly the headers the probe names, and nothing else.
 *
 * One stack for the whole file (starting one is slow). Its gateway remembers verified tokens for 1 s
 * (AUTH_CACHE_TTL_MS) instead of 10 s, so the revocation probe need not wait long; its Flight tickets
 * live 10 s (FLIGHT_TICKET_TTL_S, the least allowed), so a real gateway ticket can be seen to expire;
 * its metadata service allows upstream imports from one host only (UPSTREAM_ALLOWED_ENDPOINTS).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { tableFromIPC, type Table } from 'apache-arrow';
import { Client } from 'pg';
import {
  CALLER_BINDING_HEADER,
  IDENTITY_HEADER,
  INGRESS_USER_HEADER,
  PEER_HEADER,
  SCOPES_HEADER,
  sha256,
  signVisitTableTicket,
  ticketKey,
} from '@visitsarch/auth';
import { blobArchiveV1, CONTRACTS, googleRpc, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { encapsulate, type FlightData } from '@visitsarch/flight';
import { checkHealth } from '@visitsarch/grpc-client';
import { canonicalSha256 } from '@visitsarch/visit-tables';
import { cli } from './support/run';
import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;
type RawClient = grpc.Client & Record<string, (...args: any[]) => any>;

const MB = 1024 * 1024;
/** The gateway's token cache in this stack (AUTH_CACHE_TTL_MS): a revoked token is refused within it. */
const AUTH_CACHE_TTL_MS = 1000;
/** The Flight tickets' lifetime in this stack (FLIGHT_TICKET_TTL_S; 10 is the least the gateway accepts). */
const FLIGHT_TICKET_TTL_S = 10;
/** The one upstream host ImportUpstream may connect to here (any port). */
const ALLOWED_UPSTREAM = 'upstream.example.org';
/** Longest error message the services send (MAX_ERROR_MESSAGE_CHARS in libs/grpc-server). */
const MAX_ERROR_MESSAGE_CHARS = 1024;
/** Who the forged identity headers claim to be. */
const DIRECTOR = 'The Director';
/** A well-formed bearer token (vsa_<16 hex>_<43 base64url>) that the archive never issued. */
const UNKNOWN_TOKEN = `vsa_0123456789abcdef_${'A'.repeat(43)}`;

/** Who a probe calls as: the headers it sends, and only those. */
interface As {
  /** `authorization: Bearer <token>`. */
  token?: string;
  /** `x-visitsarch-peer`, the service credential (or a wrong one). */
  peer?: string;
  /** Any further headers, verbatim. */
  headers?: Record<string, string>;
}

/** What a call ended with: the response (unary, client stream) or the messages (server stream, duplex), or the error. */
interface Outcome {
  response?: any;
  messages?: any[];
  error?: grpc.ServiceError;
}

function metadataOf(as: As): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (as.token !== undefined) metadata.set('authorization', `Bearer ${as.token}`);
  if (as.peer !== undefined) metadata.set(PEER_HEADER, as.peer);
  for (const [key, value] of Object.entries(as.headers ?? {})) metadata.set(key, value);
  return metadata;
}

const definitions = new Map<string, grpc.GrpcObject>();
/** A client of `service` (fully qualified) from the proto files of `contract`, at `address`, with no credentials of its own. */
function rawClient(protoFiles: string[], service: string, address: string): RawClient {
  const key = protoFiles.join(',');
  if (!definitions.has(key)) definitions.set(key, grpc.loadPackageDefinition(protoLoader.loadSync(protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] })));
  const Service = service.split('.').reduce((scope: any, name) => scope[name], definitions.get(key)!);
  return new Service(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * MB }) as RawClient;
}

const FLIGHT_PROTO = path.join(PROTO_ROOT, 'arrow', 'flight', 'protocol', 'flight.proto');
const callOptions = () => ({ deadline: Date.now() + 60_000 });

function unary(client: RawClient, method: string, request: object, as: As): Promise<Outcome> {
  return new Promise((resolve) =>
    client[method](request, metadataOf(as), callOptions(), (error: grpc.ServiceError | null, response: unknown) => resolve(error ? { error } : { response })),
  );
}

function serverStream(client: RawClient, method: string, request: object, as: As): Promise<Outcome> {
  return new Promise((resolve) => {
    const messages: any[] = [];
    const call = client[method](request, metadataOf(as), callOptions()) as grpc.ClientReadableStream<unknown>;
    call.on('data', (message) => messages.push(message));
    call.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages }));
  });
}

function clientStream(client: RawClient, method: string, messages: object[], as: As): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client[method](metadataOf(as), callOptions(), (error: grpc.ServiceError | null, response: unknown) =>
      resolve(error ? { error } : { response }),
    ) as grpc.ClientWritableStream<object>;
    call.on('error', () => undefined); // the callback reports it
    for (const message of messages) call.write(message);
    call.end();
  });
}

function duplex(client: RawClient, method: string, messages: object[], as: As): Promise<Outcome> {
  return new Promise((resolve) => {
    const received: any[] = [];
    const call = client[method](metadataOf(as), callOptions()) as grpc.ClientDuplexStream<object, unknown>;
    call.on('data', (message) => received.push(message));
    call.on('error', (error: grpc.ServiceError) => resolve({ messages: received, error }));
    call.on('end', () => resolve({ messages: received }));
    for (const message of messages) call.write(message);
    call.end();
  });
}

/** The google.rpc.ErrorInfo reason of a refusal (grpc-status-details-bin), if it carries one. */
function reasonOf(error: grpc.ServiceError): string | undefined {
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  const info = googleRpc.Status.decode(raw).details.find((any) => any.typeUrl.endsWith('google.rpc.ErrorInfo'));
  return info ? googleRpc.ErrorInfo.decode(info.value).reason : undefined;
}

/**
 * The call was refused with `code` (and, when given, the ErrorInfo `reason`), in a bounded message
 * that quotes none of `secrets` (tokens, passwords, credentials a probe presented).
 */
function expectRefused(outcome: Outcome, code: grpc.status, reason?: string, secrets: string[] = []): void {
  expect(outcome.error).toBeDefined();
  const error = outcome.error!;
  expect({ code: grpc.status[error.code], details: error.details }).toMatchObject({ code: grpc.status[code] });
  if (reason) expect(reasonOf(error)).toBe(reason);
  expect(error.details.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
  for (const secret of secrets.filter(Boolean)) expect(error.details).not.toContain(secret);
}

function expectOk(outcome: Outcome): void {
  expect(outcome.error && { code: grpc.status[outcome.error.code], details: outcome.error.details }).toBeUndefined();
}

/** A visit table from the Arrow IPC stream in `chunks` (ArrowIpcChunk messages' ipc_bytes, or encapsulated FlightData). */
function tableOf(bytes: Uint8Array[]): Table {
  return tableFromIPC(Buffer.concat(bytes));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('access control: no credentials, bad tokens, too few scopes, bypassing the gateway', () => {
  let stack: TestStack;
  let db: Client;
  let archiveDir: string;
  let adminToken: string;
  let credential: string;
  /** Clients of the gateway's address: its own service, and the three it forwards (MetadataService, StatsService, TokenService). */
  let gateway: RawClient;
  let metadataViaGateway: RawClient;
  let statsViaGateway: RawClient;
  let tokensViaGateway: RawClient;
  /** The sequence the probes aim at, and one whose stored visits the last test damages. */
  let uuid: string;
  let corruptUuid: string;
  let sequence: any;
  /** Its visits file: URL and recorded SHA-256. */
  let visitsUrl: string;
  let visitsSha256: Buffer;
  /** Tokens the admin makes in beforeAll: read-only (two owners), write. */
  let readToken: string;
  let otherReadToken: string;
  let writeToken: string;
  const clients: grpc.Client[] = [];
  const track = (client: RawClient) => (clients.push(client), client);

  /** Every file under the archive directory, with its SHA-256: what a refused probe must leave as it was. */
  function archiveFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    for (const name of fs.readdirSync(archiveDir, { recursive: true }).map(String).sort()) {
      const full = path.join(archiveDir, name);
      if (fs.statSync(full).isFile()) files[name] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
    return files;
  }

  /**
   * What a refused probe must leave unchanged: the rows of every table a probe could write (sequences,
   * tags, comments, files, tokens and their revocations, the audit log, statistics), the labels and
   * tags themselves, and every file of the archive with its hash.
   */
  async function snapshot(): Promise<Record<string, unknown>> {
    const { rows } = await db.query(`
      SELECT (SELECT count(*) FROM visitsarch.visitseq)::int AS visitseq,
             (SELECT count(*) FROM visitsarch.visitseq_registry)::int AS registry,
             (SELECT count(*) FROM visitsarch.tags)::int AS tags,
             (SELECT count(*) FROM visitsarch.comments)::int AS comments,
             (SELECT count(*) FROM visitsarch.files)::int AS files,
             (SELECT count(*) FROM visitsarch.api_token)::int AS tokens,
             (SELECT count(*) FROM visitsarch.api_token WHERE revoke_time IS NOT NULL)::int AS revoked_tokens,
             (SELECT count(*) FROM visitsarch.audit_log)::int AS audit_log,
             (SELECT count(*) FROM visitsarch.nightly_stats)::int AS nightly_stats,
             (SELECT string_agg(visitseq_uuid || '=' || visitseq_label, '|' ORDER BY visitseq_uuid) FROM visitsarch.visitseq) AS labels,
             (SELECT string_agg(visitseq_uuid || ':' || tag, '|' ORDER BY visitseq_uuid, tag) FROM visitsarch.tags) AS tag_list,
             (SELECT string_agg(visitseq_uuid || ':' || file_type || '=' || coalesce(file_url, ''), '|' ORDER BY visitseq_uuid, file_type) FROM visitsarch.files) AS file_list`);
    return { ...rows[0], archive: archiveFiles() };
  }

  const relabel = (label: string) => ({ visitSequence: { visitseqUuid: uuid, visitseqLabel: label }, updateMask: { paths: ['visitseq_label'] } });

  beforeAll(async () => {
    stack = await startTestStack({
      serviceEnv: {
        gateway: { AUTH_CACHE_TTL_MS: String(AUTH_CACHE_TTL_MS), FLIGHT_TICKET_TTL_S: String(FLIGHT_TICKET_TTL_S) },
        metadata: { UPSTREAM_ALLOWED_ENDPOINTS: ALLOWED_UPSTREAM },
      },
    });
    adminToken = stack.token!;
    credential = stack.serviceCredential!;
    expect(adminToken).toMatch(/^vsa_/);
    expect(credential.length).toBeGreaterThanOrEqual(16);
    archiveDir = new URL(stack.archiveUrl).pathname;
    gateway = track(rawClient(CONTRACTS.gateway.protoFiles, 'visitsarch.gateway.v1.GatewayService', stack.gateway));
    metadataViaGateway = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.MetadataService', stack.gateway));
    statsViaGateway = track(rawClient(CONTRACTS.stats.protoFiles, 'visitsarch.stats.v1.StatsService', stack.gateway));
    tokensViaGateway = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.TokenService', stack.gateway));

    // The targets, added as their owner would (the CLI, with the stack's admin token), then tagged and commented on.
    const [added, addedCorrupt] = await Promise.all([
      cli(['add_simulation', SAMPLE_OPSIM_DB, 'access target', '--tag', 'nominal'], stack.gateway),
      cli(['add_simulation', SAMPLE_OPSIM_DB, 'access corruption target'], stack.gateway),
    ]);
    expect(added.stderr).toBe('');
    expect(addedCorrupt.stderr).toBe('');
    uuid = added.stdout.trim();
    corruptUuid = addedCorrupt.stdout.trim();
    const admin = { token: adminToken };
    expectOk(await unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['reviewed'] }, admin));
    expectOk(await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'looks right' }, admin));
    sequence = (await unary(metadataViaGateway, 'GetVisitSequence', { visitseqUuid: uuid }, admin)).response.visitSequence;
    const file = (await unary(metadataViaGateway, 'GetFile', { visitseqUuid: uuid, fileType: 'visits' }, admin)).response.file;
    visitsUrl = file.fileUrl;
    visitsSha256 = Buffer.from(file.fileSha256);
    expect(visitsUrl).toMatch(/^file:\/\//);

    // The under-privileged callers, issued by the admin through TokenService.
    const create = async (name: string, owner: string, scopes: string[]) => {
      const created = await unary(tokensViaGateway, 'CreateToken', { name, owner, scopes }, admin);
      expectOk(created);
      return created.response.secretToken as string;
    };
    readToken = await create('access-reader', 'alice', ['read']);
    otherReadToken = await create('access-other-reader', 'carol', ['read']);
    writeToken = await create('access-writer', 'bob', ['write']);

    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await db?.end().catch(() => undefined);
    await stack?.stop();
  });

  it('health checks stay open on every service, without any credentials (Kubernetes probes)', async () => {
    // checkHealth sends no header at all; a refusal would read UNREACHABLE.
    for (const [name, service] of Object.entries(stack.services)) {
      expect({ name, status: await checkHealth(service.address, '', 10_000) }).toEqual({ name, status: 'SERVING' });
    }
  });

  it('the gateway refuses every call without credentials (UNAUTHENTICATED), whatever else it claims, changing nothing', async () => {
    const before = await snapshot();
    // No headers at all; then headers a client might hope the archive believes: the identity headers the
    // gateway sets for its callers, the ingress's user header (not believed in the default tokens mode),
    // the real service credential (which opens the internal services, not the public gateway), and the
    // admin token under another scheme than Bearer.
    const strangers: As[] = [
      {},
      { headers: { [IDENTITY_HEADER]: DIRECTOR, [SCOPES_HEADER]: 'admin' } },
      { headers: { [INGRESS_USER_HEADER]: 'director' } },
      { peer: credential },
      { headers: { authorization: `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}` } },
    ];
    for (const as of strangers) {
      const probes: Array<[string, Promise<Outcome>]> = [
        ['relabel', unary(metadataViaGateway, 'UpdateVisitSequence', relabel('relabelled by a stranger'), as)],
        ['force delete', unary(gateway, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, as)],
        ['tag prenight', unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, as)],
        ['comment', unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'a stranger was here' }, as)],
        ['list', unary(metadataViaGateway, 'ListVisitSequences', {}, as)],
        ['get', unary(metadataViaGateway, 'GetVisitSequence', { visitseqUuid: uuid }, as)],
        ['query_night', serverStream(metadataViaGateway, 'QueryNight', { firstDayObs: sequence.firstDayObs, telescope: sequence.telescope }, as)],
        ['Query', serverStream(metadataViaGateway, 'Query', { sql: 'SELECT 1' }, as)],
        ['download', serverStream(gateway, 'DownloadVisits', { visitseqUuid: uuid }, as)],
        ['Flight endpoint', unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid: uuid }, as)],
        ['add a file', clientStream(gateway, 'AddFile', [{ header: { visitseqUuid: uuid, fileType: 'rewards', fileName: 'rewards.h5' } }, { data: Buffer.from('x') }], as)],
        ['statistics', unary(statsViaGateway, 'ComputeNightlyStats', { visitseqUuid: uuid, store: true }, as)],
        ['create a token', unary(tokensViaGateway, 'CreateToken', { name: 'mine', owner: DIRECTOR, scopes: ['admin'] }, as)],
        ['list tokens', unary(tokensViaGateway, 'ListTokens', {}, as)],
      ];
      for (const [probe, outcome] of probes) {
        const result = await outcome;
        expect({ probe, as: Object.keys(as.headers ?? {}).concat(as.peer ? ['peer'] : []), code: result.error && grpc.status[result.error.code] }).toMatchObject({ code: 'UNAUTHENTICATED' });
        expectRefused(result, grpc.status.UNAUTHENTICATED, 'NO_CREDENTIALS', [adminToken, credential]);
        expect(result.messages ?? []).toEqual([]);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('garbage, unknown and half-right bearer tokens are UNAUTHENTICATED, never echoed', async () => {
    const before = await snapshot();
    const adminId = adminToken.split('_')[1];
    // Refused by the gateway's own parsing (not the token's form), or by the metadata service's VerifyToken
    // (unknown id; a known id with the wrong secret: the secret's SHA-256 does not match). Every one, for a
    // read, a tag and a delete alike, and no message quotes a secret.
    const bad: Array<[string, string, string]> = [
      // [what, token, reason]
      ['garbage', 'garbage', 'INVALID_TOKEN'],
      ['an admin token cut short', adminToken.slice(0, -1), 'INVALID_TOKEN'],
      ['a well-formed token never issued', UNKNOWN_TOKEN, ''],
      ["the admin token's id with another secret", `vsa_${adminId}_${'B'.repeat(43)}`, ''],
    ];
    for (const [what, token, reason] of bad) {
      for (const outcome of [
        await unary(metadataViaGateway, 'ListVisitSequences', {}, { token }),
        await unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, { token }),
        await unary(gateway, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, { token }),
      ]) {
        expect({ what, code: outcome.error && grpc.status[outcome.error.code] }).toEqual({ what, code: 'UNAUTHENTICATED' });
        expectRefused(outcome, grpc.status.UNAUTHENTICATED, reason || undefined, [token.slice(21), adminToken.slice(21)]);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it(`a revoked token is refused within the gateway's cache lifetime (AUTH_CACHE_TTL_MS=${AUTH_CACHE_TTL_MS}), an expired one at its expiry`, async () => {
    const admin = { token: adminToken };
    const created = await unary(tokensViaGateway, 'CreateToken', { name: 'soon-revoked', owner: 'dave', scopes: ['write'] }, admin);
    expectOk(created);
    const doomed = created.response.secretToken as string;
    const expiring = await unary(tokensViaGateway, 'CreateToken', { name: 'soon-expired', owner: 'erin', scopes: ['write'], expireTime: new Date(Date.now() + 5000) }, admin);
    expectOk(expiring);
    const expiringToken = expiring.response.secretToken as string;
    const expiresAt = new Date(expiring.response.token.expireTime).getTime();
    // Both work, and are now in the gateway's cache.
    expectOk(await unary(metadataViaGateway, 'ListVisitSequences', {}, { token: doomed }));
    expectOk(await unary(metadataViaGateway, 'ListVisitSequences', {}, { token: expiringToken }));

    expectOk(await unary(tokensViaGateway, 'RevokeToken', { tokenId: created.response.token.tokenId }, admin));
    const revokedAt = Date.now();
    const before = await snapshot();
    // The gateway may still accept it from its cache for up to AUTH_CACHE_TTL_MS (decision 0020,
    // "revocation is not instant"); after that it must refuse it, and keep refusing it.
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < AUTH_CACHE_TTL_MS + 5000) {
      const outcome = await unary(metadataViaGateway, 'ListVisitSequences', {}, { token: doomed });
      if (outcome.error) {
        expectRefused(outcome, grpc.status.UNAUTHENTICATED, undefined, [doomed.slice(21)]);
        refusedAfter = Date.now() - revokedAt;
        break;
      }
      await sleep(100);
    }
    // The cache lifetime, plus a margin for a loaded 2-CPU machine.
    expect(refusedAfter).toBeLessThan(AUTH_CACHE_TTL_MS + 2500);
    expectRefused(await unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, { token: doomed }), grpc.status.UNAUTHENTICATED);
    expectRefused(await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'revoked but trying' }, { token: doomed }), grpc.status.UNAUTHENTICATED);
    // No new Flight ticket either. (A ticket issued before the revocation is bound to the token's hash, which
    // the blob archive checks without asking whether the token was revoked: it stays usable until it
    // expires, FLIGHT_TICKET_TTL_S, 300 s by default; the expiry is probed in 'Arrow Flight' below.)
    expectRefused(await unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid: uuid }, { token: doomed }), grpc.status.UNAUTHENTICATED);

    // The expiring token: refused from its expiry on (the gateway remembers a token no longer than it is valid).
    await sleep(Math.max(0, expiresAt - Date.now() + 200));
    expectRefused(await unary(metadataViaGateway, 'ListVisitSequences', {}, { token: expiringToken }), grpc.status.UNAUTHENTICATED, undefined, [expiringToken.slice(21)]);
    expectRefused(await unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, { token: expiringToken }), grpc.status.UNAUTHENTICATED);
    expect(await snapshot()).toEqual(before);
  });

  it('a read token reads, and is refused every change (PERMISSION_DENIED naming the scope), including minting itself a better token', async () => {
    const as = { token: readToken };
    // Reads.
    expect((await unary(metadataViaGateway, 'GetVisitSequence', { visitseqUuid: uuid }, as)).response.visitSequence.visitseqLabel).toBe('access target');
    expectOk(await unary(metadataViaGateway, 'ListVisitSequences', { labelContains: 'access' }, as));
    expectOk(await unary(metadataViaGateway, 'ListComments', { visitseqUuid: uuid }, as));
    expect((await unary(metadataViaGateway, 'CheckTag', { visitseqUuid: uuid, tag: 'nominal' }, as)).response.tagged).toBe(true);
    expectOk(await serverStream(metadataViaGateway, 'QueryNight', { firstDayObs: sequence.firstDayObs, telescope: sequence.telescope }, as));
    const query = await serverStream(metadataViaGateway, 'Query', { sql: 'SELECT count(*) FROM visitseq' }, as);
    expectOk(query);
    expect(query.messages!.at(-1).totalRows).toBe(1);
    expectOk(await unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid: uuid }, as));
    const download = await serverStream(gateway, 'DownloadVisits', { visitseqUuid: uuid }, as);
    expectOk(download);
    // Computing statistics without storing them changes nothing: a read.
    expectOk(await unary(statsViaGateway, 'ComputeNightlyStats', { visitseqUuid: uuid, store: false, columns: ['altitude'] }, as));

    const before = await snapshot();
    const writes: Array<[string, string, Promise<Outcome>]> = [
      // [probe, scope it needs, outcome]
      ['relabel', 'write', unary(metadataViaGateway, 'UpdateVisitSequence', relabel('relabelled by a reader'), as)],
      ['tag prenight', 'write', unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, as)],
      ['untag', 'write', unary(metadataViaGateway, 'RemoveTags', { visitseqUuid: uuid, tags: ['nominal'] }, as)],
      ['comment', 'write', unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'a reader comments' }, as)],
      ['add a file', 'write', clientStream(gateway, 'AddFile', [{ header: { visitseqUuid: uuid, fileType: 'rewards', fileName: 'rewards.h5' } }, { data: Buffer.from('x') }], as)],
      ['store statistics', 'write', unary(statsViaGateway, 'ComputeNightlyStats', { visitseqUuid: uuid, store: true }, as)],
      ['delete', 'admin', unary(gateway, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, as)],
      ['delete the visits file', 'admin', unary(gateway, 'DeleteFile', { visitseqUuid: uuid, fileType: 'visits' }, as)],
      ['create an admin token', 'admin', unary(tokensViaGateway, 'CreateToken', { name: 'escalate', owner: 'alice', scopes: ['admin'] }, as)],
      ['list tokens', 'admin', unary(tokensViaGateway, 'ListTokens', {}, as)],
    ];
    for (const [probe, scope, outcome] of writes) {
      const result = await outcome;
      expect({ probe, code: result.error && grpc.status[result.error.code] }).toEqual({ probe, code: 'PERMISSION_DENIED' });
      expectRefused(result, grpc.status.PERMISSION_DENIED, 'SCOPE_REQUIRED', [readToken]);
      expect(result.error!.details).toContain(`needs the ${scope} scope`);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a write token tags and comments, as its owner, but is refused deletes, imports, purge, gc and token management (admin)', async () => {
    const as = { token: writeToken };
    const before = await snapshot();
    const admins: Array<[string, Promise<Outcome>]> = [
      ['force delete', unary(gateway, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, as)],
      ['delete the visits file', unary(gateway, 'DeleteFile', { visitseqUuid: uuid, fileType: 'visits' }, as)],
      ['purge', serverStream(gateway, 'PurgeVisits', {}, as)],
      ['gc', serverStream(gateway, 'CollectGarbage', {}, as)],
      ['import upstream', unary(metadataViaGateway, 'ImportUpstream', { dsn: `postgresql://${ALLOWED_UPSTREAM}/vsmd` }, as)],
      ['create an admin token', unary(tokensViaGateway, 'CreateToken', { name: 'escalate', owner: 'bob', scopes: ['admin'] }, as)],
      ['list tokens', unary(tokensViaGateway, 'ListTokens', {}, as)],
      ["revoke the admin's token", unary(tokensViaGateway, 'RevokeToken', { tokenId: adminToken.split('_')[1] }, as)],
    ];
    for (const [probe, outcome] of admins) {
      const result = await outcome;
      expect({ probe, code: result.error && grpc.status[result.error.code] }).toEqual({ probe, code: 'PERMISSION_DENIED' });
      expectRefused(result, grpc.status.PERMISSION_DENIED, 'SCOPE_REQUIRED', [writeToken]);
      expect(result.error!.details).toContain('needs the admin scope');
    }
    expect(await snapshot()).toEqual(before);

    // What write allows.
    expectOk(await unary(metadataViaGateway, 'AddTags', { visitseqUuid: uuid, tags: ['write-probe'] }, as));
    expectOk(await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'checked by the writer' }, as));
    const after = await snapshot();
    expect(after.tags).toBe((before.tags as number) + 1);
    expect(after.comments).toBe((before.comments as number) + 1);
    expect({ ...after, tags: before.tags, comments: before.comments, tag_list: before.tag_list, audit_log: before.audit_log }).toEqual(before);
    // Recorded as the token's owner, in the comment and in the audit log.
    expect((await db.query(`SELECT author FROM visitsarch.comments WHERE comment = 'checked by the writer'`)).rows).toEqual([{ author: 'bob' }]);
    const audited = await db.query(`SELECT actor FROM visitsarch.audit_log WHERE audit_id > (SELECT max(audit_id) - $1 FROM visitsarch.audit_log)`, [
      (after.audit_log as number) - (before.audit_log as number),
    ]);
    expect(audited.rows.length).toBeGreaterThan(0);
    expect(new Set(audited.rows.map((row) => row.actor))).toEqual(new Set(['bob']));
  });

  it('a comment cannot be forged under another author: naming one is PERMISSION_DENIED, identity headers are ignored', async () => {
    const before = await snapshot();
    // Naming another author, from a write token and even from the admin's.
    for (const token of [writeToken, adminToken]) {
      const forged = await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'approved for tonight', author: DIRECTOR }, { token });
      expectRefused(forged, grpc.status.PERMISSION_DENIED, 'AUTHOR_NOT_CALLER', [token]);
    }
    // The gateway's own identity headers, sent by the client beside its token (and with the author too).
    const headers = { [IDENTITY_HEADER]: encodeURIComponent(DIRECTOR), [SCOPES_HEADER]: 'admin' };
    expectRefused(
      await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment: 'approved for tonight', author: DIRECTOR }, { token: writeToken, headers }),
      grpc.status.PERMISSION_DENIED,
      'AUTHOR_NOT_CALLER',
    );
    // ... nor do they lend the admin scope.
    expectRefused(await unary(gateway, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, { token: writeToken, headers }), grpc.status.PERMISSION_DENIED, 'SCOPE_REQUIRED');
    expect(await snapshot()).toEqual(before);

    // Without an author, the comment is recorded under the token's owner, whatever the headers claimed.
    const comment = 'the director said so';
    expectOk(await unary(metadataViaGateway, 'AddComment', { visitseqUuid: uuid, comment }, { token: writeToken, headers }));
    const listed = (await unary(metadataViaGateway, 'ListComments', { visitseqUuid: uuid }, { token: readToken })).response.comments;
    expect(listed.find((c: any) => c.comment === comment).author).toBe('bob');
    expect(listed.map((c: any) => c.author)).not.toContain(DIRECTOR);
    expect((await db.query(`SELECT count(*)::int AS n FROM visitsarch.comments WHERE author = $1`, [DIRECTOR])).rows[0].n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM visitsarch.audit_log WHERE actor = $1`, [DIRECTOR])).rows[0].n).toBe(0);
  });

  it('the internal services refuse every call without the service credential (UNAUTHENTICATED), even with an admin token; DeleteObject deletes nothing', async () => {
    const metadataAddress = stack.services.metadata.address;
    const blobAddress = stack.services['blob-archive'].address;
    const consdbAddress = stack.services['consdb-ingest'].address;
    const statsAddress = stack.services.stats.address;
    const metadataService = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.MetadataService', metadataAddress));
    const registry = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.RegistryService', metadataAddress));
    const tokens = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.TokenService', metadataAddress));
    const verification = track(rawClient(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.TokenVerificationService', metadataAddress));
    const blob = track(rawClient(CONTRACTS.blobArchive.protoFiles, 'visitsarch.blob_archive.v1.BlobArchiveService', blobAddress));
    const consdb = track(rawClient(CONTRACTS.consdbIngest.protoFiles, 'visitsarch.consdb_ingest.v1.ConsdbIngestService', consdbAddress));
    const stats = track(rawClient(CONTRACTS.stats.protoFiles, 'visitsarch.stats.v1.StatsService', statsAddress));

    // Each is a call a stranger on the cluster's network would make to get around the gateway.
    const probes: Array<[string, (as: As) => Promise<Outcome>]> = [
      ['metadata: relabel', (as) => unary(metadataService, 'UpdateVisitSequence', relabel('relabelled behind the gateway'), as)],
      ['metadata: tag prenight', (as) => unary(metadataService, 'AddTags', { visitseqUuid: uuid, tags: ['prenight'] }, as)],
      ['metadata: comment as the director', (as) => unary(metadataService, 'AddComment', { visitseqUuid: uuid, comment: 'approved', author: DIRECTOR }, as)],
      ['metadata: list', (as) => unary(metadataService, 'ListVisitSequences', {}, as)],
      ['metadata: Query', (as) => serverStream(metadataService, 'Query', { sql: 'SELECT 1' }, as)],
      ['metadata: import upstream', (as) => unary(metadataService, 'ImportUpstream', { dsn: `postgresql://${ALLOWED_UPSTREAM}/vsmd` }, as)],
      ['registry: force delete', (as) => unary(registry, 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, as)],
      ['tokens: create an admin token', (as) => unary(tokens, 'CreateToken', { name: 'backdoor', owner: DIRECTOR, scopes: ['admin'] }, as)],
      ['tokens: verify a token (an oracle)', (as) => unary(verification, 'VerifyToken', { secretToken: adminToken }, as)],
      ['blob-archive: delete the visits', (as) => unary(blob, 'DeleteObject', { url: visitsUrl }, as)],
      ['blob-archive: read the visits without a hash', (as) => serverStream(blob, 'DownloadVisitTable', { fileUrl: visitsUrl, columns: [] }, as)],
      ['blob-archive: read the bytes without a hash', (as) => serverStream(blob, 'DownloadFile', { fileUrl: visitsUrl }, as)],
      ['blob-archive: list the archive', (as) => unary(blob, 'ListObjects', { archiveUrl: stack.archiveUrl }, as)],
      ['consdb-ingest: default query', (as) => unary(consdb, 'GetDefaultConsdbQuery', { telescope: 'simonyi' }, as)],
      ['consdb-ingest: ingest', (as) => serverStream(consdb, 'IngestConsdbVisits', { query: 'SELECT 1', label: 'x', telescope: 'simonyi', firstDayobs: '2025-01-01', lastDayobs: '2025-01-02' }, as)],
      ['stats: compute and store', (as) => unary(stats, 'ComputeNightlyStats', { visitseqUuid: uuid, store: true }, as)],
      ['stats: plot', (as) => unary(stats, 'PlotNightlyStats', { visitseqUuids: [uuid], valueName: 'altitude' }, as)],
    ];
    // No credential; a wrong one; one differing from the real one in its last character; the user's admin
    // token instead; the admin token with the identity headers the gateway would have set and a wrong credential.
    const wrong = 'not-the-service-credential-0123456789';
    const nearMiss = credential.slice(0, -1) + (credential.endsWith('A') ? 'B' : 'A');
    const callers: Array<[string, As]> = [
      ['nothing', {}],
      ['a wrong credential', { peer: wrong }],
      ['a near miss', { peer: nearMiss }],
      ['the admin token', { token: adminToken }],
      ['the admin token and identity headers', { token: adminToken, peer: wrong, headers: { [IDENTITY_HEADER]: 'root', [SCOPES_HEADER]: 'admin', [CALLER_BINDING_HEADER]: 'x' } }],
    ];
    const before = await snapshot();
    for (const [probe, call] of probes) {
      for (const [caller, as] of callers) {
        const outcome = await call(as);
        expect({ probe, caller, code: outcome.error && grpc.status[outcome.error.code] }).toEqual({ probe, caller, code: 'UNAUTHENTICATED' });
        expectRefused(outcome, grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED', [credential, nearMiss, adminToken]);
        expect(outcome.messages ?? []).toEqual([]);
      }
    }
    expect(await snapshot()).toEqual(before);

    // The refusals were the credential's doing: with it, the same services answer (harmless calls).
    const peer = { peer: credential };
    expectOk(await unary(metadataService, 'GetVisitSequence', { visitseqUuid: uuid }, peer));
    expect((await unary(blob, 'StatObject', { url: visitsUrl }, peer)).response.exists).toBe(true);
    expectOk(await unary(consdb, 'GetDefaultConsdbQuery', { telescope: 'simonyi' }, peer));
    expectOk(await unary(stats, 'ComputeNightlyStats', { visitseqUuid: uuid, store: false, columns: ['altitude'] }, peer));

    // The visits DeleteObject aimed at are still there, and still verify against their record.
    const download = await serverStream(gateway, 'DownloadVisits', { visitseqUuid: uuid }, { token: readToken });
    expectOk(download);
    const table = tableOf(download.messages!.filter((m) => m.chunk).map((m) => m.chunk.ipcBytes));
    expect(Buffer.from(await canonicalSha256(table))).toEqual(Buffer.from(sequence.visitseqSha256));
    expect(createHash('sha256').update(fs.readFileSync(new URL(visitsUrl))).digest()).toEqual(visitsSha256);
  });

  it("the internal services' methods are not served at the gateway's address at all (UNIMPLEMENTED), even to the admin", async () => {
    const before = await snapshot();
    const at = (protoFiles: string[], service: string) => track(rawClient(protoFiles, service, stack.gateway));
    const probes: Array<[string, Promise<Outcome>]> = [
      ['RegistryService.DeleteVisitSequence', unary(at(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.RegistryService'), 'DeleteVisitSequence', { visitseqUuid: uuid, force: true }, { token: adminToken })],
      ['TokenVerificationService.VerifyToken', unary(at(CONTRACTS.metadata.protoFiles, 'visitsarch.metadata.v1.TokenVerificationService'), 'VerifyToken', { secretToken: adminToken }, { token: adminToken })],
      ['BlobArchiveService.DeleteObject', unary(at(CONTRACTS.blobArchive.protoFiles, 'visitsarch.blob_archive.v1.BlobArchiveService'), 'DeleteObject', { url: visitsUrl }, { token: adminToken })],
      ['ConsdbIngestService.IngestConsdbVisits', serverStream(at(CONTRACTS.consdbIngest.protoFiles, 'visitsarch.consdb_ingest.v1.ConsdbIngestService'), 'IngestConsdbVisits', { query: 'SELECT 1' }, { token: adminToken })],
      ['FlightService.DoGet', serverStream(at([FLIGHT_PROTO], 'arrow.flight.protocol.FlightService'), 'DoGet', { ticket: Buffer.from(visitsUrl) }, { token: adminToken })],
    ];
    for (const [probe, outcome] of probes) {
      const result = await outcome;
      expect({ probe, code: result.error && grpc.status[result.error.code] }).toEqual({ probe, code: 'UNIMPLEMENTED' });
    }
    expect(await snapshot()).toEqual(before);
  });

  describe('Arrow Flight', () => {
    let flight: RawClient;
    let location: string;
    beforeAll(async () => {
      const endpoint = await unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid: uuid }, { token: readToken });
      expectOk(endpoint);
      location = endpoint.response.location;
      expect(location).toMatch(/^grpc:\/\//);
      flight = track(rawClient([FLIGHT_PROTO], 'arrow.flight.protocol.FlightService', new URL(location).host));
    });

    /** A fresh ticket from the gateway for `token` (read scope). */
    async function ticketFor(token: string, visitseqUuid = uuid): Promise<Buffer> {
      const endpoint = await unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid }, { token });
      expectOk(endpoint);
      return Buffer.from(endpoint.response.ticket);
    }
    const doGet = (ticket: Uint8Array, as: As) => serverStream(flight, 'DoGet', { ticket }, as);
    const tableOfFlight = (messages: FlightData[]) => tableOf(messages.map((data) => encapsulate(data)));

    it("serves a gateway ticket to the token it was issued to, and to no one else (another token, none, the admin's, a copied binding)", async () => {
      const before = await snapshot();
      const expiring = await ticketFor(readToken); // kept until it expires, at the end
      const ticket = await ticketFor(readToken);

      // The ticket's own caller: the right one gets the table, exactly as recorded.
      const served = await doGet(ticket, { token: readToken });
      expectOk(served);
      expect(Buffer.from(await canonicalSha256(tableOfFlight(served.messages!)))).toEqual(Buffer.from(sequence.visitseqSha256));

      // No token: UNAUTHENTICATED. Another caller's token (another read token, the admin's): PERMISSION_DENIED.
      expectRefused(await doGet(ticket, {}), grpc.status.UNAUTHENTICATED, 'NO_CREDENTIALS');
      expectRefused(await doGet(ticket, { token: otherReadToken }), grpc.status.PERMISSION_DENIED, 'TICKET_OF_ANOTHER_CALLER', [otherReadToken]);
      expectRefused(await doGet(ticket, { token: adminToken }), grpc.status.PERMISSION_DENIED, 'TICKET_OF_ANOTHER_CALLER');
      expectRefused(await doGet(ticket, { token: writeToken }), grpc.status.PERMISSION_DENIED, 'TICKET_OF_ANOTHER_CALLER');
      // The ticket names its caller in clear (the SHA-256 of the token): a thief who copies it into the header
      // the gateway uses between services, with or without another token, must still be refused.
      const binding = blobArchiveV1.SignedVisitTableTicket.decode(ticket).caller;
      expect(binding).toBe(sha256(readToken).toString('hex'));
      expectRefused(await doGet(ticket, { headers: { [CALLER_BINDING_HEADER]: binding } }), grpc.status.UNAUTHENTICATED, 'NO_CREDENTIALS');
      expectRefused(await doGet(ticket, { token: otherReadToken, headers: { [CALLER_BINDING_HEADER]: binding } }), grpc.status.PERMISSION_DENIED, 'TICKET_OF_ANOTHER_CALLER');
      expectRefused(await doGet(ticket, { headers: { [IDENTITY_HEADER]: 'alice', [SCOPES_HEADER]: 'read' } }), grpc.status.UNAUTHENTICATED);

      // A real gateway ticket, after FLIGHT_TICKET_TTL_S: expired, even for its own caller.
      const expireTime = blobArchiveV1.SignedVisitTableTicket.decode(expiring).expireTime!;
      expect(expireTime.getTime() - Date.now()).toBeLessThanOrEqual(FLIGHT_TICKET_TTL_S * 1000);
      await sleep(Math.max(0, expireTime.getTime() - Date.now() + 300));
      expectRefused(await doGet(expiring, { token: readToken }), grpc.status.UNAUTHENTICATED, 'TICKET_EXPIRED');
      expect(await snapshot()).toEqual(before);
    }, 60_000);

    it('refuses forged and altered tickets: a raw URL, an unsigned ticket, a changed file, a later expiry, a wrong key', async () => {
      const before = await snapshot();
      const ticket = await ticketFor(readToken);
      const signed = blobArchiveV1.SignedVisitTableTicket.decode(ticket);
      const corruptFile = (await unary(metadataViaGateway, 'GetFile', { visitseqUuid: corruptUuid, fileType: 'visits' }, { token: readToken })).response.file;
      const caller = sha256(readToken).toString('hex');
      const unsignedOf = (fileUrl: string, expectedFileSha256: Uint8Array = visitsSha256) =>
        blobArchiveV1.VisitTableTicket.encode({ fileUrl, expectedFileSha256, columns: [] }).finish();
      const reencoded = (changes: Partial<blobArchiveV1.SignedVisitTableTicket>) => blobArchiveV1.SignedVisitTableTicket.encode({ ...signed, ...changes }).finish();
      const forgedKey = ticketKey('a-credential-of-another-deployment-0123456789');

      const probes: Array<[string, Uint8Array, string]> = [
        // [what, ticket bytes, reason]
        ['a raw URL (what tickets were before)', Buffer.from(visitsUrl), ''],
        ['a raw URL of a file outside the archive', Buffer.from('file:///etc/passwd'), ''],
        ['an unsigned VisitTableTicket (what peers present)', unsignedOf(visitsUrl), 'TICKET_NOT_SIGNED'],
        ['an unsigned ticket without a hash', unsignedOf(visitsUrl, new Uint8Array(0)), 'TICKET_NOT_SIGNED'],
        ['the signed ticket naming another file', reencoded({ visitTableTicket: unsignedOf(corruptFile.fileUrl, corruptFile.fileSha256) }), 'TICKET_SIGNATURE_INVALID'],
        ['the signed ticket naming a file outside the archive', reencoded({ visitTableTicket: unsignedOf('file:///etc/passwd') }), 'TICKET_SIGNATURE_INVALID'],
        ['the signed ticket with a later expiry', reencoded({ expireTime: new Date(Date.now() + 86_400_000) }), 'TICKET_SIGNATURE_INVALID'],
        ['the signed ticket with one bit of its signature flipped', reencoded({ signature: Buffer.from(signed.signature).map((b, i) => (i === 0 ? b ^ 1 : b)) }), 'TICKET_SIGNATURE_INVALID'],
        ['the signed ticket without its signature', reencoded({ signature: new Uint8Array(0) }), 'TICKET_NOT_SIGNED'],
        ['a ticket signed with another key, naming a raw URL', signVisitTableTicket(unsignedOf('file:///etc/passwd'), caller, forgedKey, 60_000), 'TICKET_SIGNATURE_INVALID'],
        ['a ticket signed with another key, naming the visits', signVisitTableTicket(unsignedOf(visitsUrl), caller, forgedKey, 60_000), 'TICKET_SIGNATURE_INVALID'],
      ];
      for (const [what, bytes, reason] of probes) {
        const outcome = await doGet(bytes, { token: readToken });
        expect({ what, code: outcome.error && grpc.status[outcome.error.code] }).toEqual({ what, code: 'UNAUTHENTICATED' });
        expectRefused(outcome, grpc.status.UNAUTHENTICATED, reason || undefined);
        expect(outcome.messages).toEqual([]);
      }
      // Expiry is checked by the blob archive itself: a ticket signed with the deployment's key (which only the
      // archive's services hold; this test has it) but expired is refused.
      const expired = signVisitTableTicket(signed.visitTableTicket, caller, ticketKey(credential), -1000);
      expectRefused(await doGet(expired, { token: readToken }), grpc.status.UNAUTHENTICATED, 'TICKET_EXPIRED');
      expect(await snapshot()).toEqual(before);
    });

    it("refuses clients every other Flight method (peers only): GetFlightInfo, GetSchema, DoPut (which would store), ListActions", async () => {
      const before = await snapshot();
      const read = { type: 'CMD', cmd: Buffer.from(JSON.stringify({ file_url: visitsUrl, expected_file_sha256: visitsSha256.toString('hex') })), path: [] };
      const destination = { archive_url: stack.archiveUrl, telescope: 'simonyi', creation_day_obs: '20251101', visitseq_uuid: '00000000-0000-4000-8000-000000000000', format: 'TABLE_FORMAT_ARROW_IPC_STREAM' };
      const put = [{ flightDescriptor: { type: 'CMD', cmd: Buffer.from(JSON.stringify(destination)), path: [] }, dataHeader: Buffer.alloc(0), dataBody: Buffer.alloc(0) }];
      for (const as of [{}, { token: adminToken }, { token: readToken }, { peer: 'not-the-service-credential-0123456789' }] as As[]) {
        expectRefused(await unary(flight, 'GetFlightInfo', read, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
        expectRefused(await unary(flight, 'GetSchema', read, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
        expectRefused(await duplex(flight, 'DoPut', put, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
        expectRefused(await serverStream(flight, 'ListActions', {}, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
      }
      expect(await snapshot()).toEqual(before);
    });
  });

  it('ImportUpstream: a write token is refused the scope; an admin is refused an endpoint off the allow-list, before anything is dialled', async () => {
    // A listener standing in for a database a caller would like the archive to connect to (or port-scan).
    const connections: net.Socket[] = [];
    const bait = net.createServer((socket) => (connections.push(socket), socket.destroy()));
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
    const port = (bait.address() as net.AddressInfo).port;
    const password = 'hunter2-upstream-password';
    try {
      const before = await snapshot();
      const allowed = `postgresql://importer:${password}@${ALLOWED_UPSTREAM}/vsmd`;
      expectRefused(await unary(metadataViaGateway, 'ImportUpstream', { dsn: allowed }, { token: writeToken }), grpc.status.PERMISSION_DENIED, 'SCOPE_REQUIRED', [password]);
      expectRefused(await unary(metadataViaGateway, 'ImportUpstream', { dsn: allowed, dryRun: true }, { token: readToken }), grpc.status.PERMISSION_DENIED, 'SCOPE_REQUIRED', [password]);

      const offList: Array<[string, string]> = [
        ['a URI', `postgresql://importer:${password}@127.0.0.1:${port}/vsmd`],
        ['key=value pairs', `host=127.0.0.1 port=${port} dbname=vsmd user=importer password='${password}'`],
        // libpq dials hostaddr, not host: an allowed host name must not carry another address in.
        ['hostaddr beside an allowed host', `host=${ALLOWED_UPSTREAM} hostaddr=127.0.0.1 port=${port} password=${password}`],
        ['hostaddr in a URI of an allowed host', `postgresql://importer:${password}@${ALLOWED_UPSTREAM}/vsmd?hostaddr=127.0.0.1&port=${port}`],
        ['host overridden in the query of a URI', `postgresql://importer:${password}@${ALLOWED_UPSTREAM}/vsmd?host=127.0.0.1&port=${port}`],
      ];
      for (const [what, dsn] of offList) {
        const outcome = await unary(metadataViaGateway, 'ImportUpstream', { dsn, dryRun: true }, { token: adminToken });
        expect({ what, code: outcome.error && grpc.status[outcome.error.code] }).toEqual({ what, code: 'PERMISSION_DENIED' });
        expectRefused(outcome, grpc.status.PERMISSION_DENIED, 'UPSTREAM_NOT_ALLOWED', [password]);
        expect(outcome.error!.details).toContain('UPSTREAM_ALLOWED_ENDPOINTS');
      }
      // Several hosts (libpq would try each in turn) and Unix sockets are refused outright.
      for (const dsn of [`host=${ALLOWED_UPSTREAM},127.0.0.1 port=5432,${port} password=${password}`, `host=/var/run/postgresql dbname=vsmd password=${password}`]) {
        expectRefused(await unary(metadataViaGateway, 'ImportUpstream', { dsn, dryRun: true }, { token: adminToken }), grpc.status.INVALID_ARGUMENT, undefined, [password]);
      }
      await sleep(500);
      expect(connections.length).toBe(0);
      expect(await snapshot()).toEqual(before);
    } finally {
      await new Promise((resolve) => bait.close(resolve));
    }
  });

  it('a damaged stored table is never served: every read a client can reach fails with DATA_LOSS, the unverified ones are peers-only', async () => {
    const file = (await unary(metadataViaGateway, 'GetFile', { visitseqUuid: corruptUuid, fileType: 'visits' }, { token: readToken })).response.file;
    const stored = new URL(file.fileUrl);
    // A mixed sequence spliced at read time from the damaged table (early) and the intact one (late): a
    // further read path (the blob archive's ReadMixedVisitTable, checked against both parents' hashes).
    const nextDay = new Date(Date.parse(`${sequence.firstDayObs}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const mixed = await unary(
      gateway,
      'AddMixed',
      { label: 'access mixed', telescope: sequence.telescope, earlyParentUuid: corruptUuid, lateParentUuid: uuid, lastEarlyDayObs: sequence.firstDayObs, firstLateDayObs: nextDay },
      { token: writeToken },
    );
    expectOk(mixed);
    const mixedUuid = mixed.response.visitseqUuid;
    // Before: they read.
    expectOk(await serverStream(gateway, 'DownloadVisits', { visitseqUuid: corruptUuid }, { token: readToken }));
    expectOk(await serverStream(gateway, 'DownloadVisits', { visitseqUuid: mixedUuid }, { token: readToken }));
    // Damage one byte in the middle of the stored object, in place (same size), as a failing disk would.
    const bytes = fs.readFileSync(stored);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] ^= 0xff;
    fs.writeFileSync(stored, bytes);
    const before = await snapshot();

    const flight = track(rawClient([FLIGHT_PROTO], 'arrow.flight.protocol.FlightService', stack.services['blob-archive'].address));
    const endpoint = await unary(gateway, 'GetVisitsFlightEndpoint', { visitseqUuid: corruptUuid }, { token: readToken });
    expectOk(endpoint);
    const reads: Array<[string, Promise<Outcome>]> = [
      ['DownloadVisits', serverStream(gateway, 'DownloadVisits', { visitseqUuid: corruptUuid }, { token: readToken })],
      ['DownloadVisits of some columns', serverStream(gateway, 'DownloadVisits', { visitseqUuid: corruptUuid, columns: ['observationId'] }, { token: readToken })],
      ['ExportVisits', serverStream(gateway, 'ExportVisits', { visitseqUuid: corruptUuid, format: 'TABLE_FORMAT_PARQUET' }, { token: readToken })],
      ['DownloadFile visits', serverStream(gateway, 'DownloadFile', { visitseqUuid: corruptUuid, fileType: 'visits' }, { token: readToken })],
      ['DownloadVisits of the mixed sequence', serverStream(gateway, 'DownloadVisits', { visitseqUuid: mixedUuid }, { token: readToken })],
      ['Flight DoGet', serverStream(flight, 'DoGet', { ticket: endpoint.response.ticket }, { token: readToken })],
      ['ComputeNightlyStats', unary(statsViaGateway, 'ComputeNightlyStats', { visitseqUuid: corruptUuid, store: false, columns: ['altitude'] }, { token: writeToken })],
    ];
    for (const [read, outcome] of reads) {
      const result = await outcome;
      expect({ read, code: result.error && grpc.status[result.error.code] }).toEqual({ read, code: 'DATA_LOSS' });
    }
    // The blob archive's reads that skip the hash (an empty expected_file_sha256: "for files whose hash was
    // never recorded", which the files table no longer allows) are not a client's to make. (A peer making
    // one is still served the damaged bytes without complaint; no service of the archive makes one.)
    const blob = track(rawClient(CONTRACTS.blobArchive.protoFiles, 'visitsarch.blob_archive.v1.BlobArchiveService', stack.services['blob-archive'].address));
    for (const as of [{}, { token: adminToken }] as As[]) {
      expectRefused(await serverStream(blob, 'DownloadVisitTable', { fileUrl: file.fileUrl, columns: [] }, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
      expectRefused(await serverStream(blob, 'ExportVisitTable', { fileUrl: file.fileUrl, columns: [], format: 'TABLE_FORMAT_PARQUET' }, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
      expectRefused(await serverStream(blob, 'DownloadFile', { fileUrl: file.fileUrl }, as), grpc.status.UNAUTHENTICATED, 'PEER_CREDENTIAL_REQUIRED');
    }
    // And nothing was "repaired", deleted or recorded on the way.
    expect(await snapshot()).toEqual(before);
    expect(fs.readFileSync(stored)[middle]).toBe(bytes[middle]);
  });
});
