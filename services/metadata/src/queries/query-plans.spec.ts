import { metadataV1, typeV1 } from '@visitsarch/contracts';
import { Archive } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';
import { listStatement } from '../visit-sequences/visit-sequences.service';
import { prenightSimsStatement, queryNightStatement, Statement } from './queries.service';
import { cursorTransaction } from './sql-stream';

/**
 * The plans of the archive's own reads (issue #19; docs/data-model.md, "Indexes and statistics"):
 * on a few thousand sequences spread over three years, each call's statement, planned as the
 * service runs it (a plain statement with its parameters), reads the index made for it and never
 * every sequence.
 */
jest.setTimeout(180_000);

const NIGHT = '2025-06-15';
const SIMULATIONS = 5400;

/** Sequences over 1,096 nights from 2024-01-01 (most 1–3 nights long, some weeks, a few years), about 1 % covering NIGHT. */
async function load(archive: Archive): Promise<void> {
  const common = (table: string, count: number, seed: number, length: string) => `
    INSERT INTO ${table} (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs, creation_time)
    SELECT sha256(('${table} ' || i)::bytea), '${table} #' || i, CASE WHEN i % 7 = 0 THEN 'auxtel' ELSE 'simonyi' END,
           first, first + (${length}), first - 1 + make_interval(hours => 20, secs => i)
    FROM generate_series(1, ${count}) AS i, LATERAL (SELECT date '2024-01-01' + (i * ${seed}) % 1096 AS first) AS f`;
  await archive.sql.query(common('simulations', SIMULATIONS, 7919, `CASE WHEN i % 20 = 0 THEN 7 + i % 40 WHEN i % 500 = 0 THEN 400 ELSE i % 3 END`));
  await archive.sql.query(common('completed', 1500, 104_729, 'i % 30'));
  await archive.sql.query(`
    INSERT INTO mixedvisitseqs (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs, creation_time, last_early_day_obs, first_late_day_obs)
    SELECT sha256(('mixed ' || i)::bytea), 'mixed #' || i, 'simonyi', first, first + 5, first + 6, first + 2, first + 3
    FROM generate_series(1, 1500) AS i, LATERAL (SELECT date '2024-01-01' + (i * 31) % 1096 AS first) AS f`);
  // The edges: sequences ending on the night, starting on it, ending the night before, starting the night after.
  await archive.sql.query(`
    INSERT INTO simulations (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs)
    VALUES (sha256('a'), 'ends on the night', 'simonyi', date '${NIGHT}' - 2, '${NIGHT}'),
           (sha256('b'), 'starts on the night', 'simonyi', '${NIGHT}', date '${NIGHT}' + 2),
           (sha256('c'), 'only the night', 'simonyi', '${NIGHT}', '${NIGHT}'),
           (sha256('d'), 'ends the night before', 'simonyi', date '${NIGHT}' - 2, date '${NIGHT}' - 1),
           (sha256('e'), 'starts the night after', 'simonyi', date '${NIGHT}' + 1, date '${NIGHT}' + 2)`);
  await archive.sql.query(`INSERT INTO tags (visitseq_uuid, tag) SELECT visitseq_uuid, 'prenight' FROM simulations WHERE last_day_obs - first_day_obs < 3`);
  await archive.sql.query('ANALYZE');
}

const archive = specArchive({}, load);

/** The plan of `statement` with its parameters, as the service runs it. */
async function plan({ sql, params }: Statement): Promise<string> {
  const { rows } = await archive.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** A scan of every row of a table that holds sequences. */
const FULL_SCAN = /Seq Scan on (simulations|completed|mixedvisitseqs)\b/;

const night = (overrides: Partial<metadataV1.QueryNightRequest> = {}): metadataV1.QueryNightRequest => ({
  firstDayObs: NIGHT,
  lastDayObs: '',
  telescope: 'simonyi',
  tags: [],
  columns: [],
  kind: 0,
  ...overrides,
});

const list = (overrides: Partial<metadataV1.ListVisitSequencesRequest> = {}): metadataV1.ListVisitSequencesRequest => ({
  kind: 0,
  telescope: '',
  tagsAll: [],
  tagsAny: [],
  labelContains: '',
  orderBy: 'creation_time desc',
  pageSize: 20,
  pageToken: '',
  ...overrides,
});

describe('the plans of QueryNight, PrenightSims, ListVisitSequences and Query', () => {
  it('finds the sequences covering a night through the covered-nights indexes, never by reading every sequence', async () => {
    for (const request of [night(), night({ lastDayObs: '2025-06-16' }), night({ tags: ['prenight'] }), night({ earliestCreationTime: new Date('2025-01-01T00:00Z') })]) {
      const explained = await plan(queryNightStatement(request));
      expect(explained).toContain('simulations_covered_nights');
      expect(explained).toContain('completed_covered_nights');
      expect(explained).toContain('mixedvisitseqs_covered_nights');
      expect(explained).not.toMatch(FULL_SCAN);
      // Not walking the creation-time index through every sequence, filtering, to save a sort of a thousand rows.
      expect(explained).not.toMatch(/_newest/);
    }
    const ofKind = await plan(queryNightStatement(night({ kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED })));
    expect(ofKind).toContain('completed_covered_nights');
    expect(ofKind).not.toMatch(/simulations|mixedvisitseqs/);
  });

  it('returns what the plain conditions on first_day_obs and last_day_obs select', async () => {
    const expected = await archive.sql.query<{ visitseq_uuid: string }>(
      `SELECT visitseq_uuid FROM visitseq WHERE telescope = 'simonyi' AND first_day_obs <= $1 AND last_day_obs >= $1 ORDER BY creation_time DESC, visitseq_uuid`,
      [NIGHT],
    );
    expect(expected.rows.length).toBeGreaterThan(20);
    expect(expected.rows.length).toBeLessThan(SIMULATIONS / 20); // a night is a small part of the archive
    const { table } = await archive.table('queryNight', night());
    expect(table.toArray().map((row) => row.toJSON().visitseq_uuid)).toEqual(expected.rows.map((row) => row.visitseq_uuid));
    const labels = table.toArray().map((row) => row.toJSON().visitseq_label);
    expect(labels).toEqual(expect.arrayContaining(['ends on the night', 'starts on the night', 'only the night']));
    expect(labels).not.toContain('ends the night before');
    expect(labels).not.toContain('starts the night after');
  });

  it('finds the pre-night simulations of a night through the covered-nights index of simulations', async () => {
    const explained = await plan(prenightSimsStatement({ dayObs: NIGHT, telescope: 'simonyi', tags: [] }));
    expect(explained).toContain('simulations_covered_nights');
    expect(explained).not.toMatch(FULL_SCAN);
  });

  it('plans the cursor of free SQL for all its rows, as a plain query is planned', async () => {
    // At PostgreSQL's default of 0.1 a cursor is planned for its first tenth: an ORDER BY then walks
    // an index through every row rather than sorting the few a selective index finds.
    const { table } = await archive.table('query', { sql: "SELECT current_setting('cursor_tuple_fraction') AS fraction" });
    expect(table.toArray().map((row) => row.toJSON().fraction)).toEqual(['1']);
    const client = await archive.sql.connect();
    try {
      await client.query(cursorTransaction(60_000));
      const { sql, params } = queryNightStatement(night());
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN DECLARE plan_check NO SCROLL CURSOR FOR ${sql}`, params);
      const explained = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(explained).toContain('simulations_covered_nights');
      expect(explained).not.toMatch(/_newest/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('reads the first page of a list from the order’s indexes, without sorting every sequence', async () => {
    for (const [request, index] of [
      [list(), '_newest'],
      [list({ orderBy: 'visitseq_label' }), '_label_order'],
      [list({ orderBy: 'last_day_obs desc' }), '_last_day_obs_order'],
    ] as const) {
      const { sql, params } = listStatement(request);
      const explained = await plan({ sql, params });
      for (const table of ['simulations', 'completed', 'mixedvisitseqs']) expect(explained).toContain(`${table}${index}`);
      expect(explained).not.toMatch(FULL_SCAN);
      expect(explained).not.toMatch(/(^|->)\s*Sort\s+\(cost/m);
    }
  });

  it('lists the sequences of a rare tag from the tags, not by checking every sequence in order', async () => {
    // No sequence is tagged nominal here: one condition per tag lets the planner see it.
    const explained = await plan(listStatement(list({ tagsAll: ['prenight', 'nominal'] })));
    expect(explained).toContain('tags_tag');
    expect(explained).not.toMatch(FULL_SCAN);
    expect(explained).not.toMatch(/_newest/);
  });
});
