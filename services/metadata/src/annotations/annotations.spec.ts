import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { create } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

describe('tags', () => {
  it('adds idempotently, checks, and removes all or nothing', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.call('checkTag', { visitseqUuid, tag: 'nominal' })).tagged).toBe(false);
    expect((await archive.call('addTags', { visitseqUuid, tags: ['nominal', 'prenight', 'nominal'] })).tags).toEqual(['nominal', 'prenight']);
    expect((await archive.call('addTags', { visitseqUuid, tags: ['ideal', 'nominal'] })).tags).toEqual(['ideal', 'nominal', 'prenight']);
    expect((await archive.call('checkTag', { visitseqUuid, tag: 'nominal' })).tagged).toBe(true);
    const missing = await archive.fail('removeTags', { visitseqUuid, tags: ['ideal', 'absent'] });
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.details).toMatch(/absent/);
    expect((await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!.tags).toEqual(['ideal', 'nominal', 'prenight']);
    expect((await archive.call('removeTags', { visitseqUuid, tags: ['ideal', 'absent'], allowMissing: true })).tags).toEqual(['nominal', 'prenight']);
    expect(await archive.count('tags', 'visitseq_uuid = $1', [visitseqUuid])).toBe(2);
  });

  it('refuses empty tags and unknown sequences (upstream defect 7: tags of nonexistent sequences)', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.fail('addTags', { visitseqUuid, tags: [] })).violations).toEqual(['tags']);
    expect((await archive.fail('addTags', { visitseqUuid, tags: ['ok', ''] })).violations).toEqual(['tags[1]']);
    expect((await archive.fail('checkTag', { visitseqUuid, tag: '' })).violations).toEqual(['tag']);
    const ghost = randomUUID();
    expect((await archive.fail('addTags', { visitseqUuid: ghost, tags: ['x'] })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('checkTag', { visitseqUuid: ghost, tag: 'x' })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('removeTags', { visitseqUuid: ghost, tags: ['x'], allowMissing: true })).code).toBe(status.NOT_FOUND);
    expect(await archive.count('tags', 'visitseq_uuid = $1', [ghost])).toBe(0);
  });

  it('never duplicates a tag when many clients tag the same sequence at once (upstream defect 7: check-then-insert race)', async () => {
    const { visitseqUuid } = await create(archive);
    const tags = Array.from({ length: 10 }, (_, index) => `tag${index}`);
    await Promise.all(Array.from({ length: 40 }, (_, client) => archive.call('addTags', { visitseqUuid, tags: [tags[client % 10], tags[(client + 3) % 10], 'shared'] })));
    const { rows } = await archive.sql.query('SELECT tag, count(*)::int AS n FROM tags WHERE visitseq_uuid = $1 GROUP BY tag ORDER BY tag', [visitseqUuid]);
    expect(rows).toEqual([...tags, 'shared'].sort().map((tag) => ({ tag, n: 1 })));
  });
});

describe('comments', () => {
  it('records the author and the server time, lists oldest first, and pages', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.call('listComments', { visitseqUuid })).comments).toEqual([]);
    const first = await archive.call('addComment', { visitseqUuid, comment: 'no author' });
    expect(first.comment).toMatchObject({ visitseqUuid, comment: 'no author' });
    expect(first.comment!.author).toBeUndefined();
    expect(Math.abs(first.comment!.commentTime!.getTime() - Date.now())).toBeLessThan(60_000);
    await archive.call('addComment', { visitseqUuid, comment: 'with author', author: 'neilsen' });
    await archive.call('addComment', { visitseqUuid, comment: 'third' });
    const all = await archive.call('listComments', { visitseqUuid });
    expect(all.comments.map((comment) => [comment.comment, comment.author])).toEqual([
      ['no author', undefined],
      ['with author', 'neilsen'],
      ['third', undefined],
    ]);
    const page1 = await archive.call('listComments', { visitseqUuid, pageSize: 2 });
    const page2 = await archive.call('listComments', { visitseqUuid, pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.comments, ...page2.comments]).toEqual(all.comments);
    expect(page2.nextPageToken).toBe('');
  });

  it('refuses empty comments and unknown sequences, replays a retried request_id and refuses it for another comment', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.fail('addComment', { visitseqUuid, comment: '' })).violations).toEqual(['comment']);
    expect((await archive.fail('addComment', { visitseqUuid: randomUUID(), comment: 'x' })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('listComments', { visitseqUuid: randomUUID() })).code).toBe(status.NOT_FOUND);
    const requestId = randomUUID();
    const [a, b] = await Promise.all([archive.call('addComment', { visitseqUuid, comment: 'once', requestId }), archive.call('addComment', { visitseqUuid, comment: 'once', requestId })]);
    expect(a.comment).toEqual(b.comment);
    expect(await archive.count('comments', 'visitseq_uuid = $1', [visitseqUuid])).toBe(1);
    // The same id for another comment is another request: refused, not answered with the first comment.
    const reused = await archive.fail('addComment', { visitseqUuid, comment: 'twice', requestId });
    expect(reused.code).toBe(status.ALREADY_EXISTS);
    expect(reused.details).toMatch(/already used for a different request; use a new request_id/);
    expect(await archive.count('comments', 'visitseq_uuid = $1', [visitseqUuid])).toBe(1);
  });

  it('loses no comment when many clients comment at once, and keeps them apart even with equal times (upstream defect 15)', async () => {
    const { visitseqUuid } = await create(archive);
    await Promise.all(Array.from({ length: 50 }, (_, index) => archive.call('addComment', { visitseqUuid, comment: `comment ${index}`, author: `client${index % 5}` })));
    const { comments } = await archive.call('listComments', { visitseqUuid, pageSize: 1000 });
    expect(comments.map((comment) => comment.comment).sort()).toEqual(Array.from({ length: 50 }, (_, index) => `comment ${index}`).sort());
    const times = comments.map((comment) => comment.commentTime!.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // Two comments at the very same instant both appear in the extra view.
    await archive.sql.query(`INSERT INTO comments (visitseq_uuid, comment_time, comment) VALUES ($1, '2026-01-01T00:00Z', 'same a'), ($1, '2026-01-01T00:00Z', 'same b')`, [visitseqUuid]);
    const { rows } = await archive.sql.query('SELECT (SELECT count(*)::int FROM jsonb_object_keys(comments)) AS n FROM visitsextra WHERE visitseq_uuid = $1', [visitseqUuid]);
    expect(rows[0].n).toBe(52);
  });
});
