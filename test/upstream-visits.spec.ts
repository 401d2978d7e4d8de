/**
 * The visits of sequences recorded without them (issue 16): `adopt_visits` stores a visits file
 * for a metadata-only sequence whose visitseq_sha256 cannot be reproduced, replacing that hash by
 * the canonical one; `import_upstream --with-visits` does it for every imported sequence whose
 * visitseq_url is a local file. Then download (.h5, .db), nightly_stats and add_mixed work.
 *
 * The second part is the real thing: rubin_sim (in .venv) makes an upstream database and writes
 * its visits files into a file:// archive with its own functions (record_*_metadata, add_file,
 * compute_visits_sha256); the stack imports that database from its own PostgreSQL.
 *
 * The third is issue 16's acceptance in one test: the upstream writes into the archive's own root
 * (simulations with visits, completed, mixed, tags, a comment with microseconds, a file, a conda
 * environment, nightly statistics, MAF rows, a row without day_obs); `import_upstream --in-place`
 * imports it, every row and value is checked, the visits are registered where they are, and the
 * imported sequences are downloaded, mixed, given statistics and read by rubin_sim's get_visits.
 */
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, cli } from './support/run';
import { OLD_OPSIM_DB, SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

jest.setTimeout(180_000);

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const HAVE_RUBIN_SIM =
  fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import rubin_sim.sim_archive.vseqarchive, rubin_sim.sim_archive.vseqmetadata, psycopg2, tables'], { stdio: 'ignore' }).status === 0;
if (!HAVE_RUBIN_SIM) {
  console.warn(`SKIPPED: adopting the visits rubin_sim itself archived needs rubin_sim, psycopg2 and tables in ${PYTHON} (pip install -r clients/python/requirements-dev.txt)`);
}

/**
 * An upstream archive as rubin_sim makes it: its schema (create_schema_in_database), a simulation
 * whose visits are the sample opsim database, archived by add_file (which converts it to
 * visits.h5 as the upstream does), and a completed sequence of the same visits one night earlier,
 * archived from a pandas HDF5 file, an undated simulation, a mixed sequence of the two with a
 * comment whose time has microseconds, tags, a conda environment, a rewards file record, nightly
 * statistics and MAF rows. Arguments: psycopg2 connection keywords (JSON), the schema, the
 * archive's file:// base URL, the opsim database and a scratch directory. Prints JSON.
 */
const RUBIN_SIM_UPSTREAM = `
import hashlib, json, math, sqlite3, sys
import pandas as pd
from astropy.time import Time
from rubin_sim.sim_archive.vseqarchive import add_file, compute_nightly_stats
from rubin_sim.sim_archive.vseqmetadata import VisitSequenceArchiveMetadata, compute_visits_sha256

dsn, schema, archive_base, opsim_db, scratch = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
vsarch = VisitSequenceArchiveMetadata(dsn, schema)
vsarch.create_schema_in_database()
with sqlite3.connect(opsim_db) as connection:
    visits = pd.read_sql("SELECT * FROM observations", connection)
sim = vsarch.record_simulation_metadata(visits, "upstream prenight", telescope="simonyi", url=None,
    first_day_obs="2025-11-01", last_day_obs="2025-11-01", creation_time=Time("2025-11-01T12:00:00", scale="utc"),
    scheduler_version="3.18.1")
sim_url = add_file(vsarch, sim, opsim_db, "visits", archive_base).geturl()
earlier = visits.copy()
earlier["observationStartMJD"] -= 1
earlier["night"] -= 1
earlier_h5 = scratch + "/completed_visits.h5"
earlier.to_hdf(earlier_h5, key="observations")
completed = vsarch.record_completed_metadata(earlier, "upstream completed", url=None,
    first_day_obs="2025-10-31", last_day_obs="2025-10-31", creation_time=Time("2025-11-01T13:00:00", scale="utc"),
    query="SELECT * FROM cdb_lsstcam.visit1")
completed_url = add_file(vsarch, completed, earlier_h5, "visits", archive_base).geturl()
vsarch.tag(sim, "prenight")
# Recorded without first/last_day_obs: the upstream's default when they are omitted.
undated = vsarch.record_simulation_metadata(visits, "upstream undated", telescope="simonyi", url=None,
    creation_time=Time("2025-11-01T14:00:00", scale="utc"), scheduler_version="3.18.1")
undated_url = add_file(vsarch, undated, opsim_db, "visits", archive_base).geturl()
vsarch.tag(undated, "nightless")
night = lambda mjd: Time(math.floor(mjd - 0.5), format="mjd").datetime.date().isoformat()
# A mixed sequence of the two, with its own visits file, a tag and a comment (its time has microseconds).
mixed_visits = pd.concat([earlier, visits])
mixed_h5 = scratch + "/mixed_visits.h5"
mixed_visits.to_hdf(mixed_h5, key="observations")
mixed = vsarch.record_mixed_metadata(mixed_visits, "upstream mixed", "2025-10-31", "2025-11-01", completed, sim,
    first_day_obs="2025-10-31", last_day_obs="2025-11-01", creation_time=Time("2025-11-01T15:00:00.654321", scale="utc"))
mixed_url = add_file(vsarch, mixed, mixed_h5, "visits", archive_base).geturl()
vsarch.tag(mixed, "mixed-upstream")
vsarch.comment(mixed, "spliced upstream", author="tester")
# What else hangs off the sequences: a conda environment, a file, nightly statistics and MAF rows.
conda_json = json.dumps([{"name": "numpy", "version": "2.3.1", "channel": "conda-forge", "build_number": 0}])
vsarch.record_conda_env(hashlib.sha256(conda_json.encode()).digest(), conda_json)
vsarch.register_file(sim, "rewards", hashlib.sha256(b"rewards").digest(), archive_base + "rewards-of-the-sim.h5")
vsarch.insert_nightly_stats(sim, compute_nightly_stats(visits, columns=["altitude", "azimuth"]))
run = lambda text, data={}: vsarch.query(text, data, commit=True, return_result=False)
run("""INSERT INTO maf_metrics VALUES ('ExgalM5', '2.6.2', 'filter = ''r''', 'Coaddm5Metric', '{"m5_col": "fiveSigmaDepth"}', 'HealpixSlicer', '{"nside": 64}')""")
run("INSERT INTO maf_metric_sets VALUES ('DDF', 'ExgalM5', 'm5 r', 'r-', false, true)")
run("INSERT INTO maf_summary_metrics VALUES (%(s)s, 'ExgalM5', '2025-11-01', true, 25.375)", {"s": sim})
run("INSERT INTO maf_healpix_stats VALUES (%(s)s, 'ExgalM5', '2025-11-01', true, 64, 3, 25.1, 'NaN', 24.9, 24.9, 25, 25.1, 25.2, 25.3, 25.4, NULL)", {"s": sim})
hashes = {str(u): bytes(vsarch.get_visitseq_metadata(u)["visitseq_sha256"]).hex() for u in (sim, completed, undated, mixed)}
print(json.dumps({"sim": str(sim), "completed": str(completed), "sim_url": sim_url, "completed_url": completed_url, "upstream_sha256": hashes,
    "recomputed": {str(sim): compute_visits_sha256(visits).hex()}, "undated": str(undated), "undated_url": undated_url,
    "undated_nights": [night(visits.observationStartMJD.min()), night(visits.observationStartMJD.max())],
    "mixed": str(mixed), "mixed_url": mixed_url}))
`;

describe('visits of sequences recorded without them', () => {
  let stack: TestStack;
  let work: string;
  const visitsarch = (args: string[]) => cli(args, stack.gateway);
  const ok = async (args: string[]) => {
    const done = await visitsarch(args);
    if (done.code !== 0) throw new Error(`visitsarch ${args.join(' ')} exited ${done.code}: ${done.stderr}`);
    return done;
  };
  const show = async (uuid: string) => JSON.parse((await ok(['--format', 'json', 'show', uuid])).stdout);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-upstream-visits-'));
    // The upstream database is a schema of the stack's own PostgreSQL, on the loopback host.
    stack = await startTestStack({ serviceEnv: { metadata: { UPSTREAM_ALLOWED_ENDPOINTS: '127.0.0.1,localhost' } } });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** download .h5 and .db, nightly_stats, and add_mixed with the sequence as a parent all work. */
  async function expectUsable(uuid: string, rows: number, otherParent: string, lastEarly: string, firstLate: string, early: 'self' | 'other') {
    for (const name of ['down.h5', 'down.db']) {
      const dest = path.join(work, `${uuid}-${name}`);
      await ok(['download', uuid, 'visits', dest]);
      expect((await ok(['hash', dest])).stdout.trim()).toBe((await show(uuid)).visitseq_sha256);
    }
    const stats = await ok(['--format', 'json', 'nightly_stats', uuid, '--columns', 'altitude']);
    const statRows = JSON.parse(stats.stdout) as { value_name: string; count: number }[];
    expect(statRows.filter((row) => row.value_name === 'altitude').map((row) => Number(row.count))).toContain(rows);
    const [earlyParent, lateParent] = early === 'self' ? [uuid, otherParent] : [otherParent, uuid];
    const mixed = (await ok(['add_mixed', `mixed with ${uuid}`, '--early_parent', earlyParent, '--late_parent', lateParent, '--last_early_day_obs', lastEarly, '--first_late_day_obs', firstLate])).stdout.trim();
    const dest = path.join(work, `${mixed}.h5`);
    await ok(['download', mixed, 'visits', dest]);
    expect((await ok(['hash', dest])).stdout.trim()).toBe((await show(mixed)).visitseq_sha256);
  }

  it('adopt_visits stores the visits of a metadata-only sequence with an unreproducible hash and records the canonical hash', async () => {
    // A stored simulation, whose visits as an .h5 file stand for the upstream's visits.h5.
    const stored = (await ok(['add_simulation', SAMPLE_OPSIM_DB, 'stored'])).stdout.trim();
    const upstreamH5 = path.join(work, 'upstream-visits.h5');
    await ok(['download', stored, 'visits', upstreamH5]);
    const canonical = (await ok(['hash', upstreamH5])).stdout.trim();

    // Left as an import leaves it: metadata only, the upstream's hash and URL, no `visits` record.
    const upstreamHash = 'ab'.repeat(32);
    const imported = (await ok(['add_simulation', SAMPLE_OPSIM_DB, 'as imported', '--archive', ''])).stdout.trim();
    await ok(['update-visitseq-metadata', imported, 'visitseq_sha256', upstreamHash]);
    await ok(['set-visitseq-url', imported, pathToFileURL(upstreamH5).href]);
    const notStored = await visitsarch(['download', imported, 'visits', path.join(work, 'nope.h5')]);
    expect(notStored.code).toBe(1);
    expect(notStored.stderr).toMatch(/not stored in the archive/);

    // Without a visitseq_url, FILE must be given.
    const other = (await ok(['add_simulation', SAMPLE_OPSIM_DB, 'other', '--archive', ''])).stdout.trim();
    await ok(['update-visitseq-metadata', other, 'visitseq_sha256', upstreamHash]);
    const noFile = await visitsarch(['adopt_visits', other]);
    expect(noFile).toMatchObject({ code: 2, stdout: '' });
    expect(noFile.stderr).toBe(`visitsarch: visit sequence ${other} has no visitseq_url: give the visits FILE (visitsarch adopt_visits ${other} FILE)\n`);

    // Visits of other nights than those recorded are refused, and nothing is stored or recorded.
    const otherNights = await visitsarch(['adopt_visits', other, OLD_OPSIM_DB]);
    expect(otherNights).toMatchObject({ code: 1, stdout: '' });
    expect(otherNights.stderr).toMatch(/^visitsarch: failed precondition: these visits span 2024-08-1\d to 2024-08-1\d, outside the nights recorded for .* \(2025-11-01 to 2025-11-01\)\n$/);
    expect((await show(other)).visitseq_sha256).toBe(upstreamHash);
    expect((await show(other)).files?.visits).toBeUndefined();

    // FILE defaults to the visitseq_url when it is a local file.
    const adopted = await ok(['adopt_visits', imported]);
    expect(adopted.stdout).toMatch(new RegExp(`^visitseq_url file:///.*/${imported}/visits\\.arrows\\nvisitseq_sha256 ${canonical}\\nprevious_visitseq_sha256 ${upstreamHash}\\n$`));
    const shown = await show(imported);
    expect(shown.visitseq_sha256).toBe(canonical);
    expect(shown.files.visits.url).toBe(adopted.stdout.split('\n')[0].split(' ')[1]);
    expect(fs.existsSync(upstreamH5)).toBe(true); // the upstream's object stays where it is

    // Only once: a sequence with stored visits cannot adopt others (one line, non-zero).
    const again = await visitsarch(['adopt_visits', imported, upstreamH5]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^visitsarch: .*already stored in the archive.*\n$/);
    expect(again.stderr.split('\n')).toHaveLength(2);

    // An explicit FILE of another format (opsim SQLite) works as well.
    const explicit = await ok(['--format', 'json', 'adopt_visits', other, SAMPLE_OPSIM_DB]);
    expect(JSON.parse(explicit.stdout)).toMatchObject({ visitseq_uuid: other, visitseq_sha256: (await ok(['hash', SAMPLE_OPSIM_DB])).stdout.trim(), previous_visitseq_sha256: upstreamHash, row_count: 554 });

    await expectUsable(imported, 554, stored, '2025-10-31', '2025-11-01', 'other');
  });

  /** What RUBIN_SIM_UPSTREAM made. */
  interface Upstream {
    sim: string;
    completed: string;
    sim_url: string;
    completed_url: string;
    upstream_sha256: Record<string, string>;
    recomputed: Record<string, string>;
    undated: string;
    undated_url: string;
    undated_nights: [string, string];
    mixed: string;
    mixed_url: string;
  }

  /** rubin_sim makes an upstream database in `schema` of the stack's PostgreSQL, its visits files under `archiveBase`. */
  function makeUpstream(schema: string, archiveBase: string): Upstream {
    const url = new URL(stack.databaseUrl);
    const dsn = { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
    const scratch = fs.mkdtempSync(path.join(work, `${schema}-`));
    const made = spawnSync(PYTHON, ['-c', RUBIN_SIM_UPSTREAM, JSON.stringify(dsn), schema, archiveBase, SAMPLE_OPSIM_DB, scratch], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PGTZ: 'UTC' },
    });
    if (made.status !== 0) throw new Error(`rubin_sim failed (${made.status}): ${made.stderr.slice(-3000)}`);
    return JSON.parse(made.stdout.trim().split('\n').pop()!) as Upstream;
  }

  (HAVE_RUBIN_SIM ? it : it.skip)("import_upstream --with-visits adopts the visits rubin_sim's own archive functions wrote", async () => {
    const schema = 'test_upstream_visits';
    const upstream = makeUpstream(schema, `${pathToFileURL(path.join(work, 'upstream-archive')).href}/`);
    expect(upstream.sim_url).toMatch(/^file:\/\/\/.*\/simonyi\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]+\/visits\.h5$/);
    // The upstream's hash is not reproducible: hashing the same visits again gives another value.
    expect(upstream.recomputed[upstream.sim]).not.toBe(upstream.upstream_sha256[upstream.sim]);

    const imported = await visitsarch(['--format', 'json', 'import_upstream', '--dsn', stack.databaseUrl, '--schema', schema, '--with-visits']);
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const report = JSON.parse(imported.stdout) as { rows: { table: string; visitseq_uuid: string; outcome: string; upstream_sha256: string }[] };
    for (const [uuid, table] of [[upstream.sim, 'simulations'], [upstream.completed, 'completed']]) {
      // The report records the upstream's hash; the archive now holds the canonical one.
      expect(report.rows.find((row) => row.table === table && row.visitseq_uuid === uuid)).toMatchObject({ outcome: 'imported', upstream_sha256: upstream.upstream_sha256[uuid] });
      const local = new URL(uuid === upstream.sim ? upstream.sim_url : upstream.completed_url);
      const canonical = (await ok(['hash', local.pathname])).stdout.trim();
      expect(imported.stderr).toContain(`import_upstream: ${uuid} adopted: 554 visits from ${local.pathname}, now at file://`);
      expect(imported.stderr).toContain(`visitseq_sha256 ${canonical} (was the upstream's ${upstream.upstream_sha256[uuid]})`);
      const shown = await show(uuid);
      expect(shown.visitseq_sha256).toBe(canonical);
      expect(shown.visitseq_url).toBe(shown.files.visits.url);
      expect(shown.visitseq_url).not.toBe(local.href);
    }

    // The sequence the upstream left without first/last_day_obs comes in with the nights of its
    // visits, read by the CLI from the upstream's file, and with what hangs off it; its visits too.
    const undatedLocal = new URL(upstream.undated_url).pathname;
    const [firstNight, lastNight] = upstream.undated_nights;
    expect(imported.stderr).toContain(`import_upstream: ${upstream.undated} has no first/last_day_obs upstream: its visits (${undatedLocal}) cover ${firstNight} to ${lastNight}`);
    const undatedRows = (report.rows as unknown as { table: string; visitseq_uuid: string; key: string; outcome: string; reason: string }[]).filter((row) => row.visitseq_uuid === upstream.undated);
    expect(undatedRows.find((row) => row.table === 'simulations')).toMatchObject({ outcome: 'imported', reason: expect.stringMatching(/^first_day_obs\/last_day_obs taken from the nights of its visits/) });
    expect(undatedRows.find((row) => row.table === 'tags')).toMatchObject({ key: 'tag=nightless', outcome: 'imported' });
    const undatedShown = await show(upstream.undated);
    expect(undatedShown).toMatchObject({ first_day_obs: firstNight, last_day_obs: lastNight, tags: ['nightless'] });
    expect(undatedShown.visitseq_sha256).toBe((await ok(['hash', undatedLocal])).stdout.trim());
    expect(imported.stderr).toContain(`import_upstream: ${upstream.undated} adopted: 554 visits from ${undatedLocal}`);

    // The upstream's mixed sequence keeps its kind, parents, splice nights, microseconds and what
    // hangs off it, and its visits are adopted like the others'.
    const mixedShown = await show(upstream.mixed);
    // Its creation time to the microsecond, through the contracts and the CLI as in the database.
    expect(mixedShown).toMatchObject({ kind: 'mixed', tags: ['mixed-upstream'], creation_time: '2025-11-01T15:00:00.654321Z' });
    const stored = await ok(['--format', 'json', 'query', `SELECT creation_time::text AS created, (SELECT comment_time::text FROM comments c WHERE c.visitseq_uuid = v.visitseq_uuid) AS commented FROM visitseq v WHERE visitseq_uuid = '${upstream.mixed}'`]);
    expect(JSON.parse(stored.stdout)).toEqual([{ created: '2025-11-01 15:00:00.654321+00', commented: expect.any(String) }]);
    const database = new Client({ connectionString: stack.databaseUrl });
    await database.connect();
    try {
      const same = await database.query(
        `SELECT (SELECT comment_time FROM ${schema}.comments WHERE visitseq_uuid = $1) = (SELECT comment_time FROM visitsarch.comments WHERE visitseq_uuid = $1) AS same`,
        [upstream.mixed],
      );
      expect(same.rows).toEqual([{ same: true }]); // to the microsecond
    } finally {
      await database.end();
    }
    expect(JSON.stringify(mixedShown)).toContain(upstream.completed);
    expect(JSON.stringify(mixedShown)).toContain(upstream.sim);
    expect(imported.stderr).toContain(`import_upstream: ${upstream.mixed} adopted: 1108 visits from ${new URL(upstream.mixed_url).pathname}`);
    const comments = await ok(['--format', 'json', 'comments', upstream.mixed]);
    expect(JSON.parse(comments.stdout)).toEqual([expect.objectContaining({ comment: 'spliced upstream', author: 'tester' })]);
    const mixedDest = path.join(work, 'upstream-mixed.db');
    await ok(['download', upstream.mixed, 'visits', mixedDest]);
    expect((await ok(['hash', mixedDest])).stdout.trim()).toBe(mixedShown.visitseq_sha256);

    // A second run adopts nothing more, and finds the adopted sequences already present: they
    // differ from their upstream rows only by the adoption (hash and URL), which it says.
    const again = await visitsarch(['--format', 'json', 'import_upstream', '--dsn', stack.databaseUrl, '--schema', schema, '--with-visits']);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/adopted|failed/);
    expect(again.stderr).toContain(`import_upstream: ${upstream.sim} skipped: its visits are already stored in the archive`);
    const againRows = (JSON.parse(again.stdout) as typeof report).rows as { table: string; visitseq_uuid: string; outcome: string; reason?: string }[];
    const adoptedReason = "its visits were adopted here, so this archive's visitseq_sha256 and visitseq_url are theirs";
    for (const uuid of [upstream.sim, upstream.completed, upstream.undated, upstream.mixed]) {
      const sequenceRow = againRows.find((row) => ['simulations', 'completed', 'mixedvisitseq'].includes(row.table) && row.visitseq_uuid === uuid)!;
      const reason = uuid === upstream.undated ? `${adoptedReason}; this archive's first_day_obs and last_day_obs are from the nights of its visits (the upstream has none)` : adoptedReason;
      expect(sequenceRow).toMatchObject({ outcome: 'already-present', reason });
    }
    expect(againRows.filter((row) => row.outcome !== 'already-present')).toEqual([]);

    await expectUsable(upstream.sim, 554, upstream.completed, '2025-10-31', '2025-11-01', 'other');
    await expectUsable(upstream.completed, 554, upstream.sim, '2025-10-31', '2025-11-01', 'self');
  });

  (HAVE_RUBIN_SIM ? it : it.skip)('import_upstream --in-place registers the visits rubin_sim wrote into the archive\'s own root where they are, verified on every read', async () => {
    // The issue's setting: the archive pointed at the same root the upstream wrote to.
    const schema = 'test_upstream_in_place';
    const upstream = makeUpstream(schema, stack.archiveUrl);
    const bytesBefore = fs.readFileSync(new URL(upstream.sim_url));

    const imported = await visitsarch(['--format', 'json', 'import_upstream', '--dsn', stack.databaseUrl, '--schema', schema, '--in-place']);
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    for (const [uuid, url, rows] of [
      [upstream.sim, upstream.sim_url, 554],
      [upstream.completed, upstream.completed_url, 554],
      [upstream.undated, upstream.undated_url, 554],
      [upstream.mixed, upstream.mixed_url, 1108],
    ] as const) {
      const local = new URL(url).pathname;
      const canonical = (await ok(['hash', local])).stdout.trim();
      expect(imported.stderr).toContain(`import_upstream: ${uuid} adopted in place: ${rows} visits at ${url}; visitseq_sha256 ${canonical} (was the upstream's ${upstream.upstream_sha256[uuid]})`);
      const shown = await show(uuid);
      // Registered where it is: the same URL, its SHA-256 and size recorded, the canonical hash adopted.
      expect(shown.visitseq_url).toBe(url);
      expect(shown.visitseq_sha256).toBe(canonical);
      expect(shown.files.visits).toMatchObject({ url, size: fs.statSync(local).size });
    }
    expect(fs.readFileSync(new URL(upstream.sim_url)).equals(bytesBefore)).toBe(true); // not rewritten

    // Every upstream row is here with the same values (the sequences' hashes aside: adopted), and
    // nothing was refused; NaN statistics come as NULL, times to the microsecond.
    const report = JSON.parse(imported.stdout) as { rows: { table: string; visitseq_uuid: string; outcome: string }[] };
    // (The conda environment and MAF metrics, keyed by name, may have come with the previous test's upstream.)
    expect(report.rows.filter((row) => !(row.outcome === 'imported' || (!row.visitseq_uuid && row.outcome === 'already-present')))).toEqual([]);
    expect(new Set(report.rows.map((row) => row.table))).toEqual(
      new Set(['simulations', 'completed', 'mixedvisitseq', 'tags', 'comments', 'files', 'conda_env', 'nightly_stats', 'maf_metrics', 'maf_metric_sets', 'maf_summary_metrics', 'maf_healpix_stats']),
    );
    const database = new Client({ connectionString: stack.databaseUrl });
    await database.connect();
    try {
      const same = async (table: string, target: string, columns: string[], where = 'true') => {
        const pairs = columns.map((column) => column.split('='));
        const theirs = pairs.map(([ours, their = ours]) => (/^(std|mean|min|max|p05|q1|median|q3|p95|summary_value)$/.test(ours) ? `NULLIF(u.${their}, 'NaN')` : `u.${their}`));
        const [counts] = (
          await database.query(`SELECT (SELECT count(*) FROM ${schema}.${table} u WHERE ${where})::int AS upstream,
            (SELECT count(*) FROM ${schema}.${table} u WHERE ${where} AND EXISTS (SELECT 1 FROM visitsarch.${target} a WHERE (${pairs.map(([ours]) => `a.${ours}`).join(', ')}) IS NOT DISTINCT FROM (${theirs.join(', ')})))::int AS here`)
        ).rows;
        expect({ table, here: counts.here }).toEqual({ table, here: counts.upstream });
        return counts.here as number;
      };
      const sequence = ['visitseq_uuid', 'visitseq_label', 'visitseq_url', 'telescope', 'creation_time'];
      expect(await same('simulations', 'simulations', [...sequence, 'scheduler_version', 'config_url', 'sim_runner_args=sim_runner_kwargs', 'conda_env_sha256', 'parent_visitseq_uuid', 'parent_last_day_obs'])).toBe(2);
      expect(await same('completed', 'completed', [...sequence, 'first_day_obs', 'last_day_obs', 'query'])).toBe(1);
      expect(await same('mixedvisitseq', 'mixedvisitseqs', [...sequence, 'first_day_obs', 'last_day_obs', 'last_early_day_obs', 'first_late_day_obs', 'early_parent_uuid', 'late_parent_uuid'])).toBe(1);
      expect(await same('tags', 'tags', ['visitseq_uuid', 'tag'])).toBe(3);
      expect(await same('comments', 'comments', ['visitseq_uuid', 'comment_time', 'author', 'comment'])).toBe(1);
      expect(await same('conda_env', 'condaenv', ['conda_env_hash', 'conda_env'])).toBe(1);
      const statistics = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'];
      expect(await same('nightly_stats', 'nightly_stats', ['visitseq_uuid', 'day_obs', 'value_name', 'accumulated', ...statistics])).toBeGreaterThan(0);
      expect(await same('maf_metrics', 'maf_metrics', ['maf_metric_name', 'rubin_sim_version', '"constraint"=maf_constraint', 'metric_class_name', 'metric_args', 'slicer_class_name', 'slicer_args'])).toBe(1);
      expect(await same('maf_metric_sets', 'maf_metric_sets', ['metric_set', 'maf_metric_name', 'short_name', 'style', 'invert', 'mag'])).toBe(1);
      expect(await same('maf_summary_metrics', 'maf_summary_metrics', ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'summary_value'])).toBe(1);
      expect(await same('maf_healpix_stats', 'maf_healpix_stats', ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'nside', ...statistics, 'url'])).toBe(1);
      // The upstream's file records (visits here are the adopted ones, with their SHA-256 and size).
      expect(await same('files', 'files', ['visitseq_uuid', 'file_type', 'file_sha256', 'file_url'])).toBe(1);
      // The dated sequences' nights as upstream; the undated one's from its visits.
      const nights = (await database.query(`SELECT visitseq_uuid::text AS uuid, first_day_obs::text AS first, last_day_obs::text AS last FROM visitsarch.visitseq WHERE visitseq_uuid = ANY($1::uuid[])`, [[upstream.undated]])).rows;
      expect(nights).toEqual([{ uuid: upstream.undated, first: upstream.undated_nights[0], last: upstream.undated_nights[1] }]);
      expect(await same('simulations', 'simulations', ['visitseq_uuid', 'first_day_obs', 'last_day_obs'], 'u.first_day_obs IS NOT NULL')).toBe(1);
    } finally {
      await database.end();
    }

    // A second run adopts nothing more: every row is already present (in place, only the hash is the
    // adoption's). Before the statistics below: they replace the upstream's, which differ in the last bits.
    const again = await visitsarch(['--format', 'json', 'import_upstream', '--dsn', stack.databaseUrl, '--schema', schema, '--in-place']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`import_upstream: ${upstream.sim} skipped: its visits are already stored in the archive`);
    const againRows = JSON.parse(again.stdout).rows as { table: string; visitseq_uuid: string; outcome: string; reason: string }[];
    expect(againRows.filter((row) => row.outcome !== 'already-present')).toEqual([]);
    expect(againRows.find((row) => row.table === 'simulations' && row.visitseq_uuid === upstream.sim)!.reason).toBe("its visits were adopted here, so this archive's visitseq_sha256 is theirs");

    // Read in every way a client has: downloads (.h5, .db), statistics, mixing, and the Python
    // client's Flight read (rubin_sim's own reader opens the same object).
    await expectUsable(upstream.sim, 554, upstream.completed, '2025-10-31', '2025-11-01', 'other');
    await expectUsable(upstream.completed, 554, upstream.sim, '2025-10-31', '2025-11-01', 'self');
    const readBack = spawnSync(
      PYTHON,
      [
        '-c',
        `import sys, visitsarch
from rubin_sim.sim_archive.vseqarchive import get_visits
with visitsarch.VisitSequenceArchive(sys.argv[1]) as archive:
    ours = archive.download(sys.argv[2], "visits")
theirs = get_visits(sys.argv[3])
print(len(ours), len(theirs), bool((ours["observationId"].to_numpy() == theirs["observationId"].to_numpy()).all()))`,
        stack.gateway,
        upstream.sim,
        upstream.sim_url,
      ],
      { encoding: 'utf8', timeout: 120_000, cwd: path.join(REPO_ROOT, 'clients', 'python'), env: { ...process.env, VISITSARCH_TOKEN: stack.token ?? '' } },
    );
    expect({ status: readBack.status, stdout: readBack.stdout.trim(), stderr: readBack.status === 0 ? '' : readBack.stderr.slice(-2000) }).toEqual({ status: 0, stdout: '554 554 True', stderr: '' });

    // One object, one sequence: another sequence naming the same object cannot adopt it (one line).
    const twin = (await ok(['add_simulation', SAMPLE_OPSIM_DB, 'twin', '--archive', ''])).stdout.trim();
    await ok(['set-visitseq-url', twin, upstream.sim_url]);
    const shared = await visitsarch(['adopt_visits', twin, '--in-place']);
    expect(shared.code).toBe(1);
    expect(shared.stderr).toBe(`visitsarch: failed precondition: ${upstream.sim_url} is also the object of visit sequence ${upstream.sim}: an object the archive keeps belongs to one sequence\n`);
    // An object outside the archive's storage is copied, not registered: refused with one line.
    const outside = path.join(work, 'outside.db');
    fs.copyFileSync(SAMPLE_OPSIM_DB, outside);
    await ok(['set-visitseq-url', twin, pathToFileURL(outside).href]);
    const refused = await visitsarch(['adopt_visits', twin, '--in-place']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(
      `visitsarch: failed precondition: the visits of ${twin} are at ${pathToFileURL(outside).href}, outside the archive's storage: they cannot be adopted where they are; copy them instead (visitsarch adopt_visits ${twin} FILE)\n`,
    );

    // Verified on every read: a changed object is DATA_LOSS, however it is read.
    const damaged = Buffer.from(bytesBefore);
    damaged[damaged.length - 100] ^= 0xff;
    fs.writeFileSync(new URL(upstream.sim_url), damaged);
    for (const dest of ['damaged.h5', 'damaged.db']) {
      const read = await visitsarch(['download', upstream.sim, 'visits', path.join(work, dest)]);
      expect(read.code).not.toBe(0);
      expect(read.stderr).toMatch(/^visitsarch: .*(SHA-256|sha256|checksum|damaged|DATA_LOSS)/i);
      expect(fs.existsSync(path.join(work, dest))).toBe(false);
    }
    const stats = await visitsarch(['nightly_stats', upstream.sim, '--columns', 'altitude']);
    expect(stats.code).not.toBe(0);
  });
});
