import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startS3TestServer } from '@visitsarch/storage';
import { OLD_OPSIM_DB, SAMPLE_OPSIM_DB, makeHome, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT, run } from './support/run';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/**
 * `visitsarch make_prenight_index` against the upstream's own `make-prenight-index`
 * (rubin_sim.sim_archive.vseqarchive), and schedview reading what we write.
 *
 * The archive's contents are made through our CLI. The upstream's command is then run, unmodified,
 * on the same information: its schema is created in the stack's PostgreSQL by its own
 * `create_schema_in_database`, our rows are copied into it column for column (simulations,
 * completed, tags, comments, files without the `visits` record the upstream never keeps, nightly
 * statistics), and its click command runs against it with a file:// destination. Both JSON files
 * are then compared: same path layout, same set of UUIDs (the selection) and, per simulation, the
 * same keys in the same order and the same values, floats to 1e-9 (the upstream rounds them to 10
 * decimals through pandas). Nothing else is normalised.
 */
const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const canImport = (module: string) => fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const HAVE_UPSTREAM = canImport('rubin_sim.sim_archive.vseqarchive, psycopg2');
const HAVE_SCHEDVIEW = HAVE_UPSTREAM && canImport('schedview.collect.multisim');
if (!HAVE_UPSTREAM) console.warn(`SKIPPED: the comparison with the upstream's make-prenight-index needs rubin_sim and psycopg2 in ${PYTHON} (pip install -r clients/python/requirements-dev.txt)`);
if (!HAVE_SCHEDVIEW) console.warn(`SKIPPED: reading the index back with schedview needs schedview in ${PYTHON} (pip install schedview)`);

const CONFIG_URL = 'https://raw.githubusercontent.com/lsst-ts/ts_config_ocs/8ed1ab/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py';

describe('make_prenight_index writes the index the upstream writes, where schedview reads it', () => {
  let stack: TestStack;
  let work: string;
  const uuids: Record<string, string> = {};
  const visitsarch = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, stack.gateway, env);
  const ok = async (args: string[]) => {
    const result = await visitsarch(args);
    if (result.code !== 0) throw new Error(`visitsarch ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
  };
  const python = async (script: string, env: NodeJS.ProcessEnv = {}) => {
    const result = await run(PYTHON, ['-c', script], { env: { ...process.env, PGTZ: 'UTC', LSST_DISABLE_BUCKET_VALIDATION: '1', ...env }, timeoutMs: 170_000 });
    if (result.code !== 0) throw new Error(`python failed (${result.code}): ${result.stderr.slice(-3000)}`);
    return result.stdout;
  };
  const indexFile = (base: string, telescope: string, dayObs: string) => {
    const [year, month] = dayObs.split('-').map(Number);
    return path.join(base, telescope, String(year), String(month), `${telescope}_prenights_for_${dayObs}.json`);
  };

  beforeAll(async () => {
    stack = await startTestStack();
    work = makeHome('visitsarch-prenight-');
    // The visits of the sample cover the night 2025-11-01, those of the old file 2024-08-13.
    const add = (file: string, label: string, ...options: string[]) => ok(['add_simulation', file, label, '--store_as', 'hdf5', ...options]);
    uuids.completed = await ok(['add_completed', SAMPLE_OPSIM_DB, 'completed visits', '--tag', 'prenight']); // not a simulation: never listed
    fs.writeFileSync(path.join(work, 'conda.json'), JSON.stringify([{ name: 'numpy', version: '2.1.0', channel: 'conda-forge' }]));
    const condaHash = await ok(['save_env', '--file', path.join(work, 'conda.json')]);
    uuids.full = await add(SAMPLE_OPSIM_DB, 'nominal pre-night', '--first_day_obs', '2025-10-31', '--last_day_obs', '2025-11-02', '--tag', 'prenight,nominal,ideal',
      '--scheduler_version', '4.6.0', '--config_url', CONFIG_URL, '--sim_runner_args', '{"sim_duration": 2, "record_rewards": true, "anomalous_overhead_func": ["Not json serializable", "<function f>"]}',
      '--conda_env_sha256', condaHash, '--parent_visitseq_uuid', uuids.completed, '--parent_last_day_obs', '2025-10-30');
    await ok(['comment', uuids.full, 'first look: fine']);
    await ok(['comment', uuids.full, 'a/second "comment"']);
    fs.writeFileSync(path.join(work, 'rewards.h5'), Buffer.from('rewards bytes'));
    await ok(['add_file', uuids.full, 'rewards', path.join(work, 'rewards.h5')]);
    await ok(['nightly_stats', uuids.full, '--columns', 'altitude', 'azimuth', '--no-accumulated']);
    uuids.bare = await add(SAMPLE_OPSIM_DB, 'bare pre-night', '--tag', 'prenight', '--creation_time', new Date(Date.now() - 2 * 86_400_000).toISOString());
    uuids.untagged = await add(SAMPLE_OPSIM_DB, 'not a pre-night', '--tag', 'nominal');
    uuids.auxtel = await add(SAMPLE_OPSIM_DB, 'auxtel pre-night', '--telescope', 'auxtel', '--tag', 'prenight');
    uuids.tooOld = await add(SAMPLE_OPSIM_DB, 'older than 4000 days', '--tag', 'prenight', '--creation_time', '2010-01-01T00:00:00Z');
    uuids.august = await add(OLD_OPSIM_DB, 'an August night', '--tag', 'prenight');
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('selects the pre-night simulations of the night and telescope, in the upstream layout', async () => {
    const base = path.join(work, 'ours');
    const printed = await ok(['make-prenight-index', '20251101', 'simonyi', '--destination', `file://${base}/`]);
    const file = indexFile(base, 'simonyi', '2025-11-01');
    expect(printed).toBe(`file://${file}`);
    const index = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(index)).toEqual([uuids.full, uuids.bare]); // newest first; not untagged, auxtel, too old, another night or completed
    const entry = index[uuids.full];
    expect(Object.keys(entry)).toEqual(['sim_creation_day_obs', 'daily_id', 'visitseq_label', 'visitseq_url', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time',
      'scheduler_version', 'config_url', 'sim_runner_kwargs', 'conda_env_sha256', 'parent_visitseq_uuid', 'parent_last_day_obs', 'tags', 'comments', 'files', 'stats']);
    expect(entry).toMatchObject({ visitseq_label: 'nominal pre-night', telescope: 'simonyi', first_day_obs: '2025-10-31', last_day_obs: '2025-11-02', config_url: CONFIG_URL,
      scheduler_version: '4.6.0', parent_visitseq_uuid: uuids.completed, parent_last_day_obs: '2025-10-30', tags: ['ideal', 'nominal', 'prenight'] });
    expect(entry.creation_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(entry.files)).toEqual(['rewards']);
    expect(Object.values(entry.comments).sort()).toEqual(['a/second "comment"', 'first look: fine']); // jsonb's key order: shorter first, as upstream
    expect(Object.keys(entry.comments)[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/);
    expect(Object.keys(entry.stats).sort()).toEqual(['altitude', 'azimuth']);
    expect(entry.stats.altitude.accumulated).toBe(false);
    expect(index[uuids.bare]).toMatchObject({ stats: null, comments: {}, files: {}, config_url: null, conda_env_sha256: null, sim_runner_kwargs: null });

    const auxtel = await ok(['make_prenight_index', '2025-11-01', 'auxtel', '--destination', `file://${base}`]);
    expect(Object.keys(JSON.parse(fs.readFileSync(indexFile(base, 'auxtel', '2025-11-01'), 'utf8')))).toEqual([uuids.auxtel]);
    expect(auxtel).toContain('/auxtel/2025/11/');
    await ok(['make_prenight_index', '2024-08-13', 'simonyi', '--destination', `file://${base}/`]);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(base, 'simonyi', '2024', '8', 'simonyi_prenights_for_2024-08-13.json'), 'utf8')))).toEqual([uuids.august]);
    await ok(['make_prenight_index', '2030-01-01', 'simonyi', '--destination', `file://${base}/`]);
    expect(fs.readFileSync(indexFile(base, 'simonyi', '2030-01-01'), 'utf8')).toBe('{}');
  });

  (HAVE_UPSTREAM ? it : it.skip)("equals what the upstream's own make-prenight-index writes for the same contents", async () => {
    const schema = 'test_upstream';
    const url = new URL(stack.databaseUrl);
    const dsn = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
    const connect = `from rubin_sim.sim_archive.vseqmetadata import VisitSequenceArchiveMetadata\nvsarch = VisitSequenceArchiveMetadata(${JSON.stringify(dsn)}, ${JSON.stringify(schema)})\n`;
    await python(`${connect}vsarch.create_schema_in_database()`);
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const common = 'visitseq_uuid, visitseq_sha256, visitseq_label, visitseq_url, telescope, first_day_obs, last_day_obs, creation_time';
      await client.query(`INSERT INTO ${schema}.simulations (${common}, scheduler_version, config_url, conda_env_sha256, parent_visitseq_uuid, sim_runner_kwargs, parent_last_day_obs)
        SELECT ${common}, scheduler_version, config_url, conda_env_sha256, parent_visitseq_uuid, sim_runner_args, parent_last_day_obs FROM visitsarch.simulations`);
      await client.query(`INSERT INTO ${schema}.completed (${common}, query) SELECT ${common}, query FROM visitsarch.completed`);
      await client.query(`INSERT INTO ${schema}.tags (visitseq_uuid, tag) SELECT visitseq_uuid, tag FROM visitsarch.tags`);
      await client.query(`INSERT INTO ${schema}.comments (visitseq_uuid, comment_time, author, comment) SELECT visitseq_uuid, comment_time, author, comment FROM visitsarch.comments`);
      await client.query(`INSERT INTO ${schema}.files (visitseq_uuid, file_type, file_sha256, file_url) SELECT visitseq_uuid, file_type, file_sha256, file_url FROM visitsarch.files WHERE file_type <> 'visits'`);
      await client.query(`INSERT INTO ${schema}.nightly_stats (visitseq_uuid, day_obs, value_name, accumulated, count, mean, std, min, p05, q1, median, q3, p95, max)
        SELECT visitseq_uuid, day_obs, value_name, accumulated, count, mean, std, min, p05, q1, median, q3, p95, max FROM visitsarch.nightly_stats`);
    } finally {
      await client.end();
    }
    for (const [dayObs, telescope] of [['2025-11-01', 'simonyi'], ['2025-11-01', 'auxtel'], ['2024-08-13', 'simonyi']]) {
      const theirs = path.join(work, 'upstream');
      const ours = path.join(work, 'ours-compared');
      await python(
        `${connect}import click, datetime\nfrom rubin_sim.sim_archive.vseqarchive import make_prenight_index\n` +
          `with click.Context(make_prenight_index, obj=vsarch):\n    make_prenight_index.callback(dayobs=datetime.datetime.fromisoformat(${JSON.stringify(dayObs)}), telescope=${JSON.stringify(telescope)}, destination=${JSON.stringify(`file://${theirs}/`)})`,
      );
      await ok(['make_prenight_index', dayObs, telescope, '--destination', `file://${ours}/`]);
      const upstream = JSON.parse(fs.readFileSync(indexFile(theirs, telescope, dayObs), 'utf8'));
      const mine = JSON.parse(fs.readFileSync(indexFile(ours, telescope, dayObs), 'utf8'));
      expect(Object.keys(mine).sort()).toEqual(Object.keys(upstream).sort());
      expect(Object.keys(mine).length).toBeGreaterThan(0);
      for (const uuid of Object.keys(upstream)) {
        expect(Object.keys(mine[uuid])).toEqual(Object.keys(upstream[uuid]));
        expectSameJson(mine[uuid], upstream[uuid], uuid);
      }
    }
  });

  (HAVE_SCHEDVIEW ? it : it.skip)("is read back by rubin_sim's bucket loader and schedview's read_multiple_prenights", async () => {
    const base = path.join(work, 'for-schedview');
    await ok(['make_prenight_index', '2025-11-01', 'simonyi', '--destination', `file://${base}/`]);
    // The loaders try the upstream database first: point it at a closed port, so they fall back to the bucket (here, our directory).
    const output = await python(
      `import json\nfrom rubin_sim.sim_archive.prenightindex import get_prenight_index_from_bucket, get_prenight_index\nfrom schedview.collect.multisim import read_multiple_prenights\nfrom schedview.plot.prenighttable import prenight_html_for_telescope\n` +
        `index = get_prenight_index_from_bucket("2025-11-01", "simonyi", ${JSON.stringify(`file://${base}/`)})\n` +
        `fallback = get_prenight_index(20251101, "simonyi", prenight_index_path=${JSON.stringify(`file://${base}/`)})\n` +
        `visits = read_multiple_prenights("2025-10-01", "2025-11-01", telescope="simonyi", prenight_index_path=${JSON.stringify(`file://${base}/`)})\n` +
        `html = prenight_html_for_telescope("2025-11-01", index)\n` +
        `print(json.dumps({"index": list(index.index), "fallback": list(fallback.index), "tags": index.loc[${JSON.stringify(uuids.full)}, "tags"], "daily_ids": [int(i) for i in index.daily_id],` +
        ` "creation_day": str(index.loc[${JSON.stringify(uuids.full)}, "sim_creation_day_obs"]), "labels": sorted(set(visits.label)), "rows": {str(k): int(v) for k, v in visits.groupby("visitseq_uuid").size().items()}, "html": "nominal pre-night" in html}))`,
      { VSARCHIVE_PGHOST: '127.0.0.1', VSARCHIVE_PGPORT: '1', VSARCHIVE_PGUSER: 'nobody' },
    );
    const result = JSON.parse(output.trim().split('\n').pop() as string);
    expect(result.index).toEqual([uuids.full, uuids.bare]);
    expect(result.fallback).toEqual([uuids.full, uuids.bare]);
    expect(result.tags).toEqual(['ideal', 'nominal', 'prenight']);
    expect(result.daily_ids.every((id: number) => id >= 1)).toBe(true);
    expect(result.creation_day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.labels).toEqual(['bare pre-night', 'nominal pre-night']);
    // schedview read each simulation's visits of that night from our archive through visitseq_url.
    expect(result.rows[uuids.full]).toBeGreaterThan(0);
    expect(result.rows[uuids.bare]).toBe(result.rows[uuids.full]);
    expect(result.html).toBe(true);
  });

  it('keeps the per-night statistics where both kinds exist, and writes to S3', async () => {
    await ok(['nightly_stats', uuids.full, '--columns', 'altitude']); // adds the accumulated variant too
    const s3 = await startS3TestServer(['prenight-test']);
    try {
      const env = { S3_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, PRENIGHT_INDEX_URL: 's3://prenight-test/opsim/prenight_index/' };
      const written = await visitsarch(['make_prenight_index', '2025-11-01', 'simonyi'], env);
      expect(written.stderr).toBe('');
      expect(written.stdout).toBe('s3://prenight-test/opsim/prenight_index/simonyi/2025/11/simonyi_prenights_for_2025-11-01.json\n');
      const stored = path.join(s3.dataDirectory, 'prenight-test', 'opsim', 'prenight_index', 'simonyi', '2025', '11', 'simonyi_prenights_for_2025-11-01.json');
      const index = JSON.parse(fs.readFileSync(stored, 'utf8'));
      expect(index[uuids.full].stats.altitude.accumulated).toBe(false);
      const perNight = await ok(['--format', 'json', 'query', `SELECT mean FROM nightly_stats WHERE visitseq_uuid = '${uuids.full}' AND value_name = 'altitude' AND day_obs = '2025-11-01' AND NOT accumulated`]);
      expect(index[uuids.full].stats.altitude.mean).toBe(JSON.parse(perNight)[0].mean);

      const missingBucket = await visitsarch(['make_prenight_index', '2025-11-01', 'simonyi', '--destination', 's3://no-such-bucket/x/'], env);
      expect(missingBucket.code).toBe(1);
      expect(missingBucket.stderr).toMatch(/^visitsarch: cannot write s3:\/\/no-such-bucket\/x\/simonyi\/2025\/11\/simonyi_prenights_for_2025-11-01\.json: .+\n$/);
    } finally {
      await s3.stop();
    }
  });

  it('fails with one line and exit code 2 on bad input, 1 when the archive is unreachable', async () => {
    const badDay = await visitsarch(['make_prenight_index', '2025-13-01', 'simonyi', '--destination', `file://${work}/x/`]);
    expect([badDay.code, badDay.stderr]).toEqual([2, 'visitsarch: day_obs: not a day_obs: "2025-13-01" (expected YYYY-MM-DD, YYYYMMDD or an integer such as 20250814, or an MJD such as 60981.2)\n']);
    const badTelescope = await visitsarch(['make_prenight_index', '2025-11-01', 'lsst']);
    expect(badTelescope.code).toBe(2);
    expect(badTelescope.stderr).toContain("Allowed choices are simonyi, auxtel");
    const badDestination = await visitsarch(['make_prenight_index', '2025-11-01', 'simonyi', '--destination', 'prenight_index/']);
    expect([badDestination.code, badDestination.stderr]).toEqual([2, 'visitsarch: --destination must be a file:/// or s3:// URL, got "prenight_index/"\n']);
    const down = await cli(['make_prenight_index', '2025-11-01', 'simonyi', '--destination', `file://${work}/x/`], '127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^visitsarch: cannot reach the gateway at 127\.0\.0\.1:1/);
    expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
  });
});

/** Deep equality of two parsed JSON values, numbers to 1e-9 (relative), with a path in the message. */
function expectSameJson(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) throw new Error(`${where}: ${actual} != ${expected}`);
    return;
  }
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    expect([where, Array.isArray(actual), Object.keys(actual).sort()]).toEqual([where, Array.isArray(expected), Object.keys(expected).sort()]);
    for (const key of Object.keys(expected)) expectSameJson((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${where}.${key}`);
    return;
  }
  expect([where, actual]).toEqual([where, expected]);
}
