import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { sha256 } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

// The operator allows the loopback host (any port): where this test's upstream schema lives.
const archive = specArchive({ UPSTREAM_ALLOWED_ENDPOINTS: '127.0.0.1' }, (started) => started.sql.query(UPSTREAM_DDL));

/** The upstream's sql/make_vseqmeta.sql (reference section 5.1), tables only, in schema vsmd. */
const UPSTREAM_DDL = `
CREATE SCHEMA vsmd;
SET search_path TO vsmd;
CREATE TABLE visitseq (visitseq_uuid UUID PRIMARY KEY DEFAULT gen_random_uuid(), visitseq_sha256 BYTEA NOT NULL, visitseq_label TEXT NOT NULL,
  visitseq_url TEXT, telescope TEXT NOT NULL, first_day_obs DATE, last_day_obs DATE, creation_time TIMESTAMPTZ DEFAULT NOW());
CREATE TABLE simulations (scheduler_version TEXT, config_url TEXT, conda_env_sha256 BYTEA, parent_visitseq_uuid UUID, sim_runner_kwargs JSONB,
  parent_last_day_obs DATE, PRIMARY KEY (visitseq_uuid)) INHERITS (visitseq);
CREATE TABLE completed (query TEXT, PRIMARY KEY (visitseq_uuid)) INHERITS (visitseq);
CREATE TABLE mixedvisitseq (last_early_day_obs DATE, first_late_day_obs DATE, early_parent_uuid UUID, late_parent_uuid UUID, PRIMARY KEY (visitseq_uuid)) INHERITS (visitseq);
CREATE TABLE tags (visitseq_uuid UUID, tag TEXT NOT NULL);
CREATE TABLE comments (visitseq_uuid UUID, comment_time TIMESTAMPTZ DEFAULT NOW(), author TEXT, comment TEXT NOT NULL);
CREATE TABLE files (visitseq_uuid UUID, file_type TEXT NOT NULL, file_sha256 BYTEA NOT NULL, file_url TEXT, PRIMARY KEY (visitseq_uuid, file_type));
CREATE TABLE conda_env (conda_env_hash BYTEA PRIMARY KEY, conda_env JSONB NOT NULL);
CREATE TABLE nightly_stats (visitseq_uuid UUID NOT NULL, day_obs DATE NOT NULL, value_name TEXT NOT NULL, accumulated BOOLEAN NOT NULL, count INTEGER,
  mean DOUBLE PRECISION, std DOUBLE PRECISION, min DOUBLE PRECISION, p05 DOUBLE PRECISION, q1 DOUBLE PRECISION, median DOUBLE PRECISION,
  q3 DOUBLE PRECISION, p95 DOUBLE PRECISION, max DOUBLE PRECISION, PRIMARY KEY (visitseq_uuid, day_obs, value_name, accumulated));
SET search_path TO visitsarch;
`;

describe('ImportUpstream', () => {
  it('copies an upstream schema under the specification’s names, idempotently, counting what it copied, skipped and rejected', async () => {
    const [sim, consdb, mixed, bare, undated, orphan] = Array.from({ length: 6 }, () => randomUUID());
    const env = Buffer.alloc(32, 7);
    const q = (sql: string, params: unknown[]) => archive.sql.query(sql, params);
    await q(`INSERT INTO vsmd.completed (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs, query) VALUES ($1, $2, 'consdb', 'simonyi', '2025-11-01', '2025-11-30', 'SELECT 1')`, [consdb, sha256()]);
    await q(
      `INSERT INTO vsmd.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, visitseq_url, telescope, first_day_obs, last_day_obs, creation_time, scheduler_version, sim_runner_kwargs, conda_env_sha256, parent_visitseq_uuid, parent_last_day_obs)
       VALUES ($1, $2, 'prenight run at 2025-12-01T01:00:00', 's3://b/v.h5', 'simonyi', '2025-12-01', '2025-12-03', '2025-12-01T01:00:00Z', '3.18.1', '{"sim_duration": 3}', $3, $4, '2025-11-30')`,
      [sim, sha256(), env, consdb],
    );
    await q(`INSERT INTO vsmd.mixedvisitseq (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs, last_early_day_obs, first_late_day_obs, early_parent_uuid, late_parent_uuid)
             VALUES ($1, $2, 'mixed', 'simonyi', '2025-11-01', '2025-12-03', '2025-11-30', '2025-12-01', $3, $4)`, [mixed, sha256(), consdb, sim]);
    await q(`INSERT INTO vsmd.visitseq (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'bare', 'auxtel', '2025-10-01', '2025-10-01')`, [bare, sha256()]);
    await q(`INSERT INTO vsmd.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, telescope) VALUES ($1, $2, 'no dates', 'simonyi')`, [undated, sha256()]);
    await q(`INSERT INTO vsmd.tags VALUES ($1, 'prenight'), ($1, 'prenight'), ($1, 'nominal'), ($2, 'orphan')`, [sim, orphan]);
    await q(`INSERT INTO vsmd.comments VALUES ($1, '2025-12-01T02:00:00Z', 'me', 'a'), ($1, '2025-12-01T02:00:00Z', NULL, 'b')`, [sim]);
    await q(`INSERT INTO vsmd.files VALUES ($1, 'rewards', $2, 's3://b/r.h5'), ($3, 'rewards', $2, 's3://b/o.h5')`, [sim, sha256(), orphan]);
    await q(`INSERT INTO vsmd.conda_env VALUES ($1, '[{"name": "numpy", "version": "2.3.1", "build_number": 0}]')`, [env]);
    await q(`INSERT INTO vsmd.nightly_stats (visitseq_uuid, day_obs, value_name, accumulated, count, mean) VALUES ($1, '2025-12-01', 'altitude', false, 3, 60), ($2, '2025-12-01', 'altitude', false, 3, 60)`, [sim, orphan]);

    const first = await archive.call('importUpstream', { dsn: archive.postgres.url });
    const counts = Object.fromEntries(first.tables.map((table) => [table.tableName, [table.copiedCount, table.skippedCount, table.rejectedCount]]));
    expect(counts).toEqual({
      simulations: [1, 0, 1],
      completed: [1, 0, 0],
      mixedvisitseq: [1, 0, 0],
      visitseq: [1, 0, 0],
      tags: [2, 1, 1],
      comments: [2, 0, 0],
      files: [1, 0, 1],
      conda_env: [1, 0, 0],
      nightly_stats: [1, 0, 1],
    });
    const { visitSequence } = await archive.call('getVisitSequence', { visitseqUuid: sim });
    expect(visitSequence).toMatchObject({
      visitseqUrl: 's3://b/v.h5',
      creationTime: new Date('2025-12-01T01:00:00Z'),
      tags: ['nominal', 'prenight'],
      simulation: { simRunnerArgs: { sim_duration: 3 }, parentVisitseqUuid: consdb, parentLastDayObs: '2025-11-30', condaEnvSha256: env },
    });
    expect((await archive.call('getVisitSequence', { visitseqUuid: mixed })).visitSequence!.mixed).toEqual({
      lastEarlyDayObs: '2025-11-30', firstLateDayObs: '2025-12-01', earlyParentUuid: consdb, lateParentUuid: sim,
    });
    expect((await archive.call('getVisitSequence', { visitseqUuid: bare })).visitSequence!.kind).toBe(0);
    expect((await archive.call('listCondaPackages', { visitseqUuid: sim })).packages.map((pkg) => pkg.packageName)).toEqual(['numpy']);

    const again = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd' });
    expect(again.tables.every((table) => table.copiedCount === 0)).toBe(true);
    expect(again.tables.find((table) => table.tableName === 'simulations')).toMatchObject({ skippedCount: 1, rejectedCount: 1 });
    expect(await archive.count('comments', 'visitseq_uuid = $1', [sim])).toBe(2);
  });

  it('answers INVALID_ARGUMENT, FAILED_PRECONDITION or UNAVAILABLE for what it cannot import', async () => {
    expect((await archive.fail('importUpstream', { dsn: '' })).violations).toEqual(['dsn']);
    expect((await archive.fail('importUpstream', { dsn: 'nonsense' })).violations).toEqual(['dsn']);
    expect((await archive.fail('importUpstream', { dsn: "host=127.0.0.1 password='unclosed" })).violations).toEqual(['dsn']);
    expect((await archive.fail('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd; DROP TABLE x' })).violations).toEqual(['schema']);
    expect((await archive.fail('importUpstream', { dsn: archive.postgres.url, schema: 'visitsarch' })).code).toBe(status.FAILED_PRECONDITION);
    const wrongPassword = archive.postgres.url.replace(/:[^:@]*@/, ':wrong@');
    expect((await archive.fail('importUpstream', { dsn: wrongPassword })).code).toBe(status.FAILED_PRECONDITION);
    expect((await archive.fail('importUpstream', { dsn: 'postgresql://u:p@127.0.0.1:1/db' })).code).toBe(status.UNAVAILABLE);
  });

  it('connects only to the endpoints the operator allows, refusing others before dialling (no port probing)', async () => {
    for (const dsn of ['postgresql://u:p@10.255.255.1:5432/db', 'host=localhost port=5432 dbname=db', 'postgresql://u:p@metadata.internal/db']) {
      const refused = await archive.fail('importUpstream', { dsn });
      expect(refused.code).toBe(status.PERMISSION_DENIED);
      expect(refused.details).toMatch(/is not allowed: it is not in UPSTREAM_ALLOWED_ENDPOINTS/);
    }
  });

  it('reads libpq keyword/value connection strings as libpq does', async () => {
    const url = new URL(archive.postgres.url);
    const password = decodeURIComponent(url.password).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const dsn = `host=${url.hostname} port=${url.port} dbname=${url.pathname.slice(1)} user=${decodeURIComponent(url.username)} password='${password}'`;
    const imported = await archive.call('importUpstream', { dsn, schema: 'vsmd' });
    expect(imported.tables.map((table) => table.tableName)).toContain('simulations');
  });
});
