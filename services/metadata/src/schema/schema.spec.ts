import { randomUUID } from 'node:crypto';
import { TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { metadataService } from '../service';
import { create, SERVER_TIME_ZONE, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';
import { QUERY_ROLE_READS } from './query-role';

jest.setTimeout(120_000);

const archive = specArchive();

const insertSequence = (table: string, uuid: string) =>
  archive.sql.query(
    `INSERT INTO ${table} (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'x', 'simonyi', '2026-01-01', '2026-01-02')`,
    [uuid, sha256()],
  );

describe('the schema as migrated', () => {
  it('has every table and view of the specification, under the names it uses', async () => {
    const { rows } = await archive.sql.query(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'visitsarch'`);
    const names = rows.map((row) => row.table_name);
    for (const name of ['visitseq', 'simulations', 'completed', 'mixedvisitseqs', 'tags', 'comments', 'files', 'condaenv', 'nightly_stats', 'maf_metrics', 'maf_summary_metrics', 'maf_metric_sets', 'maf_healpix_stats']) {
      expect(names).toContain(name);
    }
    for (const view of ['visitsextra', 'simulations_extra', 'conda_packages', 'simulation_packages', 'maf_summary']) {
      expect(rows.find((row) => row.table_name === view)?.table_type).toBe('VIEW');
    }
    const columns = await archive.sql.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'visitsarch' AND table_name = 'simulations'`);
    expect(Object.fromEntries(columns.rows.map((row) => [row.column_name, row.data_type]))).toMatchObject({
      visitseq_uuid: 'uuid',
      visitseq_sha256: 'bytea',
      first_day_obs: 'date',
      creation_time: 'timestamp with time zone',
      sim_runner_args: 'jsonb',
      conda_env_sha256: 'bytea',
      parent_last_day_obs: 'date',
    });
  });

  it("runs the specification's example as written", async () => {
    const tagged = await create(archive, simulation(), ['mytest1']);
    await create(archive, simulation(), ['other']);
    const { rows } = await archive.sql.query(`SELECT * FROM visitsextra WHERE tags ? 'mytest1'`);
    expect(rows.map((row) => row.visitseq_uuid)).toEqual([tagged.visitseqUuid]);
    expect(rows[0].tags).toEqual(['mytest1']);
  });

  it('sees every kind through the parent visitseq table', async () => {
    const uuids = [randomUUID(), randomUUID(), randomUUID()];
    await insertSequence('simulations', uuids[0]);
    await insertSequence('completed', uuids[1]);
    await archive.sql.query(
      `INSERT INTO mixedvisitseqs (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs, last_early_day_obs, first_late_day_obs)
       VALUES ($1, $2, 'm', 'simonyi', '2026-01-01', '2026-01-03', '2026-01-01', '2026-01-02')`,
      [uuids[2], sha256()],
    );
    const { rows } = await archive.sql.query('SELECT visitseq_uuid FROM visitseq WHERE visitseq_uuid = ANY($1::uuid[])', [uuids]);
    expect(rows).toHaveLength(3);
  });

  it('makes a UUID unique across all kinds (the upstream enforces it per table only)', async () => {
    const uuid = randomUUID();
    await insertSequence('simulations', uuid);
    for (const table of ['completed', 'visitseq', 'simulations']) {
      await expect(insertSequence(table, uuid)).rejects.toMatchObject({ code: '23505', constraint: 'visitseq_registry_pkey' });
    }
    expect(await archive.count('visitseq', 'visitseq_uuid = $1', [uuid])).toBe(1);
  });

  it('refuses tags, comments, files, statistics and MAF values of a sequence that does not exist', async () => {
    const ghost = randomUUID();
    await archive.sql.query(`INSERT INTO maf_metrics (maf_metric_name) VALUES ('ghost metric') ON CONFLICT DO NOTHING`);
    const attempts = [
      [`INSERT INTO tags (visitseq_uuid, tag) VALUES ($1, 'x')`, [ghost]],
      [`INSERT INTO comments (visitseq_uuid, comment) VALUES ($1, 'x')`, [ghost]],
      [`INSERT INTO files (visitseq_uuid, file_type, file_sha256) VALUES ($1, 'rewards', $2)`, [ghost, sha256()]],
      [`INSERT INTO nightly_stats (visitseq_uuid, day_obs, value_name, accumulated) VALUES ($1, '2026-01-01', 'altitude', false)`, [ghost]],
      [`INSERT INTO maf_summary_metrics (visitseq_uuid, maf_metric_name, day_obs, accumulated) VALUES ($1, 'ghost metric', '2026-01-01', false)`, [ghost]],
      [`INSERT INTO maf_healpix_stats (visitseq_uuid, maf_metric_name, day_obs, accumulated, nside) VALUES ($1, 'ghost metric', '2026-01-01', false, 64)`, [ghost]],
    ] as const;
    for (const [sql, params] of attempts) await expect(archive.sql.query(sql, [...params])).rejects.toMatchObject({ code: '23503' });
  });

  it('keeps one row per tag and sequence', async () => {
    const sequence = await create(archive);
    await archive.sql.query(`INSERT INTO tags VALUES ($1, 'once')`, [sequence.visitseqUuid]);
    await expect(archive.sql.query(`INSERT INTO tags VALUES ($1, 'once')`, [sequence.visitseqUuid])).rejects.toMatchObject({ code: '23505' });
  });

  it('never lets a UUID change, and deleting a sequence of any kind removes what hangs off it', async () => {
    const sequence = await create(archive, simulation(), ['doomed']);
    await archive.sql.query(`INSERT INTO comments (visitseq_uuid, comment) VALUES ($1, 'bye')`, [sequence.visitseqUuid]);
    await expect(archive.sql.query('UPDATE visitseq SET visitseq_uuid = $2 WHERE visitseq_uuid = $1', [sequence.visitseqUuid, randomUUID()])).rejects.toThrow(/cannot change/);
    await archive.sql.query('DELETE FROM visitseq WHERE visitseq_uuid = $1', [sequence.visitseqUuid]);
    expect(await archive.count('visitseq_registry', 'visitseq_uuid = $1', [sequence.visitseqUuid])).toBe(0);
    expect(await archive.count('tags', 'visitseq_uuid = $1', [sequence.visitseqUuid])).toBe(0);
    expect(await archive.count('comments', 'visitseq_uuid = $1', [sequence.visitseqUuid])).toBe(0);
  });

  it('checks what the specification requires: NOT NULL day_obs, ordered nights, 32-byte hashes', async () => {
    const bad = [
      `INSERT INTO simulations (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, 'x', 'simonyi', NULL, '2026-01-01')`,
      `INSERT INTO simulations (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, 'x', 'simonyi', '2026-01-02', '2026-01-01')`,
      `INSERT INTO simulations (visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES (substring($1::bytea from 1 for 5), 'x', 'simonyi', '2026-01-01', '2026-01-01')`,
    ];
    const before = await archive.count('visitseq_registry');
    for (const sql of bad) await expect(archive.sql.query(sql, [sha256()])).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });
    expect(await archive.count('visitseq_registry')).toBe(before);
  });

  it('computes the day_obs of an instant at UTC-12 whatever the session TimeZone (upstream defect 10)', async () => {
    // 2026-12-02T11:30Z is still day_obs 2026-12-01; in Pacific/Chatham it is already 2026-12-03 local time.
    const sequence = await create(archive, simulation({ creationTime: new Date('2026-12-02T11:30:00Z') }));
    const { rows } = await archive.sql.query(`SELECT current_setting('TimeZone') AS tz, sim_creation_day_obs::text AS day FROM simulations_extra WHERE visitseq_uuid = $1`, [
      sequence.visitseqUuid,
    ]);
    expect(rows[0]).toEqual({ tz: SERVER_TIME_ZONE, day: '2026-12-01' });
  });

  it('migrates idempotently: a second start of the service on the same database changes nothing', async () => {
    const before = await archive.sql.query('SELECT name FROM visitsarch.schema_migrations');
    const second = await startService(metadataService, { DATABASE_URL: archive.postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });
    await second.shutdown();
    const after = await archive.sql.query('SELECT name FROM visitsarch.schema_migrations');
    expect(after.rows).toEqual(before.rows);
    expect(after.rows.map((row) => row.name).sort()).toEqual(expect.arrayContaining(['ApiToken1796432400000', 'ArchiveSchema1767225600000', 'AuditLog1796256000000']));
  });

  it('makes the Query role again at start when a restored dump came without it (pg_dump -n carries no roles)', async () => {
    const privileges = async () =>
      (
        await archive.sql.query(
          `SELECT r.rolcanlogin AS login, has_table_privilege(r.rolname, 'visitsarch.visitsextra', 'SELECT') AS visitsextra,
                  has_table_privilege(r.rolname, 'visitsarch.audit_log', 'SELECT') AS audit_log, has_table_privilege(r.rolname, 'visitsarch.api_token', 'SELECT') AS api_token,
                  has_table_privilege(r.rolname, 'visitsarch.idempotent_requests', 'SELECT') AS idempotent_requests
           FROM pg_roles r WHERE r.rolname = current_database() || '_query'`,
        )
      ).rows;
    const granted = [{ login: true, visitsextra: true, audit_log: true, api_token: false, idempotent_requests: false }];
    expect(await privileges()).toEqual(granted);
    // What the migrations granted is exactly what every start grants (QUERY_ROLE_READS): a table a later migration opens to it is listed there too.
    const readable = await archive.sql.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'visitsarch' AND c.relkind IN ('r', 'v', 'm', 'p') AND has_table_privilege(current_database() || '_query', c.oid, 'SELECT') ORDER BY c.relname`,
    );
    expect(readable.rows.map((row) => row.relname)).toEqual([...QUERY_ROLE_READS].sort());
    await archive.sql.query(`DO $$ DECLARE reader text := current_database() || '_query'; BEGIN
      EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA visitsarch FROM %I', reader);
      EXECUTE format('REVOKE ALL ON SCHEMA visitsarch FROM %I', reader);
      EXECUTE format('DROP ROLE %I', reader); END $$`);
    expect(await privileges()).toEqual([]);
    const restarted = await startService(metadataService, { DATABASE_URL: archive.postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });
    await restarted.shutdown();
    expect(await privileges()).toEqual(granted);
  });
});
