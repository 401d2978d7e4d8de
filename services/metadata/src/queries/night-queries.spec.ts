import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { typeV1 } from '@visitsarch/contracts';
import { completed, create, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

const rows = async (method: 'queryNight' | 'prenightSims', request: Record<string, unknown>) => (await archive.table(method, request)).table.toArray().map((row) => row.toJSON());
const uuids = async (request: Record<string, unknown>) => (await rows('queryNight', request)).map((row) => row.visitseq_uuid);
const streamFailure = async (method: 'queryNight' | 'prenightSims', request: Record<string, unknown>) => {
  try {
    await archive.stream(method, request);
  } catch (error) {
    return error as { code: number; details: string };
  }
  throw new Error(`${method} succeeded`);
};

describe('QueryNight (the upstream sims_on_nights, every kind)', () => {
  it('finds the sequences covering every night of the range, with all the requested tags (upstream test_sims_on_nights)', async () => {
    const telescope = 'auxtel'; // this file's only auxtel sequences, on nights no other test of it covers
    const tag = randomUUID();
    const base = { firstDayObs: '2025-12-01', telescope, tags: [tag] };
    expect(await uuids({ ...base, lastDayObs: '2025-12-03' })).toEqual([]);
    const narrow = await create(archive, simulation({ telescope, firstDayObs: '2025-12-01', lastDayObs: '2025-12-03', creationTime: new Date('2025-11-30T20:00Z') }), [tag]);
    expect(await uuids({ ...base, lastDayObs: '20251203' })).toEqual([narrow.visitseqUuid]);
    expect(await uuids({ ...base, lastDayObs: '2025-12-03', tags: [tag, 'not-there'] })).toEqual([]);
    const wide = await create(archive, simulation({ telescope, firstDayObs: '2025-11-15', lastDayObs: '2025-12-30', creationTime: new Date('2025-11-30T21:00Z') }), [tag]);
    expect(await uuids({ ...base, lastDayObs: '2025-12-03' })).toEqual([wide.visitseqUuid, narrow.visitseqUuid]);
    expect(await uuids({ ...base, firstDayObs: '2025-12-10' })).toEqual([wide.visitseqUuid]);
    // A range only partly covered does not match.
    expect(await uuids({ ...base, firstDayObs: '2025-12-03', lastDayObs: '2025-12-04' })).toEqual([wide.visitseqUuid]);
    expect(await uuids({ ...base, telescope: 'simonyi' })).toEqual([]);
    // Empty tags means no tag filter (the upstream crashes here: `telescope = %` typo, defect 2).
    expect(await uuids({ firstDayObs: '2025-12-01', telescope })).toEqual([wide.visitseqUuid, narrow.visitseqUuid]);
    expect(await uuids({ ...base, earliestCreationTime: new Date('2025-11-30T20:30Z') })).toEqual([wide.visitseqUuid]);
  });

  it('considers completed and mixed sequences too, can select a kind, and returns the requested columns', async () => {
    const telescope = 'auxtel'; // this file's only auxtel sequences, on nights no other test of it covers
    const consdb = await create(archive, completed({ telescope, firstDayObs: '2025-10-01', lastDayObs: '2025-10-31', creationTime: new Date('2025-11-01T00:00Z') }));
    const sim = await create(
      archive,
      simulation({ telescope, firstDayObs: '2025-10-20', lastDayObs: '2025-10-22', creationTime: new Date('2025-11-02T00:00Z'), visitseqUrl: 'file:///s.h5' }, { parentVisitseqUuid: consdb.visitseqUuid }),
      ['b', 'a'],
      { files: [{ fileType: 'visits', fileSha256: sha256(), fileUrl: 'file:///s.h5' }, { fileType: 'rewards', fileSha256: sha256(), fileUrl: 'file:///r.h5' }] },
    );
    await archive.call('addComment', { visitseqUuid: sim.visitseqUuid, comment: 'first', author: 'me' });
    expect(await uuids({ firstDayObs: '2025-10-21', telescope })).toEqual([sim.visitseqUuid, consdb.visitseqUuid]);
    expect(await uuids({ firstDayObs: '2025-10-21', telescope, kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED })).toEqual([consdb.visitseqUuid]);
    const [row] = await rows('queryNight', { firstDayObs: '2025-10-21', telescope, columns: ['id', 'label', 'kind', 'url', 'parent_visitseq_uuid', 'tags', 'comments', 'files', 'query'] });
    expect(row).toMatchObject({ id: sim.visitseqUuid, label: sim.visitseqLabel, kind: 'simulation', url: 'file:///s.h5', parent_visitseq_uuid: consdb.visitseqUuid, query: null });
    expect(JSON.parse(row.tags)).toEqual(['a', 'b']);
    expect(JSON.parse(row.comments)).toEqual([{ comment_time: expect.stringMatching(/Z$/), author: 'me', comment: 'first' }]);
    expect(JSON.parse(row.files)).toEqual({ visits: 'file:///s.h5', rewards: 'file:///r.h5' });
    const narrow = await archive.table('queryNight', { firstDayObs: '2025-10-21', telescope, columns: ['id', 'label'] });
    expect(narrow.table.schema.fields.map((field) => field.name)).toEqual(['id', 'label', 'tags', 'comments']); // the spec: "plus tags and comments"
    const defaults = await archive.table('queryNight', { firstDayObs: '2025-10-21', telescope });
    expect(defaults.table.schema.fields.map((field) => field.name)).toEqual(['visitseq_uuid', 'visitseq_label', 'kind', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time', 'visitseq_url', 'tags', 'comments']);
    expect(defaults.messages[defaults.messages.length - 1].totalRows).toBe(2);
  });

  it('refuses bad requests with INVALID_ARGUMENT', async () => {
    expect((await streamFailure('queryNight', { firstDayObs: '', telescope: 'simonyi' })).code).toBe(status.INVALID_ARGUMENT);
    expect((await streamFailure('queryNight', { firstDayObs: '2025-10-21', telescope: '' })).code).toBe(status.INVALID_ARGUMENT);
    expect((await streamFailure('queryNight', { firstDayObs: '2025-10-21', lastDayObs: '2025-10-20', telescope: 'simonyi' })).code).toBe(status.INVALID_ARGUMENT);
    const unknown = await streamFailure('queryNight', { firstDayObs: '2025-10-21', telescope: 'simonyi', columns: ['visitseq_uuid', 'password'] });
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toMatch(/password/);
  });

  it('refuses a telescope no sequence is recorded for (a typo would look like a night without simulations), and finds one an imported sequence has', async () => {
    for (const method of ['queryNight', 'prenightSims'] as const) {
      const refused = await streamFailure(method, { firstDayObs: '2025-10-21', dayObs: '2025-10-21', telescope: 'Simonyi' });
      expect({ code: refused.code, details: refused.details }).toEqual({ code: status.INVALID_ARGUMENT, details: 'telescope must be one of simonyi, auxtel (no visit sequence is recorded for "Simonyi")' });
    }
    // The upstream's rows keep their telescope when imported (straight into the tables here).
    const uuid = randomUUID();
    await archive.sql.query(
      `INSERT INTO visitsarch.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'imported', 'lsstcam', '2025-10-21', '2025-10-21')`,
      [uuid, sha256()],
    );
    expect(await uuids({ firstDayObs: '2025-10-21', telescope: 'lsstcam' })).toEqual([uuid]);
  });
});

describe('PrenightSims', () => {
  it('lists the prenight simulations covering the night, newest first, with rewards, tags and that night’s statistics', async () => {
    const telescope = 'auxtel'; // this file's only auxtel sequences, on nights no other test of it covers
    const older = await create(archive, simulation({ telescope, firstDayObs: '2026-02-01', lastDayObs: '2026-02-03', creationTime: new Date('2026-01-31T20:00Z') }, { parentLastDayObs: '2026-01-31' }), ['prenight']);
    const newer = await create(archive, simulation({ telescope, firstDayObs: '2026-02-01', lastDayObs: '2026-02-03', creationTime: new Date('2026-01-31T22:00Z') }), ['prenight', 'nominal'], {
      files: [{ fileType: 'rewards', fileSha256: sha256(), fileUrl: 'file:///rewards.h5' }],
    });
    await create(archive, simulation({ telescope, firstDayObs: '2026-02-01', lastDayObs: '2026-02-03' }), ['other']);
    await create(archive, completed({ telescope, firstDayObs: '2026-02-01', lastDayObs: '2026-02-03' }), ['prenight']);
    await create(archive, simulation({ telescope, firstDayObs: '2026-02-02', lastDayObs: '2026-02-03' }), ['prenight']);
    const stat = { visitseqUuid: newer.visitseqUuid, dayObs: '2026-02-01', valueName: 'altitude', count: 3, mean: 60, std: 1, min: 59, p05: 59.1, q1: 59.5, median: 60, q3: 60.5, p95: 60.9, max: 61 };
    await archive.call('upsertNightlyStats', { stats: [{ ...stat, accumulated: false }, { ...stat, accumulated: true, count: 30, std: Number.NaN }, { ...stat, dayObs: '2026-02-02' }] });

    const result = await rows('prenightSims', { dayObs: '20260201', telescope });
    expect(result.map((row) => row.visitseq_uuid)).toEqual([newer.visitseqUuid, older.visitseqUuid]);
    expect(result[0]).toMatchObject({ visitseq_label: newer.visitseqLabel, telescope, rewards_url: 'file:///rewards.h5', parent_last_day_obs: null });
    expect(result[0].creation_time).toBe(Date.parse('2026-01-31T22:00Z'));
    expect(JSON.parse(result[0].tags)).toEqual(['nominal', 'prenight']);
    // Both accumulated variants are kept (upstream defect 15: they collided), NaN is written as null.
    expect(JSON.parse(result[0].nightly_stats)).toEqual([
      { value_name: 'altitude', accumulated: false, count: 3, mean: 60, std: 1, min: 59, p05: 59.1, q1: 59.5, median: 60, q3: 60.5, p95: 60.9, max: 61 },
      { value_name: 'altitude', accumulated: true, count: 30, mean: 60, std: null, min: 59, p05: 59.1, q1: 59.5, median: 60, q3: 60.5, p95: 60.9, max: 61 },
    ]);
    expect(result[1]).toMatchObject({ rewards_url: null, nightly_stats: '[]', parent_last_day_obs: Date.parse('2026-01-31') });
    expect((await rows('prenightSims', { dayObs: '2026-02-01', telescope, tags: ['nominal'] })).map((row) => row.visitseq_uuid)).toEqual([newer.visitseqUuid]);
    expect((await rows('prenightSims', { dayObs: '2026-02-01', telescope, earliestCreationTime: new Date('2026-01-31T21:00Z') })).map((row) => row.visitseq_uuid)).toEqual([newer.visitseqUuid]);
    expect(await rows('prenightSims', { dayObs: '2026-02-04', telescope })).toEqual([]);
    expect((await streamFailure('prenightSims', { dayObs: '2026-02-01', telescope: 'auxtel-none' })).code).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses a missing day_obs or telescope', async () => {
    expect((await streamFailure('prenightSims', { dayObs: '', telescope: 'simonyi' })).code).toBe(status.INVALID_ARGUMENT);
    expect((await streamFailure('prenightSims', { dayObs: '2026-02-30', telescope: 'simonyi' })).code).toBe(status.INVALID_ARGUMENT);
    expect((await streamFailure('prenightSims', { dayObs: '2026-02-01', telescope: '' })).code).toBe(status.INVALID_ARGUMENT);
  });
});
