import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Caller } from '@visitsarch/auth';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { create, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';
import { AUDITED_WRITES, NOT_AUDITED } from './audited-writes';

jest.setTimeout(120_000);

const archive = specArchive({ QUERY_MAX_CONCURRENT_PER_IDENTITY: '2', QUERY_MAX_CONCURRENT: '8' });
const alice: Caller = { identity: 'alice', scopes: ['write'] };
const root: Caller = { identity: 'root-operator', scopes: ['admin'] };

/** The audit rows of a sequence, oldest first. */
const auditOf = async (visitseqUuid: string) =>
  (await archive.sql.query('SELECT actor, action, detail FROM audit_log WHERE visitseq_uuid = $1 ORDER BY audit_id', [visitseqUuid])).rows;

describe('comment authors', () => {
  it("records the caller's identity as the author, whether the request names it or no one", async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.as(alice).call('addComment', { visitseqUuid, comment: 'unsigned' })).comment!.author).toBe('alice');
    expect((await archive.as(alice).call('addComment', { visitseqUuid, comment: 'signed', author: 'alice' })).comment!.author).toBe('alice');
    const { comments } = await archive.call('listComments', { visitseqUuid });
    expect(comments.map((comment) => [comment.comment, comment.author])).toEqual([
      ['unsigned', 'alice'],
      ['signed', 'alice'],
    ]);
  });

  it('refuses a comment that names another author, writing nothing', async () => {
    const { visitseqUuid } = await create(archive);
    const forged = await archive.as(alice).fail('addComment', { visitseqUuid, comment: 'as someone else', author: 'neilsen' });
    expect(forged.code).toBe(status.PERMISSION_DENIED);
    expect(forged.details).toMatch(/comments are recorded under your identity alice/);
    expect(await archive.count('comments', 'visitseq_uuid = $1', [visitseqUuid])).toBe(0);
  });

  it('keeps the author of a call that names no caller (the archive’s own calls)', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.call('addComment', { visitseqUuid, comment: 'internal', author: 'importer' })).comment!.author).toBe('importer');
  });
});

describe('the audit log of writes', () => {
  it('appends one row per successful write, with the caller, the RPC and the object', async () => {
    const asAlice = archive.as(alice);
    const { visitSequence } = await asAlice.call('createVisitSequence', { visitSequence: simulation(), tags: [] });
    const visitseqUuid = visitSequence!.visitseqUuid;
    await asAlice.call('addTags', { visitseqUuid, tags: ['nominal'] });
    await asAlice.call('removeTags', { visitseqUuid, tags: ['nominal'] });
    await asAlice.call('addComment', { visitseqUuid, comment: 'looks fine' });
    await asAlice.call('updateVisitSequence', { visitSequence: { visitseqUuid, visitseqLabel: 'renamed' }, updateMask: { paths: ['visitseq_label'] } });
    await asAlice.call('registerFile', { file: { visitseqUuid, fileType: 'rewards', fileSha256: sha256(), fileSize: 3, fileUrl: 'file:///a/rewards.h5' } });
    await asAlice.call('upsertNightlyStats', { stats: [{ visitseqUuid, dayObs: '2026-12-01', valueName: 'altitude', accumulated: false, count: 1, mean: 1 }] });
    await archive.as(root).call('deleteFile', { visitseqUuid, fileType: 'rewards' });
    await archive.as(root).call('deleteVisitSequence', { visitseqUuid });

    expect(await auditOf(visitseqUuid)).toEqual([
      { actor: 'alice', action: 'CreateVisitSequence', detail: expect.objectContaining({ visitseq_label: visitSequence!.visitseqLabel }) },
      { actor: 'alice', action: 'AddTags', detail: { tags: ['nominal'] } },
      { actor: 'alice', action: 'RemoveTags', detail: { tags: ['nominal'] } },
      { actor: 'alice', action: 'AddComment', detail: {} },
      { actor: 'alice', action: 'UpdateVisitSequence', detail: { update_mask: ['visitseq_label'] } },
      { actor: 'alice', action: 'RegisterFile', detail: { file_type: 'rewards', file_url: 'file:///a/rewards.h5', replaced: false } },
      { actor: 'alice', action: 'UpsertNightlyStats', detail: { rows: 1, inserted_count: 1, updated_count: 0 } },
      { actor: 'root-operator', action: 'DeleteFile', detail: { file_type: 'rewards', file_url: 'file:///a/rewards.h5', keep_record: false } },
      { actor: 'root-operator', action: 'DeleteVisitSequence', detail: { deleted: true, force: false } },
    ]);
  });

  it("records token creations and revocations by their id, never the secret, and 'unknown' for calls naming no caller", async () => {
    const created = await archive.as(root).call('createToken', { name: 'audited', owner: 'svc', scopes: ['read'] });
    await archive.as(root).call('revokeToken', { tokenId: created.token!.tokenId });
    const { rows } = await archive.sql.query(`SELECT actor, action, visitseq_uuid, detail FROM audit_log WHERE detail->>'token_id' = $1 ORDER BY audit_id`, [created.token!.tokenId]);
    expect(rows).toEqual([
      { actor: 'root-operator', action: 'CreateToken', visitseq_uuid: null, detail: { token_id: created.token!.tokenId, name: 'audited', owner: 'svc', scopes: ['read'], expire_time: null } },
      { actor: 'root-operator', action: 'RevokeToken', visitseq_uuid: null, detail: { token_id: created.token!.tokenId, owner: 'svc' } },
    ]);
    expect(JSON.stringify(rows)).not.toContain(created.secretToken.split('_').pop());

    const { visitseqUuid } = await create(archive);
    expect(await auditOf(visitseqUuid)).toEqual([expect.objectContaining({ actor: 'unknown', action: 'CreateVisitSequence' })]);
  });

  it('writes no row for a failed write, a read, or RecordAudit beyond its own entries', async () => {
    const before = await archive.count('audit_log');
    expect((await archive.as(alice).fail('addTags', { visitseqUuid: randomUUID(), tags: ['x'] })).code).toBe(status.NOT_FOUND);
    const { visitseqUuid } = await create(archive);
    const afterCreate = await archive.count('audit_log');
    expect(afterCreate).toBe(before + 1);
    await archive.as(alice).call('getVisitSequence', { visitseqUuid });
    await archive.as(alice).call('listComments', { visitseqUuid });
    await archive.call('recordAudit', { entries: [{ actor: 'operator', action: 'gc', detail: {} }] });
    expect(await archive.count('audit_log')).toBe(afterCreate + 1);
  });

  it("records RecordAudit's entries made on a caller's behalf under the caller's identity", async () => {
    const { entries } = await archive.as(root).call('recordAudit', { entries: [{ actor: 'whoever-the-client-said', action: 'gc', detail: {} }] });
    expect(entries.map((entry) => entry.actor)).toEqual(['root-operator']);
    expect((await archive.call('recordAudit', { entries: [{ actor: 'operator', action: 'gc', detail: {} }] })).entries[0].actor).toBe('operator');
  });

  it('knows every RPC of the metadata process: audited, or a read', () => {
    const definition = protoLoader.loadSync(CONTRACTS.metadata.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const rpcs = CONTRACTS.metadata.serviceNames.flatMap((service) => Object.values(definition[service] as protoLoader.ServiceDefinition).map((method) => method.originalName!));
    expect(rpcs.length).toBeGreaterThan(30);
    const unclassified = rpcs.map((name) => name[0].toUpperCase() + name.slice(1)).filter((name) => !(name in AUDITED_WRITES) && !NOT_AUDITED.has(name));
    expect(unclassified).toEqual([]);
    const both = Object.keys(AUDITED_WRITES).filter((name) => NOT_AUDITED.has(name));
    expect(both).toEqual([]);
  });
});

describe('free SQL', () => {
  it('may read the audit log but not the tokens', async () => {
    await archive.as(root).call('createToken', { name: 'hidden', scopes: ['read'] });
    const { table } = await archive.table('query', { sql: 'SELECT count(*) AS n FROM audit_log' });
    expect(Number(table.get(0)!.toJSON().n)).toBeGreaterThan(0);
    for (const sql of ['SELECT * FROM api_token', 'SELECT secret_sha256 FROM visitsarch.api_token', 'SELECT count(*) FROM api_token']) {
      const refused = await archive
        .stream('query', { sql })
        .then(() => undefined)
        .catch((error) => error);
      expect(refused?.code).toBe(status.PERMISSION_DENIED);
      expect(refused?.details).toMatch(/permission denied for table api_token/);
    }
  });

  it('runs at most QUERY_MAX_CONCURRENT_PER_IDENTITY queries of one identity at once', async () => {
    const slow = { sql: 'SELECT pg_sleep(1.5)' };
    const running = [archive.as(alice).stream('query', slow), archive.as(alice).stream('query', slow)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = await archive
      .as(alice)
      .stream('query', { sql: 'SELECT 1' })
      .then(() => undefined)
      .catch((error) => error);
    expect(third?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third?.details).toMatch(/alice already has 2 queries running.*QUERY_MAX_CONCURRENT_PER_IDENTITY=2/);
    // Others are not held up by alice's, nor are the archive's own calls.
    expect((await archive.as({ identity: 'bob', scopes: ['read'] }).table('query', { sql: 'SELECT 1 AS one' })).table.numRows).toBe(1);
    expect((await archive.table('query', { sql: 'SELECT 1 AS one' })).table.numRows).toBe(1);
    await Promise.all(running);
    // Once they ended, alice may run queries again; a refused or failed query does not hold a place.
    expect((await archive.as(alice).stream('query', { sql: 'SELECT nonsense FROM nowhere' }).catch((error) => error)).code).toBe(status.INVALID_ARGUMENT);
    expect((await archive.as(alice).stream('query', { sql: '' }).catch((error) => error)).code).toBe(status.INVALID_ARGUMENT);
    await Promise.all([archive.as(alice).stream('query', { sql: 'SELECT 1' }), archive.as(alice).stream('query', { sql: 'SELECT 2' })]);
  });
});
