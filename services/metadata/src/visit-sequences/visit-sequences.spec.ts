import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { googleRpc, typeV1 } from '@visitsarch/contracts';
import { REQUEST_FINGERPRINT_HEADER, REQUEST_ID_REUSED, requestFingerprint } from '@visitsarch/grpc-server';
import { completed, create, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

const Kind = typeV1.VisitSequenceKind;

describe('CreateVisitSequence and GetVisitSequence', () => {
  it('creates each kind with its own columns and returns it with its kind, tags and creation time', async () => {
    const parent = await create(archive, completed({ firstDayObs: '20261101', lastDayObs: '2026-11-30' }));
    expect(parent).toMatchObject({ kind: Kind.VISIT_SEQUENCE_KIND_COMPLETED, firstDayObs: '2026-11-01', lastDayObs: '2026-11-30', completed: { query: 'SELECT * FROM cdb_lsstcam.visit1' } });
    const sim = await create(
      archive,
      simulation({ visitseqUrl: 'file:///archive/v.h5', creationTime: new Date('2026-12-01T23:00:00.123Z') }, {
        configUrl: 'https://example.org/config.py',
        simRunnerArgs: { sim_duration: 3, keep_rewards: true, nested: { a: [1, 2] } },
        condaEnvSha256: sha256(),
        parentVisitseqUuid: parent.visitseqUuid,
        parentLastDayObs: '20261130',
      }),
      ['prenight', 'nominal', 'prenight'],
      { files: [{ fileType: 'visits', fileSha256: sha256(), fileSize: 1234, fileUrl: 'file:///archive/v.h5' }] },
    );
    expect(sim).toMatchObject({
      kind: Kind.VISIT_SEQUENCE_KIND_SIMULATION,
      tags: ['nominal', 'prenight'],
      visitseqUrl: 'file:///archive/v.h5',
      creationTime: new Date('2026-12-01T23:00:00.123Z'),
      simulation: { configUrl: 'https://example.org/config.py', simRunnerArgs: { sim_duration: 3, keep_rewards: true, nested: { a: [1, 2] } }, parentLastDayObs: '2026-11-30' },
    });
    const mixed = await create(archive, {
      ...simulation({ firstDayObs: '2026-11-01', lastDayObs: '2026-12-03' }),
      simulation: undefined,
      mixed: { lastEarlyDayObs: '2026-11-30', firstLateDayObs: '2026-12-01', earlyParentUuid: parent.visitseqUuid, lateParentUuid: sim.visitseqUuid },
    });
    expect(mixed.kind).toBe(Kind.VISIT_SEQUENCE_KIND_MIXED);
    const got = await archive.call('getVisitSequence', { visitseqUuid: mixed.visitseqUuid.toUpperCase() });
    expect(got.visitSequence).toEqual(mixed);
    expect(Math.abs(mixed.creationTime!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('answers NOT_FOUND for an unknown UUID and INVALID_ARGUMENT for a malformed one (upstream defect 8)', async () => {
    const missing = await archive.fail('getVisitSequence', { visitseqUuid: randomUUID() });
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.status?.details.map((any) => any.typeUrl)).toContain('type.googleapis.com/google.rpc.ResourceInfo');
    const malformed = await archive.fail('getVisitSequence', { visitseqUuid: 'not-a-uuid' });
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
    expect(malformed.violations).toEqual(['visitseq_uuid']);
  });

  it.each([
    ['no details', { ...simulation(), simulation: undefined }, 'visit_sequence.details'],
    ['a short hash', simulation({ visitseqSha256: Buffer.alloc(5) }), 'visit_sequence.visitseq_sha256'],
    ['no label', simulation({ visitseqLabel: '' }), 'visit_sequence.visitseq_label'],
    ['no telescope', simulation({ telescope: '' }), 'visit_sequence.telescope'],
    ['an unknown telescope', simulation({ telescope: 'hubble' }), 'visit_sequence.telescope'],
    ['a bad day_obs', simulation({ firstDayObs: '2026-13-01' }), 'visit_sequence.first_day_obs'],
    ['reversed nights', simulation({ firstDayObs: '2026-12-05', lastDayObs: '2026-12-01' }), 'visit_sequence.last_day_obs'],
    ['a bad parent_last_day_obs', simulation({}, { parentLastDayObs: 'yesterday' }), 'visit_sequence.simulation.parent_last_day_obs'],
    ['a url without a visits file', simulation({ visitseqUrl: 'file:///x.h5' }), 'files'],
  ])('refuses %s with INVALID_ARGUMENT naming the field, writing nothing', async (_case, sequence, field) => {
    const before = await archive.count('visitseq');
    const failure = await archive.fail('createVisitSequence', { visitSequence: sequence });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.violations).toEqual([field]);
    expect(await archive.count('visitseq')).toBe(before);
  });

  it('refuses a mixed sequence whose parts overlap or whose parents do not exist', async () => {
    const parent = await create(archive);
    const mixed = (details: Record<string, string>) => ({
      ...simulation(),
      simulation: undefined,
      mixed: { lastEarlyDayObs: '2026-12-01', firstLateDayObs: '2026-12-02', earlyParentUuid: parent.visitseqUuid, lateParentUuid: parent.visitseqUuid, ...details },
    });
    expect((await archive.fail('createVisitSequence', { visitSequence: mixed({ firstLateDayObs: '2026-12-01' }) })).violations).toEqual(['visit_sequence.mixed.first_late_day_obs']);
    expect((await archive.fail('createVisitSequence', { visitSequence: mixed({ lateParentUuid: randomUUID() }) })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('createVisitSequence', { visitSequence: { ...mixed({}), mixed: { lastEarlyDayObs: '2026-12-01' } } })).code).toBe(status.INVALID_ARGUMENT);
  });

  it('creates the sequence, its tags and files in one transaction (upstream defect 9)', async () => {
    const uuid = randomUUID();
    const before = await Promise.all(['visitseq', 'tags', 'files'].map((table) => archive.count(table)));
    // The second file repeats a type: nothing at all may be written.
    const failure = await archive.fail('createVisitSequence', {
      visitSequence: simulation({ visitseqUuid: uuid }),
      tags: ['a'],
      files: [
        { fileType: 'rewards', fileSha256: sha256() },
        { fileType: 'rewards', fileSha256: sha256() },
      ],
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    // A parent that does not exist fails inside the transaction, after validation.
    const parentMissing = await archive.fail('createVisitSequence', { visitSequence: simulation({ visitseqUuid: uuid }, { parentVisitseqUuid: randomUUID() }), tags: ['a'] });
    expect(parentMissing.code).toBe(status.NOT_FOUND);
    expect(await Promise.all(['visitseq', 'tags', 'files'].map((table) => archive.count(table)))).toEqual(before);
  });

  it('refuses a supplied UUID already used by a sequence of any kind with ALREADY_EXISTS', async () => {
    const first = await create(archive, completed());
    const failure = await archive.fail('createVisitSequence', { visitSequence: simulation({ visitseqUuid: first.visitseqUuid }) });
    expect(failure.code).toBe(status.ALREADY_EXISTS);
    expect(await archive.count('visitseq', 'visitseq_uuid = $1', [first.visitseqUuid])).toBe(1);
  });

  it('returns the original sequence when a request is retried with its request_id, even concurrently', async () => {
    const requestId = randomUUID();
    const sequence = simulation();
    const responses = await Promise.all(Array.from({ length: 8 }, () => archive.call('createVisitSequence', { visitSequence: sequence, requestId, tags: ['retried'] })));
    expect(new Set(responses.map((response) => response.visitSequence!.visitseqUuid)).size).toBe(1);
    expect(await archive.count('visitseq', 'visitseq_label = $1', [sequence.visitseqLabel])).toBe(1);
  });

  describe('a request_id reused for a different request (AIP-155)', () => {
    const createWith = (visitSequence: ReturnType<typeof simulation>, requestId: string, extra?: Record<string, string>) =>
      archive.call('createVisitSequence', { visitSequence, requestId, tags: ['retried'] }, extra);
    const expectReused = (failure: Awaited<ReturnType<typeof archive.fail>>, requestId: string) => {
      expect(failure.code).toBe(status.ALREADY_EXISTS);
      expect(failure.details).toContain(`request_id ${requestId} was already used for a different request; use a new request_id`);
      const info = failure.status!.details.find((any) => any.typeUrl.endsWith('google.rpc.ErrorInfo'))!;
      expect(googleRpc.ErrorInfo.decode(info.value).reason).toBe(REQUEST_ID_REUSED);
    };

    it('fails with ALREADY_EXISTS and writes nothing; the same request still replays', async () => {
      const requestId = randomUUID();
      const sequence = simulation();
      const first = await createWith(sequence, requestId);
      expect((await createWith({ ...sequence }, requestId)).visitSequence!.visitseqUuid).toBe(first.visitSequence!.visitseqUuid);
      const before = await archive.count('visitseq');
      for (const different of [{ ...sequence, visitseqLabel: `${sequence.visitseqLabel} (other)` }, simulation()]) {
        expectReused(await archive.fail('createVisitSequence', { visitSequence: different, requestId, tags: ['retried'] }), requestId);
      }
      expectReused(await archive.fail('createVisitSequence', { visitSequence: sequence, requestId, tags: ['other tag'] }), requestId);
      expect(await archive.count('visitseq')).toBe(before);
      // The id is kept per method: RegisterFile may use it for a request of its own.
      const file = { visitseqUuid: first.visitSequence!.visitseqUuid, fileType: 'notes', fileSha256: sha256(), fileSize: 1, fileUrl: 'file:///archive/notes.txt' };
      expect((await archive.call('registerFile', { file, requestId })).file!.fileType).toBe('notes');
    });

    it('lets one of two different requests racing with one id win; the other fails', async () => {
      const requestId = randomUUID();
      const [a, b] = [simulation(), simulation()];
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => createWith(index % 2 ? a : b, requestId)));
      const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value.visitSequence!);
      const failed = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected').map((outcome) => outcome.reason);
      expect(succeeded).toHaveLength(4);
      expect(new Set(succeeded.map((sequence) => sequence.visitseqUuid)).size).toBe(1);
      expect(new Set(succeeded.map((sequence) => sequence.visitseqLabel)).size).toBe(1);
      expect(failed.map((failure) => failure.code)).toEqual([status.ALREADY_EXISTS, status.ALREADY_EXISTS, status.ALREADY_EXISTS, status.ALREADY_EXISTS]);
      expect(await archive.count('visitseq', 'visitseq_label IN ($1, $2)', [a.visitseqLabel, b.visitseqLabel])).toBe(1);
    });

    it('replays concurrent attempts that name the same new UUID, as the gateway does (the loser fails on it before the id)', async () => {
      const requestId = randomUUID();
      const sequence = simulation({ visitseqUuid: randomUUID() });
      const responses = await Promise.all(Array.from({ length: 6 }, () => createWith(sequence, requestId)));
      expect(new Set(responses.map((response) => response.visitSequence!.visitseqUuid))).toEqual(new Set([sequence.visitseqUuid]));
      const other = await Promise.allSettled([createWith(sequence, randomUUID()), createWith(simulation({ visitseqUuid: sequence.visitseqUuid }), requestId)]);
      expect(other.map((outcome) => (outcome.status === 'rejected' ? outcome.reason.details : 'created'))).toEqual([
        expect.stringMatching(/already exists/),
        expect.stringMatching(/already used for a different request/),
      ]);
    });

    it('replays an id recorded before fingerprints were kept, whatever the retry asks', async () => {
      const requestId = randomUUID();
      const first = await createWith(simulation(), requestId);
      const { rowCount } = await archive.sql.query('UPDATE idempotent_requests SET request_fingerprint = NULL WHERE request_id = $1', [requestId]);
      expect(rowCount).toBe(1);
      expect((await createWith(simulation(), requestId)).visitSequence).toEqual(first.visitSequence);
    });

    it("compares the fingerprint the gateway sends for its client's request instead of the record's own", async () => {
      const requestId = randomUUID();
      const client = { [REQUEST_FINGERPRINT_HEADER]: requestFingerprint({ label: 'the client request', requestId }) };
      const first = await createWith(simulation({ creationTime: new Date('2026-12-01T00:00:00Z') }), requestId, client);
      // Another attempt of the same client request derives another creation time: still a retry.
      const again = await createWith(simulation({ creationTime: new Date('2026-12-01T00:00:05Z') }), requestId, client);
      expect(again.visitSequence!.visitseqUuid).toBe(first.visitSequence!.visitseqUuid);
      const other = { [REQUEST_FINGERPRINT_HEADER]: requestFingerprint({ label: 'another client request' }) };
      expectReused(await archive.fail('createVisitSequence', { visitSequence: simulation(), requestId, tags: ['retried'] }, other), requestId);
      const malformed = await archive.fail('createVisitSequence', { visitSequence: simulation(), requestId: randomUUID() }, { [REQUEST_FINGERPRINT_HEADER]: 'not a digest' });
      expect(malformed.code).toBe(status.INVALID_ARGUMENT);
    });
  });

  it('stores creation times as instants and day_obs as dates, whatever the server time zone', async () => {
    const sequence = await create(archive, simulation({ creationTime: new Date('2026-06-30T23:59:59.999Z'), firstDayObs: '20260630', lastDayObs: '2026-07-01' }));
    const { rows } = await archive.sql.query(
      `SELECT creation_time AT TIME ZONE 'UTC' AS utc, first_day_obs::text AS first, last_day_obs::text AS last FROM visitseq WHERE visitseq_uuid = $1`,
      [sequence.visitseqUuid],
    );
    expect(rows[0].first).toBe('2026-06-30');
    expect(rows[0].last).toBe('2026-07-01');
    const utc = await archive.sql.query(`SELECT to_char(creation_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS t FROM visitseq WHERE visitseq_uuid = $1`, [sequence.visitseqUuid]);
    expect(utc.rows[0].t).toBe('2026-06-30 23:59:59.999');
    expect(sequence.creationTime).toEqual(new Date('2026-06-30T23:59:59.999Z'));
  });
});

describe('ListVisitSequences', () => {
  const telescope = 'auxtel'; // this file's only auxtel sequences: the filter isolates them
  const made: Record<string, string> = {};
  beforeAll(async () => {
    const at = (day: number) => new Date(Date.UTC(2027, 0, day, 12));
    made.a = (await create(archive, simulation({ telescope, visitseqLabel: 'Alpha run', firstDayObs: '2027-01-01', lastDayObs: '2027-01-10', creationTime: at(1) }), ['x', 'y'])).visitseqUuid;
    made.b = (await create(archive, simulation({ telescope, visitseqLabel: 'beta RUN', firstDayObs: '2027-01-05', lastDayObs: '2027-01-06', creationTime: at(2) }), ['x'])).visitseqUuid;
    made.c = (await create(archive, completed({ telescope, visitseqLabel: 'gamma', firstDayObs: '2027-01-01', lastDayObs: '2027-01-31', creationTime: at(3) }), ['y'])).visitseqUuid;
    made.d = (await create(archive, simulation({ telescope, visitseqLabel: 'delta', firstDayObs: '2027-01-01', lastDayObs: '2027-01-02', creationTime: at(3) }))).visitseqUuid;
  });
  const list = async (filters: Record<string, unknown>) =>
    (await archive.call('listVisitSequences', { telescope, ...filters })).visitSequences.map((sequence) => Object.entries(made).find(([, uuid]) => uuid === sequence.visitseqUuid)?.[0]);

  it('filters by kind, tags (all-of and any-of), label, coverage and creation time, newest first by default', async () => {
    expect((await list({})).slice(2)).toEqual(['b', 'a']);
    expect(new Set((await list({})).slice(0, 2))).toEqual(new Set(['c', 'd']));
    expect(await list({ kind: Kind.VISIT_SEQUENCE_KIND_COMPLETED })).toEqual(['c']);
    expect(await list({ tagsAll: ['x', 'y'] })).toEqual(['a']);
    expect(new Set(await list({ tagsAny: ['y', 'nope'] }))).toEqual(new Set(['a', 'c']));
    expect(await list({ labelContains: 'run', orderBy: 'visitseq_label' })).toEqual(['a', 'b']);
    expect(new Set(await list({ covers: { firstDayObs: '20270105', lastDayObs: '2027-01-06' } }))).toEqual(new Set(['a', 'b', 'c']));
    expect(await list({ covers: { lastDayObs: '2027-01-09' } })).toEqual(['c', 'a']);
    expect(await list({ covers: { firstDayObs: '2027-01-04' }, orderBy: 'visitseq_label' })).toEqual(['a', 'd', 'c']);
    expect(await list({ creationTimeStart: new Date(Date.UTC(2027, 0, 2, 12)), creationTimeEnd: new Date(Date.UTC(2027, 0, 3, 0)) })).toEqual(['b']);
    expect(await list({ orderBy: 'first_day_obs desc, visitseq_label' })).toEqual(['b', 'a', 'd', 'c']);
  });

  it('pages with opaque tokens bound to the filters', async () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await archive.call('listVisitSequences', { telescope, orderBy: 'visitseq_label desc', pageSize: 1, pageToken });
      seen.push(...page.visitSequences.map((sequence) => sequence.visitseqUuid));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([made.c, made.d, made.b, made.a]);
    const first = await archive.call('listVisitSequences', { telescope, pageSize: 2 });
    const changed = await archive.fail('listVisitSequences', { telescope, tagsAll: ['x'], pageSize: 2, pageToken: first.nextPageToken });
    expect(changed.code).toBe(status.INVALID_ARGUMENT);
    expect(changed.violations).toEqual(['page_token']);
    expect((await archive.fail('listVisitSequences', { pageToken: 'garbage' })).violations).toEqual(['page_token']);
    expect((await archive.fail('listVisitSequences', { orderBy: 'telescope sideways' })).violations).toEqual(['order_by']);
    expect((await archive.fail('listVisitSequences', { covers: { firstDayObs: '2027-01-05', lastDayObs: '2027-01-01' } })).violations).toEqual(['covers.last_day_obs']);
  });
});

describe('UpdateVisitSequence', () => {
  it('updates the fields named by the mask, and only those', async () => {
    const sequence = await create(archive, simulation({ visitseqLabel: 'before' }, { configUrl: 'https://a' }));
    const { visitSequence } = await archive.call('updateVisitSequence', {
      visitSequence: { ...sequence, visitseqLabel: 'after', telescope: 'auxtel', firstDayObs: '20261130', simulation: { configUrl: 'https://b', schedulerVersion: 'ignored' } },
      updateMask: { paths: ['visitseq_label', 'first_day_obs', 'simulation.config_url'] },
    });
    expect(visitSequence).toMatchObject({ visitseqLabel: 'after', telescope: 'simonyi', firstDayObs: '2026-11-30', simulation: { configUrl: 'https://b', schedulerVersion: '3.18.1' } });
  });

  it('refuses a telescope other than simonyi and auxtel, as CreateVisitSequence does', async () => {
    const sequence = await create(archive, simulation({ visitseqLabel: 'telescope typo' }));
    const failure = await archive.fail('updateVisitSequence', { visitSequence: { ...sequence, telescope: 'simoyni' }, updateMask: { paths: ['telescope'] } });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.violations).toEqual(['visit_sequence.telescope']);
    const { visitSequence } = await archive.call('updateVisitSequence', { visitSequence: { ...sequence, telescope: 'auxtel' }, updateMask: { paths: ['telescope'] } });
    expect(visitSequence!.telescope).toBe('auxtel');
    await archive.call('deleteVisitSequence', { visitseqUuid: sequence.visitseqUuid }); // not among the list tests' auxtel sequences
  });

  it('clears the URL (the record outlives the deleted visits) and keeps the visits file record in step', async () => {
    const sequence = await create(archive, simulation({ visitseqUrl: 'file:///v.h5' }), [], { files: [{ fileType: 'visits', fileSha256: sha256(), fileSize: 1, fileUrl: 'file:///v.h5' }] });
    const { visitSequence } = await archive.call('updateVisitSequence', { visitSequence: { visitseqUuid: sequence.visitseqUuid }, updateMask: { paths: ['visitseq_url'] } });
    expect(visitSequence!.visitseqUrl).toBeUndefined();
    const { file } = await archive.call('getFile', { visitseqUuid: sequence.visitseqUuid, fileType: 'visits' });
    expect(file!.fileUrl).toBeUndefined();
  });

  it.each([
    [['no_such_field'], 'update_mask'],
    [['simulation.no_such_column'], 'update_mask'],
    [['completed.query'], 'update_mask'],
    [['visitseq_uuid'], 'update_mask'],
    [['visitseq_label'], 'visit_sequence.visitseq_label'],
    [[], 'update_mask'],
  ])('refuses the mask %j with INVALID_ARGUMENT naming %s, changing nothing', async (paths, field) => {
    const sequence = await create(archive);
    const failure = await archive.fail('updateVisitSequence', { visitSequence: { visitseqUuid: sequence.visitseqUuid, visitseqLabel: '' }, updateMask: { paths } });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.violations).toEqual([field]);
    expect((await archive.call('getVisitSequence', { visitseqUuid: sequence.visitseqUuid })).visitSequence).toEqual(sequence);
  });

  it('refuses reversed nights and unknown parents, and answers NOT_FOUND for an unknown sequence', async () => {
    const sequence = await create(archive);
    const reversed = await archive.fail('updateVisitSequence', { visitSequence: { visitseqUuid: sequence.visitseqUuid, lastDayObs: '2020-01-01' }, updateMask: { paths: ['last_day_obs'] } });
    expect(reversed.violations).toEqual(['visit_sequence.last_day_obs']);
    const parent = await archive.fail('updateVisitSequence', {
      visitSequence: { visitseqUuid: sequence.visitseqUuid, simulation: { parentVisitseqUuid: randomUUID() } },
      updateMask: { paths: ['simulation.parent_visitseq_uuid'] },
    });
    expect(parent.code).toBe(status.NOT_FOUND);
    const unknown = await archive.fail('updateVisitSequence', { visitSequence: { visitseqUuid: randomUUID(), visitseqLabel: 'x' }, updateMask: { paths: ['visitseq_label'] } });
    expect(unknown.code).toBe(status.NOT_FOUND);
  });
});

describe('DeleteVisitSequence', () => {
  it('deletes the record and everything hanging off it, returning the blob URLs', async () => {
    const sequence = await create(archive, simulation({ visitseqUrl: 'file:///d/v.h5' }), ['t'], {
      files: [
        { fileType: 'visits', fileSha256: sha256(), fileUrl: 'file:///d/v.h5' },
        { fileType: 'rewards', fileSha256: sha256(), fileUrl: 'file:///d/r.h5' },
      ],
    });
    await archive.call('addComment', { visitseqUuid: sequence.visitseqUuid, comment: 'soon gone' });
    const response = await archive.call('deleteVisitSequence', { visitseqUuid: sequence.visitseqUuid });
    expect(response.blobUrls).toEqual(['file:///d/r.h5', 'file:///d/v.h5']);
    expect(response.visitSequence!.visitseqUuid).toBe(sequence.visitseqUuid);
    for (const table of ['visitseq', 'tags', 'comments', 'files']) expect(await archive.count(table, 'visitseq_uuid = $1', [sequence.visitseqUuid])).toBe(0);
    expect((await archive.fail('deleteVisitSequence', { visitseqUuid: sequence.visitseqUuid })).code).toBe(status.NOT_FOUND);
    expect(await archive.call('deleteVisitSequence', { visitseqUuid: sequence.visitseqUuid, allowMissing: true })).toMatchObject({ blobUrls: [] });
  });

  it('refuses to delete a parent unless forced', async () => {
    const parent = await create(archive, completed());
    const child = await create(archive, simulation({}, { parentVisitseqUuid: parent.visitseqUuid }));
    const failure = await archive.fail('deleteVisitSequence', { visitseqUuid: parent.visitseqUuid });
    expect(failure.code).toBe(status.FAILED_PRECONDITION);
    expect(await archive.count('visitseq', 'visitseq_uuid = $1', [parent.visitseqUuid])).toBe(1);
    await archive.call('deleteVisitSequence', { visitseqUuid: parent.visitseqUuid, force: true });
    const { visitSequence } = await archive.call('getVisitSequence', { visitseqUuid: child.visitseqUuid });
    expect(visitSequence!.simulation!.parentVisitseqUuid).toBe(parent.visitseqUuid);
  });
});
