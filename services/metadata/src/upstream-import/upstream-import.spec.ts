import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { metadataV1 } from '@visitsarch/contracts';
import { create, sha256, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const PYTHON = path.resolve(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');
const HAVE_RUBIN_SIM = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import rubin_sim.sim_archive.vseqmetadata, psycopg2'], { stdio: 'ignore' }).status === 0;
if (!HAVE_RUBIN_SIM) console.warn(`SKIPPED: the import of a database made by rubin_sim itself needs rubin_sim and psycopg2 in ${PYTHON} (pip install -r clients/python/requirements-dev.txt)`);

/**
 * Makes an upstream database as the upstream makes it: its own create_schema_in_database (its
 * sql/make_vseqmeta.sql) and record/tag/comment/register/insert functions; the MAF tables, for which
 * it has no functions, by SQL through its own query(). Arguments: the psycopg2 connection keywords
 * (JSON) and the schema. Prints the UUIDs it made as JSON on its last line.
 */
const RUBIN_SIM_UPSTREAM = `
import hashlib, json, sys
import pandas as pd
from astropy.time import Time
from rubin_sim.sim_archive.vseqarchive import compute_nightly_stats
from rubin_sim.sim_archive.vseqmetadata import VisitSequenceArchiveMetadata

dsn, schema = json.loads(sys.argv[1]), sys.argv[2]
vsarch = VisitSequenceArchiveMetadata(dsn, schema)
vsarch.create_schema_in_database()
# consdb-style visits (the upstream test's values): two on day_obs 2035-10-31, one on 2035-11-01.
visits = pd.DataFrame({
    "obs_start_mjd": [64632.271368, 64632.271816, 64633.272712],
    "band": ["r", "i", "r"],
    "altitude": [67.439834, 65.262546, 67.624221],
    "azimuth": [10.5, 20.25, 30.125],
})
conda_json = json.dumps([{"name": "numpy", "version": "2.3.1", "channel": "conda-forge", "build_number": 0}])
conda_hash = vsarch.record_conda_env(hashlib.sha256(conda_json.encode()).digest(), conda_json)
completed = vsarch.record_completed_metadata(visits, "completed visits", url="s3://b/completed/visits.h5",
    first_day_obs="2035-10-31", last_day_obs="2035-11-01", query="SELECT * FROM cdb_lsstcam.visit1")
dated = vsarch.record_simulation_metadata(visits, "prenight run", telescope="simonyi", url="s3://b/dated/visits.h5",
    first_day_obs="2035-10-31", last_day_obs="2035-11-01", creation_time=Time("2035-10-31T23:59:58.123456", scale="utc"),
    scheduler_version="4.6.0", config_url="https://example.org/config.py", conda_env_sha256=conda_hash,
    parent_visitseq_uuid=completed, parent_last_day_obs="2035-10-30",
    sim_runner_kwargs={"sim_duration": 2, "keep_rewards": True, "overhead": lambda x: x})
# As record-visitseq-metadata without --first_day_obs/--last_day_obs: NULL day_obs.
undated = vsarch.record_visitseq_metadata(visits, "no day_obs", table="simulations", url="s3://b/undated/visits.h5")
vsarch.tag(dated, "prenight", "nominal")
vsarch.tag(undated, "prenight")
vsarch.comment(dated, "looks fine", author="tester")
vsarch.comment(dated, "second look")
vsarch.comment(undated, "no dates here", author="tester")
vsarch.register_file(dated, "rewards", hashlib.sha256(b"rewards").digest(), "s3://b/dated/rewards.h5")
vsarch.register_file(undated, "rewards", hashlib.sha256(b"undated rewards").digest(), "s3://b/undated/rewards.h5")
stats = compute_nightly_stats(visits)
vsarch.insert_nightly_stats(dated, stats)
vsarch.insert_nightly_stats(undated, stats)
run = lambda text, data={}: vsarch.query(text, data, commit=True, return_result=False)
run("""INSERT INTO maf_metrics VALUES ('ExgalM5', '2.6.2', 'filter = ''r''', 'Coaddm5Metric', '{"m5_col": "fiveSigmaDepth"}', 'HealpixSlicer', '{"nside": 64}'),
       ('fONv', '2.6.2', NULL, 'fOArea', NULL, 'HealpixSlicer', NULL)""")
run("INSERT INTO maf_metric_sets VALUES ('DDF', 'ExgalM5', 'm5 r', 'r-', false, true)")
run("""INSERT INTO maf_summary_metrics VALUES (%(d)s, 'ExgalM5', '2035-11-01', true, 25.375), (%(d)s, 'fONv', '2035-11-01', true, 0.91),
       (%(u)s, 'ExgalM5', '2035-11-01', true, 24.5)""", {"d": dated, "u": undated})
run("INSERT INTO maf_healpix_stats VALUES (%(d)s, 'ExgalM5', '2035-11-01', true, 64, 3, 25.1, 'NaN', 24.9, 24.9, 25, 25.1, 25.2, 25.3, 25.4, NULL)", {"d": dated})
print(json.dumps({"dated": str(dated), "undated": str(undated), "completed": str(completed)}))
`;

// The operator allows the loopback host (any port): where this test's upstream schemas live.
const archive = specArchive({ UPSTREAM_ALLOWED_ENDPOINTS: '127.0.0.1' }, async (started) => {
  await started.sql.query(upstreamDdl('vsmd', false));
  await started.sql.query(upstreamDdl('vsmd_full', true));
});

/**
 * The upstream's sql/make_vseqmeta.sql (reference section 5.1; rubin_sim 2.6), tables only, in `schema`;
 * with `maf` its MAF tables too (without, an upstream schema from before they were added).
 */
function upstreamDdl(schema: string, maf: boolean): string {
  return `
CREATE SCHEMA ${schema};
SET search_path TO ${schema};
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
${
  maf
    ? `CREATE TABLE maf_metrics (maf_metric_name TEXT PRIMARY KEY, rubin_sim_version TEXT, maf_constraint TEXT, metric_class_name TEXT, metric_args JSONB,
  slicer_class_name TEXT, slicer_args JSONB);
CREATE TABLE maf_summary_metrics (visitseq_uuid UUID, maf_metric_name TEXT REFERENCES maf_metrics(maf_metric_name), day_obs DATE, accumulated BOOLEAN,
  summary_value DOUBLE PRECISION, PRIMARY KEY (visitseq_uuid, maf_metric_name));
CREATE TABLE maf_metric_sets (metric_set TEXT, maf_metric_name TEXT REFERENCES maf_metrics(maf_metric_name), short_name TEXT, style TEXT, invert BOOLEAN,
  mag BOOLEAN, PRIMARY KEY (metric_set, maf_metric_name));
CREATE TABLE maf_healpix_stats (visitseq_uuid UUID NOT NULL, maf_metric_name TEXT REFERENCES maf_metrics(maf_metric_name), day_obs DATE NOT NULL,
  accumulated BOOLEAN NOT NULL, nside INTEGER NOT NULL, count INTEGER NOT NULL, mean DOUBLE PRECISION, std DOUBLE PRECISION, min DOUBLE PRECISION,
  p05 DOUBLE PRECISION, q1 DOUBLE PRECISION, median DOUBLE PRECISION, q3 DOUBLE PRECISION, p95 DOUBLE PRECISION, max DOUBLE PRECISION, url TEXT,
  PRIMARY KEY (visitseq_uuid, maf_metric_name, day_obs, accumulated, nside));`
    : ''
}
SET search_path TO visitsarch;
`;
}

const { ROW_IMPORT_OUTCOME_IMPORTED: IMPORTED, ROW_IMPORT_OUTCOME_ALREADY_PRESENT: ALREADY_PRESENT, ROW_IMPORT_OUTCOME_SKIPPED: SKIPPED, ROW_IMPORT_OUTCOME_REFUSED: REFUSED } =
  metadataV1.RowImportOutcome;

/** The archive's tables an import writes, with their row counts. */
async function archiveCounts(): Promise<Record<string, number>> {
  const tables = ['visitseq_registry', 'visitseq', 'tags', 'comments', 'files', 'condaenv', 'nightly_stats', 'maf_metrics', 'maf_metric_sets', 'maf_summary_metrics', 'maf_healpix_stats'];
  return Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await archive.count(table)])));
}

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
      maf_metrics: [0, 0, 0],
      maf_metric_sets: [0, 0, 0],
      maf_summary_metrics: [0, 0, 0],
      maf_healpix_stats: [0, 0, 0],
    });
    // This upstream schema predates the MAF tables: said so, not an error.
    expect(first.tables.filter((table) => table.absentUpstream).map((table) => table.tableName)).toEqual(['maf_metrics', 'maf_metric_sets', 'maf_summary_metrics', 'maf_healpix_stats']);
    expect(first.rows).toHaveLength(16);
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

  it('reports every row (imported, already present, skipped or refused, with the reason), copies MAF tables, leaves the archive unchanged in a dry run', async () => {
    const [sim, undated, badHash, here, orphan] = Array.from({ length: 5 }, () => randomUUID());
    const names: Record<string, string> = { [sim]: 'sim', [undated]: 'undated', [badHash]: 'badHash', [here]: 'here', [orphan]: 'orphan' };
    const env = Buffer.alloc(32, 9);
    const simSha = sha256();
    const q = (sql: string, params: unknown[] = []) => archive.sql.query(sql, params);
    // A sequence recorded here already, under the same UUID as an upstream one with another label.
    await create(archive, simulation({ visitseqUuid: here, visitseqLabel: 'ours' }), ['nominal']);
    await q(
      `INSERT INTO vsmd_full.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, visitseq_url, telescope, first_day_obs, last_day_obs, creation_time, scheduler_version, sim_runner_kwargs, conda_env_sha256)
       VALUES ($1, $2, 'dated', 's3://b/sim/visits.h5', 'simonyi', '2025-12-01', '2025-12-03', '2025-12-01T01:00:00.654321Z', '4.6.0', '{"seed": 12345678901234567890, "f": 0.1}', $3)`,
      [sim, simSha, env],
    );
    // Upstream's default when first/last day_obs are omitted: NULL.
    await q(`INSERT INTO vsmd_full.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, visitseq_url, telescope) VALUES ($1, $2, 'no dates', 's3://b/undated/visits.h5', 'simonyi')`, [undated, sha256()]);
    await q(`INSERT INTO vsmd_full.simulations (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'theirs', 'simonyi', '2026-12-01', '2026-12-03')`, [here, sha256()]);
    await q(`INSERT INTO vsmd_full.completed (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'short hash', 'simonyi', '2025-11-01', '2025-11-02')`, [badHash, Buffer.alloc(16, 1)]);
    await q(`INSERT INTO vsmd_full.tags VALUES ($1, 'prenight'), ($1, 'prenight'), ($1, 'nominal'), ($1, ''), ($2, 'prenight'), ($3, 'x'), ($4, 'nominal'), ($4, 'extra')`, [sim, undated, orphan, here]);
    await q(
      `INSERT INTO vsmd_full.comments VALUES ($1, '2025-12-01T02:00:00.123456Z', 'me', 'with microseconds'), ($1, '2025-12-01T03:00:00.000001Z', NULL, 'twice'),
       ($1, '2025-12-01T03:00:00.000001Z', NULL, 'twice'), ($2, '2025-12-02T00:00:00Z', 'me', 'undated one')`,
      [sim, undated],
    );
    await q(`INSERT INTO vsmd_full.files VALUES ($1, 'rewards', $3, 's3://b/sim/rewards.h5'), ($1, 'short', $4, NULL), ($2, 'rewards', $3, 's3://b/undated/rewards.h5')`, [sim, undated, sha256(), Buffer.alloc(16, 2)]);
    await q(`INSERT INTO vsmd_full.conda_env VALUES ($1, '[{"name": "numpy", "version": "2.3.1"}]')`, [env]);
    await q(
      `INSERT INTO vsmd_full.nightly_stats (visitseq_uuid, day_obs, value_name, accumulated, count, mean, std, max) VALUES
       ($1, '2025-12-01', 'altitude', false, 1, 60.123456789012345, 'NaN', 'Infinity'), ($2, '2025-12-02', 'altitude', false, 3, 60, 1, 70), ($2, '2025-12-04', 'altitude', false, 3, 61, 1, 71)`,
      [sim, undated],
    );
    await q(`INSERT INTO vsmd_full.maf_metrics VALUES ('CoaddM5', '2.6.2', 'filter = "r"', 'Coaddm5Metric', '{"m5_col": "fiveSigmaDepth"}', 'HealpixSlicer', '{"nside": 64}'),
             ('fO', '2.6.2', NULL, 'FOArea', NULL, 'HealpixSlicer', NULL), ('', NULL, NULL, NULL, NULL, NULL, NULL)`);
    await q(`INSERT INTO vsmd_full.maf_metric_sets VALUES ('SRD', 'CoaddM5', 'm5', 'r-', NULL, true), ('SRD', 'fO', 'fO', NULL, false, false)`);
    await q(`INSERT INTO vsmd_full.maf_summary_metrics VALUES ($1, 'CoaddM5', '2025-12-03', true, 25.123456789012345), ($1, 'fO', NULL, NULL, 0.9), ($2, 'CoaddM5', '2025-12-04', true, 24)`, [sim, undated]);
    await q(
      `INSERT INTO vsmd_full.maf_healpix_stats (visitseq_uuid, maf_metric_name, day_obs, accumulated, nside, count, mean, std, median, url) VALUES
       ($1, 'CoaddM5', '2025-12-03', true, 64, 100, 25, 'NaN', 25.5, 's3://b/sim/m5.npz'), ($1, 'CoaddM5', '2025-12-03', true, 3, 1, 25, NULL, NULL, NULL)`,
      [sim],
    );

    /** Each row of a report as `table uuid-name key OUTCOME`, sorted. */
    const outcomes = (response: metadataV1.ImportUpstreamResponse) =>
      response.rows.map((row) => [row.tableName, names[row.visitseqUuid] ?? row.visitseqUuid, row.key, metadataV1.RowImportOutcome[row.outcome].replace('ROW_IMPORT_OUTCOME_', '')].join(' ').replace(/ +/g, ' ')).sort();
    const expected = [
      'simulations sim IMPORTED',
      'simulations undated REFUSED',
      'simulations here SKIPPED',
      'completed badHash REFUSED',
      'tags sim tag=prenight IMPORTED',
      'tags sim tag=prenight SKIPPED',
      'tags sim tag=nominal IMPORTED',
      'tags sim tag="" REFUSED',
      'tags undated tag=prenight REFUSED',
      'tags orphan tag=x REFUSED',
      'tags here tag=nominal ALREADY_PRESENT',
      'tags here tag=extra IMPORTED',
      'comments sim comment_time=2025-12-01T02:00:00.123456Z author=me IMPORTED',
      'comments sim comment_time=2025-12-01T03:00:00.000001Z IMPORTED',
      'comments sim comment_time=2025-12-01T03:00:00.000001Z IMPORTED',
      'comments undated comment_time=2025-12-02T00:00:00Z author=me REFUSED',
      'files sim file_type=rewards IMPORTED',
      'files sim file_type=short REFUSED',
      'files undated file_type=rewards REFUSED',
      `conda_env conda_env_hash=${env.toString('hex')} IMPORTED`,
      'nightly_stats sim day_obs=2025-12-01 value_name=altitude accumulated=false IMPORTED',
      'nightly_stats undated day_obs=2025-12-02 value_name=altitude accumulated=false REFUSED',
      'nightly_stats undated day_obs=2025-12-04 value_name=altitude accumulated=false REFUSED',
      'maf_metrics maf_metric_name=CoaddM5 IMPORTED',
      'maf_metrics maf_metric_name=fO IMPORTED',
      'maf_metrics maf_metric_name="" REFUSED',
      'maf_metric_sets metric_set=SRD maf_metric_name=CoaddM5 IMPORTED',
      'maf_metric_sets metric_set=SRD maf_metric_name=fO IMPORTED',
      'maf_summary_metrics sim maf_metric_name=CoaddM5 day_obs=2025-12-03 accumulated=true IMPORTED',
      'maf_summary_metrics sim maf_metric_name=fO day_obs=NULL accumulated=NULL REFUSED',
      'maf_summary_metrics undated maf_metric_name=CoaddM5 day_obs=2025-12-04 accumulated=true REFUSED',
      'maf_healpix_stats sim maf_metric_name=CoaddM5 day_obs=2025-12-03 accumulated=true nside=64 IMPORTED',
      'maf_healpix_stats sim maf_metric_name=CoaddM5 day_obs=2025-12-03 accumulated=true nside=3 REFUSED',
    ].sort();

    // A dry run reports what the import would do and changes nothing.
    const before = await archiveCounts();
    const dry = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full', dryRun: true });
    expect(outcomes(dry)).toEqual(expected);
    expect(await archiveCounts()).toEqual(before);

    const first = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full' });
    expect(outcomes(first)).toEqual(expected);
    expect(first.tables).toEqual(dry.tables);
    expect(first.tables.find((table) => table.tableName === 'tags')).toEqual({
      tableName: 'tags', copiedCount: 3, skippedCount: 2, rejectedCount: 3, alreadyPresentCount: 1, absentUpstream: false,
    });
    const after = await archiveCounts();
    expect(after).toMatchObject({ visitseq_registry: before.visitseq_registry + 1, tags: before.tags + 3, comments: before.comments + 3, files: before.files + 1, condaenv: before.condaenv + 1 });
    expect(after).toMatchObject({ nightly_stats: before.nightly_stats + 1, maf_metrics: before.maf_metrics + 2, maf_metric_sets: before.maf_metric_sets + 2 });
    expect(after).toMatchObject({ maf_summary_metrics: before.maf_summary_metrics + 1, maf_healpix_stats: before.maf_healpix_stats + 1 });

    // The reasons.
    const report = (table: string, uuid: string, key = '') => first.rows.find((row) => row.tableName === table && row.visitseqUuid === uuid && row.key === key)!;
    expect(report('simulations', sim)).toMatchObject({ reason: expect.stringMatching(/visitseq_sha256 is the upstream's: .* not recomputed/), upstreamVisitseqSha256: simSha });
    expect(report('simulations', undated).reason).toBe(
      `no first_day_obs and last_day_obs (the upstream's default when omitted), which this archive requires, and no nights of its visits (s3://b/undated/visits.h5) were given: ` +
        'import with `visitsarch import_upstream --with-visits` (it reads local visits files for their nights), or set them upstream ' +
        `(vseqarchive update-visitseq-metadata ${undated} first_day_obs YYYY-MM-DD, and last_day_obs) and import again; its upstream nightly_stats cover 2025-12-02 to 2025-12-04`,
    );
    // What a client needs to read those nights from the visits itself.
    expect(report('simulations', undated)).toMatchObject({ undatedUpstream: true, upstreamVisitseqUrl: 's3://b/undated/visits.h5' });
    expect(report('simulations', sim)).toMatchObject({ undatedUpstream: false });
    expect(report('simulations', here).reason).toMatch(/^this archive's row with this key differs in visitseq_sha256, visitseq_label, .*: it is kept/);
    expect(report('completed', badHash).reason).toBe('visitseq_sha256 is 16 bytes, not a 32-byte SHA-256');
    expect(report('completed', badHash).upstreamVisitseqSha256).toEqual(Buffer.alloc(16, 1));
    for (const [table, key] of [['tags', 'tag=prenight'], ['comments', 'comment_time=2025-12-02T00:00:00Z author=me'], ['files', 'file_type=rewards']]) {
      expect(report(table, undated, key).reason).toBe("its visit sequence was refused (see its row of the upstream's simulations table)");
    }
    expect(report('tags', orphan, 'tag=x').reason).toBe(`no visit sequence ${orphan}, upstream or here`);
    expect(report('tags', sim, 'tag=""').reason).toBe('the tag is empty, which this archive does not allow');
    expect(first.rows.filter((row) => row.tableName === 'tags' && row.outcome === SKIPPED)[0].reason).toMatch(/repeats the key of an earlier upstream row/);
    expect(report('files', sim, 'file_type=short').reason).toBe('file_sha256 is 16 bytes, not a 32-byte SHA-256');
    expect(report('maf_metric_sets', '', 'metric_set=SRD maf_metric_name=CoaddM5').reason).toMatch(/^invert is NULL upstream: stored false/);
    expect(report('maf_summary_metrics', sim, 'maf_metric_name=fO day_obs=NULL accumulated=NULL').reason).toMatch(/^no day_obs or accumulated, which this archive requires/);
    expect(report('maf_healpix_stats', sim, 'maf_metric_name=CoaddM5 day_obs=2025-12-03 accumulated=true nside=3').reason).toBe('nside 3 is not a power of two, which this archive requires');
    expect(first.rows.filter((row) => row.outcome === IMPORTED && row.tableName !== 'simulations' && row.tableName !== 'maf_metric_sets').every((row) => row.reason === '')).toBe(true);

    // The values, as the upstream has them (NaN statistics stored NULL, this archive's convention).
    expect((await archive.call('getVisitSequence', { visitseqUuid: here })).visitSequence!.visitseqLabel).toBe('ours');
    const [stored] = (
      await q(
        `SELECT s.visitseq_sha256 = u.visitseq_sha256 AS sha, s.creation_time = u.creation_time AS time, s.sim_runner_args::text AS args, s.visitseq_url, s.first_day_obs::text, s.last_day_obs::text,
                s.conda_env_sha256 = u.conda_env_sha256 AS env, s.scheduler_version
         FROM simulations s JOIN vsmd_full.simulations u USING (visitseq_uuid) WHERE visitseq_uuid = $1`,
        [sim],
      )
    ).rows;
    expect(stored).toEqual({ sha: true, time: true, args: '{"f": 0.1, "seed": 12345678901234567890}', visitseq_url: 's3://b/sim/visits.h5', first_day_obs: '2025-12-01', last_day_obs: '2025-12-03', env: true, scheduler_version: '4.6.0' });
    const comments = await q(`SELECT to_char(comment_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS time, author, comment FROM comments WHERE visitseq_uuid = $1 ORDER BY comment_time, comment_id`, [sim]);
    expect(comments.rows).toEqual([
      { time: '2025-12-01T02:00:00.123456', author: 'me', comment: 'with microseconds' },
      { time: '2025-12-01T03:00:00.000001', author: null, comment: 'twice' },
      { time: '2025-12-01T03:00:00.000001', author: null, comment: 'twice' },
    ]);
    expect((await q(`SELECT n.count, n.mean = u.mean AS mean, n.std, n.max::text FROM nightly_stats n JOIN vsmd_full.nightly_stats u USING (visitseq_uuid, day_obs, value_name, accumulated) WHERE visitseq_uuid = $1`, [sim])).rows).toEqual([
      { count: 1, mean: true, std: null, max: 'Infinity' },
    ]);
    expect((await q(`SELECT rubin_sim_version, "constraint", metric_class_name, metric_args, slicer_class_name, slicer_args FROM maf_metrics WHERE maf_metric_name = 'CoaddM5'`)).rows).toEqual([
      { rubin_sim_version: '2.6.2', constraint: 'filter = "r"', metric_class_name: 'Coaddm5Metric', metric_args: { m5_col: 'fiveSigmaDepth' }, slicer_class_name: 'HealpixSlicer', slicer_args: { nside: 64 } },
    ]);
    expect((await q(`SELECT maf_metric_name, short_name, style, invert, mag FROM maf_metric_sets WHERE metric_set = 'SRD' ORDER BY maf_metric_name`)).rows).toEqual([
      { maf_metric_name: 'CoaddM5', short_name: 'm5', style: 'r-', invert: false, mag: true },
      { maf_metric_name: 'fO', short_name: 'fO', style: null, invert: false, mag: false },
    ]);
    expect(
      (await q(`SELECT m.maf_metric_name, m.day_obs::text, m.accumulated, m.summary_value = u.summary_value AS same FROM maf_summary_metrics m JOIN vsmd_full.maf_summary_metrics u USING (visitseq_uuid, maf_metric_name) WHERE visitseq_uuid = $1`, [sim])).rows,
    ).toEqual([{ maf_metric_name: 'CoaddM5', day_obs: '2025-12-03', accumulated: true, same: true }]);
    expect((await q(`SELECT nside, count, mean, std, median, url FROM maf_healpix_stats WHERE visitseq_uuid = $1`, [sim])).rows).toEqual([{ nside: 64, count: 100, mean: 25, std: null, median: 25.5, url: 's3://b/sim/m5.npz' }]);

    // A second import writes nothing: what was imported is already present, the rest as before.
    const again = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full' });
    expect(outcomes(again)).toEqual(expected.map((line) => line.replace(/IMPORTED$/, 'ALREADY_PRESENT')).sort());
    expect(again.tables.every((table) => table.copiedCount === 0)).toBe(true);
    expect(await archiveCounts()).toEqual(after);
    expect(again.rows.filter((row) => row.outcome === ALREADY_PRESENT && row.reason !== '')).toEqual([]);
    expect(again.rows.filter((row) => row.outcome === REFUSED)).toHaveLength(first.rows.filter((row) => row.outcome === REFUSED).length);

    // Given the nights of its visits (as `import_upstream --with-visits` reads them), the undated
    // sequence comes in, saying where its nights came from, and what hangs off it with it.
    const sequenceNights = [{ visitseqUuid: undated, dayObsRange: { firstDayObs: '2025-12-02', lastDayObs: '2025-12-04' } }];
    const dated = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full', sequenceNights });
    const datedReport = dated.rows.find((row) => row.tableName === 'simulations' && row.visitseqUuid === undated)!;
    expect(datedReport).toMatchObject({ outcome: IMPORTED, undatedUpstream: true, reason: expect.stringMatching(/^first_day_obs\/last_day_obs taken from the nights of its visits, as read by the caller/) });
    expect((await q('SELECT first_day_obs::text, last_day_obs::text FROM visitseq WHERE visitseq_uuid = $1', [undated])).rows).toEqual([{ first_day_obs: '2025-12-02', last_day_obs: '2025-12-04' }]);
    expect(dated.rows.filter((row) => row.visitseqUuid === undated && row.tableName === 'tags').map((row) => row.outcome)).toContain(IMPORTED);
    // Repeated with the same nights, it is already present; malformed nights are refused before anything is read.
    const datedAgain = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full', sequenceNights });
    expect(datedAgain.rows.find((row) => row.tableName === 'simulations' && row.visitseqUuid === undated)!.outcome).toBe(ALREADY_PRESENT);
    for (const bad of [
      [{ visitseqUuid: 'not-a-uuid', dayObsRange: { firstDayObs: '2025-12-02', lastDayObs: '2025-12-04' } }],
      [{ visitseqUuid: undated, dayObsRange: { firstDayObs: '2025-12-02', lastDayObs: '' } }],
      [{ visitseqUuid: undated, dayObsRange: { firstDayObs: '2025-12-05', lastDayObs: '2025-12-04' } }],
      [...sequenceNights, ...sequenceNights],
    ]) {
      expect((await archive.fail('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full', sequenceNights: bad })).code).toBe(status.INVALID_ARGUMENT);
    }
  });

  it('refuses, with PostgreSQL’s message, a row a constraint of this archive objects to, and still imports the others of its batch', async () => {
    const sequence = randomUUID();
    await archive.sql.query(
      `INSERT INTO vsmd_full.visitseq (visitseq_uuid, visitseq_sha256, visitseq_label, telescope, first_day_obs, last_day_obs) VALUES ($1, $2, 'for files', 'auxtel', '2025-10-01', '2025-10-01')`,
      [sequence, sha256()],
    );
    await archive.sql.query(`INSERT INTO vsmd_full.files VALUES ($1, 'a', $2, 's3://b/a'), ($1, 'b', $2, 's3://b/refuse-me'), ($1, 'c', $2, 's3://b/c')`, [sequence, sha256()]);
    // A constraint the import does not check itself, standing for any it might not anticipate.
    await archive.sql.query(`ALTER TABLE files ADD CONSTRAINT test_refuse CHECK (file_url <> 's3://b/refuse-me')`);
    try {
      const imported = await archive.call('importUpstream', { dsn: archive.postgres.url, schema: 'vsmd_full' });
      const files = imported.rows.filter((row) => row.visitseqUuid === sequence && row.tableName === 'files');
      expect(files.map((row) => [row.key, row.outcome])).toEqual([['file_type=a', IMPORTED], ['file_type=b', REFUSED], ['file_type=c', IMPORTED]]);
      expect(files[1].reason).toMatch(/^this archive refused it: new row for relation "files" violates check constraint "test_refuse"/);
      expect(await archive.count('files', 'visitseq_uuid = $1', [sequence])).toBe(2);
    } finally {
      await archive.sql.query('ALTER TABLE files DROP CONSTRAINT test_refuse');
    }
  });

  (HAVE_RUBIN_SIM ? it : it.skip)("imports an upstream database made by rubin_sim's own schema and functions, every row and value", async () => {
    const schema = 'test_rubin_sim';
    const url = new URL(archive.postgres.url);
    const dsn = { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
    // The upstream sends naive UTC times, read in the session's TimeZone (its known defect): UTC here.
    const made = spawnSync(PYTHON, ['-c', RUBIN_SIM_UPSTREAM, JSON.stringify(dsn), schema], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PGTZ: 'UTC' } });
    if (made.status !== 0) throw new Error(`rubin_sim failed (${made.status}): ${made.stderr.slice(-3000)}`);
    const uuids: Record<string, string> = JSON.parse(made.stdout.trim().split('\n').pop()!);
    const names = Object.fromEntries(Object.entries(uuids).map(([name, uuid]) => [uuid, name]));

    const imported = await archive.call('importUpstream', { dsn: archive.postgres.url, schema });
    const lines = imported.rows.map((row) => `${row.tableName} ${names[row.visitseqUuid] ?? '-'} ${metadataV1.RowImportOutcome[row.outcome].replace('ROW_IMPORT_OUTCOME_', '')}`).sort();
    const stats = (await archive.sql.query(`SELECT count(*)::int AS n FROM ${schema}.nightly_stats WHERE visitseq_uuid = $1`, [uuids.dated])).rows[0].n;
    expect(stats).toBe(4); // altitude and azimuth on two nights
    expect(lines).toEqual(
      [
        'simulations dated IMPORTED',
        'simulations undated REFUSED',
        'completed completed IMPORTED',
        'tags dated IMPORTED',
        'tags dated IMPORTED',
        'tags undated REFUSED',
        'comments dated IMPORTED',
        'comments dated IMPORTED',
        'comments undated REFUSED',
        'files dated IMPORTED',
        'files undated REFUSED',
        'conda_env - IMPORTED',
        ...Array(stats).fill('nightly_stats dated IMPORTED'),
        ...Array(stats).fill('nightly_stats undated REFUSED'),
        'maf_metrics - IMPORTED',
        'maf_metrics - IMPORTED',
        'maf_metric_sets - IMPORTED',
        'maf_summary_metrics dated IMPORTED',
        'maf_summary_metrics dated IMPORTED',
        'maf_summary_metrics undated REFUSED',
        'maf_healpix_stats dated IMPORTED',
      ].sort(),
    );
    expect(imported.rows.find((row) => row.visitseqUuid === uuids.undated && row.tableName === 'simulations')!.reason).toMatch(
      /^no first_day_obs and last_day_obs .*its visits \(s3:\/\/b\/undated\/visits\.h5\).*; its upstream nightly_stats cover 2035-10-31 to 2035-11-01$/,
    );

    // Every upstream row not refused is here with the same values (NaN statistics as NULL).
    const same = async (upstream: string, target: string, columns: string[], where = 'true') => {
      const pairs = columns.map((column) => column.split('='));
      const theirs = pairs.map(([ours, their = ours]) => (/^(std|mean|min|max|p05|q1|median|q3|p95|summary_value)$/.test(ours) ? `NULLIF(u.${their}, 'NaN')` : `u.${their}`));
      const sql = `SELECT (SELECT count(*) FROM ${schema}.${upstream} u WHERE ${where})::int AS upstream,
        (SELECT count(*) FROM ${schema}.${upstream} u WHERE ${where} AND EXISTS (SELECT 1 FROM ${target} a WHERE (${pairs.map(([ours]) => `a.${ours}`).join(', ')}) IS NOT DISTINCT FROM (${theirs.join(', ')})))::int AS here`;
      const [counts] = (await archive.sql.query(sql, [uuids.undated])).rows;
      expect(counts.here).toBe(counts.upstream);
      return counts.here as number;
    };
    const sequence = ['visitseq_uuid', 'visitseq_sha256', 'visitseq_label', 'visitseq_url', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time'];
    const notUndated = 'u.visitseq_uuid <> $1';
    const any = 'true OR $1::uuid IS NULL';
    expect(await same('simulations', 'simulations', [...sequence, 'scheduler_version', 'config_url', 'sim_runner_args=sim_runner_kwargs', 'conda_env_sha256', 'parent_visitseq_uuid', 'parent_last_day_obs'], notUndated)).toBe(1);
    expect(await same('completed', 'completed', [...sequence, 'query'], notUndated)).toBe(1);
    expect(await same('tags', 'tags', ['visitseq_uuid', 'tag'], notUndated)).toBe(2);
    expect(await same('comments', 'comments', ['visitseq_uuid', 'comment_time', 'author', 'comment'], notUndated)).toBe(2);
    expect(await same('files', 'files', ['visitseq_uuid', 'file_type', 'file_sha256', 'file_url'], notUndated)).toBe(1);
    expect(await same('conda_env', 'condaenv', ['conda_env_hash', 'conda_env'], any)).toBe(1);
    const statistics = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'];
    expect(await same('nightly_stats', 'nightly_stats', ['visitseq_uuid', 'day_obs', 'value_name', 'accumulated', ...statistics], notUndated)).toBe(stats);
    expect(await same('maf_metrics', 'maf_metrics', ['maf_metric_name', 'rubin_sim_version', '"constraint"=maf_constraint', 'metric_class_name', 'metric_args', 'slicer_class_name', 'slicer_args'], any)).toBe(2);
    expect(await same('maf_metric_sets', 'maf_metric_sets', ['metric_set', 'maf_metric_name', 'short_name', 'style', 'invert', 'mag'], any)).toBe(1);
    expect(await same('maf_summary_metrics', 'maf_summary_metrics', ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'summary_value'], notUndated)).toBe(2);
    expect(await same('maf_healpix_stats', 'maf_healpix_stats', ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'nside', ...statistics, 'url'], notUndated)).toBe(1);
    // The upstream's comment times carry microseconds (astropy's Time.now()), kept to the microsecond.
    const times = (table: string) => archive.sql.query(`SELECT to_char(comment_time AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS t FROM ${table} WHERE visitseq_uuid = $1 ORDER BY comment_time`, [uuids.dated]);
    expect((await times('comments')).rows).toEqual((await times(`${schema}.comments`)).rows);

    const again = await archive.call('importUpstream', { dsn: archive.postgres.url, schema });
    expect(again.rows.map((row) => row.outcome).sort()).toEqual(imported.rows.map((row) => (row.outcome === IMPORTED ? ALREADY_PRESENT : row.outcome)).sort());
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
