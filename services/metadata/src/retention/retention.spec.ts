import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { metadataV1 } from '@visitsarch/contracts';
import { completed, create, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

/** A sequence with its visits stored at a URL of its own (and, if given, more stored files). */
async function stored(sequence: metadataV1.VisitSequence, tags: string[] = [], others: Record<string, string | undefined> = {}) {
  const url = `file:///archive/simonyi/2026-01-01/${randomUUID()}/visits.arrows`;
  const files = [{ fileType: 'visits', fileSha256: sha256(), fileSize: 10, fileUrl: url }];
  for (const [fileType, fileUrl] of Object.entries(others)) files.push({ fileType, fileSha256: sha256(), fileSize: 5, fileUrl: fileUrl as string });
  return create(archive, { ...sequence, visitseqUrl: url }, tags, { files });
}

const OLD = new Date('2026-01-10T00:00:00Z');

/** The policy "older than the night 2026-02-01 and created before 2026-02-01", with overrides. */
const policy = (overrides: Partial<metadataV1.ListPurgeCandidatesRequest> = {}) => ({
  lastDayObsBefore: '2026-02-01',
  creationTimeBefore: new Date('2026-02-01T00:00:00Z'),
  fileTypes: ['visits'],
  tags: [],
  kind: 0,
  telescope: '',
  pageSize: 0,
  pageToken: '',
  ...overrides,
});

/** Every candidate of a policy, page after page. */
async function candidates(request: ReturnType<typeof policy>): Promise<metadataV1.PurgeCandidate[]> {
  const all: metadataV1.PurgeCandidate[] = [];
  let pageToken = '';
  do {
    const page = await archive.call('listPurgeCandidates', { ...request, pageToken });
    all.push(...page.candidates);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

describe('RegistryService.ListPurgeCandidates', () => {
  const tag = `purge-${randomUUID().slice(0, 8)}`;
  let old: metadataV1.VisitSequence[];
  let parent: metadataV1.VisitSequence;
  let dependent: metadataV1.VisitSequence;

  beforeAll(async () => {
    old = [
      await stored(simulation({ firstDayObs: '2026-01-02', lastDayObs: '2026-01-03', creationTime: OLD }), [tag]),
      await stored(simulation({ firstDayObs: '2026-01-01', lastDayObs: '2026-01-01', creationTime: OLD }), [tag, 'nominal'], { rewards: 'file:///archive/r.h5' }),
      await stored(completed({ firstDayObs: '2026-01-05', lastDayObs: '2026-01-05', creationTime: OLD }), [tag]),
    ];
    // Not selected: nights too recent, created too recently, nothing stored, another tag.
    await stored(simulation({ firstDayObs: '2026-01-30', lastDayObs: '2026-02-01', creationTime: OLD }), [tag]);
    await stored(simulation({ firstDayObs: '2026-01-01', lastDayObs: '2026-01-02', creationTime: new Date('2026-02-01T00:00:00Z') }), [tag]);
    await create(archive, simulation({ firstDayObs: '2026-01-01', lastDayObs: '2026-01-02', creationTime: OLD }), [tag]);
    await stored(simulation({ firstDayObs: '2026-01-01', lastDayObs: '2026-01-02', creationTime: OLD }), ['other']);
    // A parent whose visits an unmaterialized mixed sequence reads.
    parent = await stored(simulation({ firstDayObs: '2026-01-07', lastDayObs: '2026-01-08', creationTime: OLD }), [tag]);
    dependent = await create(archive, {
      ...simulation({ firstDayObs: '2026-01-02', lastDayObs: '2026-01-08', creationTime: OLD }),
      simulation: undefined,
      mixed: { lastEarlyDayObs: '2026-01-03', firstLateDayObs: '2026-01-07', earlyParentUuid: old[0].visitseqUuid, lateParentUuid: parent.visitseqUuid },
    });
    // A materialized one (its visits stored, recent) reads nothing from its parents.
    await stored({
      ...simulation({ firstDayObs: '2026-01-05', lastDayObs: '2026-02-08' }),
      simulation: undefined,
      mixed: { lastEarlyDayObs: '2026-01-05', firstLateDayObs: '2026-01-07', earlyParentUuid: old[2].visitseqUuid, lateParentUuid: parent.visitseqUuid },
    });
  });

  it('selects the sequences old by both their last night and their creation that still store visits, oldest night first, page by page', async () => {
    const expected = [old[1], old[0], old[2], parent].map((sequence) => sequence.visitseqUuid);
    for (const pageSize of [0, 1, 3]) {
      const found = await candidates(policy({ tags: [tag], pageSize }));
      expect(found.map((candidate) => candidate.visitSequence!.visitseqUuid)).toEqual(expected);
    }
    const [first] = await candidates(policy({ tags: [tag] }));
    expect(first.storedFiles.map((file) => [file.fileType, file.fileUrl])).toEqual([['visits', old[1].visitseqUrl]]);
    expect(first.visitSequence!.tags).toEqual([tag, 'nominal'].sort());
  });

  it('filters by every tag, kind and telescope, and by the stored file types asked for', async () => {
    expect((await candidates(policy({ tags: [tag, 'nominal'] }))).map((c) => c.visitSequence!.visitseqUuid)).toEqual([old[1].visitseqUuid]);
    expect((await candidates(policy({ tags: [tag], kind: 2 }))).map((c) => c.visitSequence!.visitseqUuid)).toEqual([old[2].visitseqUuid]);
    expect(await candidates(policy({ tags: [tag], telescope: 'auxtel' }))).toEqual([]);
    const rewards = await candidates(policy({ tags: [tag], fileTypes: ['rewards'] }));
    expect(rewards.map((c) => [c.visitSequence!.visitseqUuid, c.storedFiles.map((file) => file.fileType)])).toEqual([[old[1].visitseqUuid, ['rewards']]]);
  });

  it('names the unmaterialized mixed sequences that read a candidate, and ignores materialized ones', async () => {
    const found = await candidates(policy({ tags: [tag] }));
    const dependents = Object.fromEntries(found.map((c) => [c.visitSequence!.visitseqUuid, c.dependentVisitseqUuids]));
    expect(dependents[old[0].visitseqUuid]).toEqual([dependent.visitseqUuid]);
    expect(dependents[parent.visitseqUuid]).toEqual([dependent.visitseqUuid]);
    expect(dependents[old[2].visitseqUuid]).toEqual([]);
  });

  it('drops purged sequences (their URLs cleared) without shifting the next page', async () => {
    const first = await archive.call('listPurgeCandidates', policy({ tags: [tag], pageSize: 2 }));
    await archive.call('deleteFile', { visitseqUuid: first.candidates[0].visitSequence!.visitseqUuid, fileType: 'visits', keepRecord: true });
    const second = await archive.call('listPurgeCandidates', policy({ tags: [tag], pageSize: 2, pageToken: first.nextPageToken }));
    expect(second.candidates.map((c) => c.visitSequence!.visitseqUuid)).toEqual([old[2].visitseqUuid, parent.visitseqUuid]);
    expect((await candidates(policy({ tags: [tag] }))).map((c) => c.visitSequence!.visitseqUuid)).not.toContain(first.candidates[0].visitSequence!.visitseqUuid);
  });

  it('refuses a policy without its bounds or file types, and a token of another policy', async () => {
    expect((await archive.fail('listPurgeCandidates', policy({ lastDayObsBefore: '' }))).violations).toEqual(['last_day_obs_before']);
    expect((await archive.fail('listPurgeCandidates', { ...policy(), creationTimeBefore: undefined })).violations).toEqual(['creation_time_before']);
    expect((await archive.fail('listPurgeCandidates', policy({ fileTypes: [] }))).violations).toEqual(['file_types']);
    expect((await archive.fail('listPurgeCandidates', policy({ tags: [''] }))).violations).toEqual(['tags[0]']);
    const page = await archive.call('listPurgeCandidates', policy({ tags: [tag], pageSize: 1 }));
    expect((await archive.fail('listPurgeCandidates', policy({ tags: [tag, 'nominal'], pageSize: 1, pageToken: page.nextPageToken }))).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('RegistryService.CheckBlobReferences', () => {
  it('answers which URLs a visitseq_url, a file_url or a MAF healpix url holds', async () => {
    const sequence = await stored(simulation(), [], { rewards: `file:///archive/${randomUUID()}/rewards.h5` });
    const files = await archive.call('listFiles', { visitseqUuid: sequence.visitseqUuid, pageSize: 10 });
    const rewardsUrl = files.files.find((file) => file.fileType === 'rewards')!.fileUrl!;
    const healpixUrl = `s3://bucket/maf/${randomUUID()}.npz`;
    await archive.sql.query(`INSERT INTO maf_metrics (maf_metric_name) VALUES ('retention depth') ON CONFLICT DO NOTHING`);
    await archive.sql.query(`INSERT INTO maf_healpix_stats (visitseq_uuid, maf_metric_name, day_obs, accumulated, nside, url) VALUES ($1, 'retention depth', '2026-01-01', false, 64, $2)`, [
      sequence.visitseqUuid,
      healpixUrl,
    ]);
    const unknown = `file:///archive/${randomUUID()}/visits.arrows`;
    const asked = [unknown, sequence.visitseqUrl!, rewardsUrl, healpixUrl, sequence.visitseqUrl!];
    expect((await archive.call('checkBlobReferences', { urls: asked })).referencedUrls).toEqual([sequence.visitseqUrl, rewardsUrl, healpixUrl]);
    expect((await archive.call('checkBlobReferences', { urls: [] })).referencedUrls).toEqual([]);
  });
});

describe('RegistryService.RecordAudit and the audit_log table', () => {
  it('appends entries with their number, time, actor, action, sequence and detail', async () => {
    const uuid = randomUUID();
    const before = Date.now();
    const { entries } = await archive.call('recordAudit', {
      entries: [
        { actor: 'operator', action: 'purge', visitseqUuid: uuid, detail: { file_url: 'file:///archive/x', file_size: 10, policy: { tags: ['prenight'] } } },
        { actor: 'operator', action: 'gc', detail: { url: 'file:///archive/y' } },
      ],
    });
    expect(entries.map((entry) => [entry.actor, entry.action, entry.visitseqUuid])).toEqual([
      ['operator', 'purge', uuid],
      ['operator', 'gc', undefined],
    ]);
    expect(entries[1].auditId).toBeGreaterThan(entries[0].auditId);
    expect(entries[0].auditTime!.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(entries[0].detail).toEqual({ file_url: 'file:///archive/x', file_size: 10, policy: { tags: ['prenight'] } });
    const { rows } = await archive.sql.query('SELECT actor, action, visitseq_uuid, detail FROM audit_log WHERE audit_id = $1', [entries[0].auditId]);
    expect(rows).toEqual([{ actor: 'operator', action: 'purge', visitseq_uuid: uuid, detail: { file_url: 'file:///archive/x', file_size: 10, policy: { tags: ['prenight'] } } }]);
  });

  it('refuses entries without an actor or action, or with a malformed UUID, writing none of the call', async () => {
    const count = () => archive.count('audit_log');
    const before = await count();
    expect((await archive.fail('recordAudit', { entries: [] })).violations).toEqual(['entries']);
    expect((await archive.fail('recordAudit', { entries: [{ actor: 'a', action: 'gc' }, { actor: '', action: 'gc' }] })).violations).toEqual(['entries[1].actor']);
    expect((await archive.fail('recordAudit', { entries: [{ actor: 'a', action: '' }] })).violations).toEqual(['entries[0].action']);
    expect((await archive.fail('recordAudit', { entries: [{ actor: 'a', action: 'gc', visitseqUuid: 'nope' }] })).violations).toEqual(['entries[0].visitseq_uuid']);
    expect(await count()).toBe(before);
  });

  it('is append-only, outlives the sequences it names, and is readable through Query', async () => {
    const sequence = await create(archive, simulation());
    const { entries } = await archive.call('recordAudit', { entries: [{ actor: 'operator', action: 'purge', visitseqUuid: sequence.visitseqUuid }] });
    for (const statement of [`UPDATE audit_log SET actor = 'someone else' WHERE audit_id = ${entries[0].auditId}`, `DELETE FROM audit_log WHERE audit_id = ${entries[0].auditId}`, 'TRUNCATE audit_log']) {
      await expect(archive.sql.query(statement)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
    }
    await archive.call('deleteVisitSequence', { visitseqUuid: sequence.visitseqUuid });
    expect(await archive.count('audit_log', `visitseq_uuid = $1 AND action = 'purge'`, [sequence.visitseqUuid])).toBe(1);
    const { table } = await archive.table('query', { sql: `SELECT actor, action FROM audit_log WHERE audit_id = ${entries[0].auditId}` });
    expect(table.toArray().map((row) => row.toJSON())).toEqual([{ actor: 'operator', action: 'purge' }]);
  });
});
