import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as YAML from 'yaml';
import { startS3TestServer } from '@visitsarch/storage';
import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT } from './support/run';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const HAVE_PYTHON = fs.existsSync(PYTHON);
const HAVE_RUBIN_SIM = HAVE_PYTHON && spawnSync(PYTHON, ['-c', 'import rubin_sim.sim_archive.sim_archive, rubin_scheduler'], { stdio: 'ignore' }).status === 0;
if (!HAVE_RUBIN_SIM) console.warn(`SKIPPED: importing a prototype entry written by rubin_sim's own make_sim_data_dir needs rubin_sim in ${PYTHON} (pip install -r clients/python/requirements-dev.txt)`);

/** rubin_sim's own writer of a prototype archive entry, fed the sample opsim database's visits. */
const MAKE_SIM_DATA_DIR = `
import os, sqlite3, sys, warnings
import pandas as pd
warnings.simplefilter("ignore")
from rubin_scheduler.scheduler.utils import SchemaConverter
from rubin_sim.sim_archive.sim_archive import make_sim_data_dir
opsim_db, out = sys.argv[1], sys.argv[2]
with sqlite3.connect(opsim_db) as con:
    visits = pd.read_sql("SELECT * FROM observations", con)
reward_df = pd.DataFrame({"basis_function": ["a", "b"], "feasible": [True, False], "max_basis_reward": [1.0, 2.0]})
obs_rewards = pd.DataFrame({"list_index": [0, 1], "reward": [0.5, 0.25]})
os.makedirs(out)
make_sim_data_dir(SchemaConverter().opsimdf2obs(visits), reward_df, obs_rewards, tags=["prenight", "nominal"],
                  label="Oracle prenight run at 2026-06-30T12:00:00", data_path=out)
`;

/** The visits of two opsim databases compared with pandas, on the columns of the first. */
const SAME_VISITS = `
import sqlite3, sys
import pandas as pd
def read(db):
    with sqlite3.connect(db) as con:
        return pd.read_sql("SELECT * FROM observations", con)
expected, actual = read(sys.argv[1]), read(sys.argv[2])
pd.testing.assert_frame_equal(expected, actual[expected.columns], check_dtype=False)
print(len(actual))
`;

const TABLES = `
import sqlite3, sys
with sqlite3.connect(sys.argv[1]) as con:
    print(" ".join(sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))))
    print(con.execute("SELECT COUNT(*) FROM observations").fetchone()[0])
`;

/** The upstream's own reader of a prototype entry (metadata_yaml_from_prototype), as JSON. */
const UPSTREAM_READS = `
import json, sys, warnings
warnings.simplefilter("ignore")
import yaml
from rubin_sim.sim_archive.vseqmetadata import metadata_yaml_from_prototype
print(json.dumps(yaml.safe_load(metadata_yaml_from_prototype(sys.argv[1], int(sys.argv[2]), sys.argv[3])), default=str))
`;

const md5 = (file: string) => createHash('md5').update(fs.readFileSync(file)).digest('hex');
const utcToday = () => new Date().toISOString().slice(0, 10);

describe("the upstream's prototype archive: import_proto and export_proto", () => {
  let stack: TestStack;
  let tmp: string;
  let protoDir: string;
  let protoUrl: string;
  const visitsarch = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, stack.gateway, env);
  const ok = async (args: string[]) => {
    const result = await visitsarch(args);
    if (result.code !== 0) throw new Error(`visitsarch ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const show = async (uuid: string) => JSON.parse(await ok(['--format', 'json', 'show', uuid]));
  const download = async (uuid: string, fileType: string, name: string) => {
    const dest = path.join(tmp, `${uuid}-${name}`);
    await ok(['download', uuid, fileType, dest]);
    return dest;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-proto-e2e-'));
    protoDir = path.join(tmp, 'proto');
    protoUrl = `${pathToFileURL(protoDir).href}/`;
    stack = await startTestStack();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  (HAVE_RUBIN_SIM ? it : it.skip)("imports an entry written by rubin_sim's own make_sim_data_dir: label, tags, comment, dates, visits and files", async () => {
    const entry = path.join(protoDir, '2026-06-30', '1');
    const made = spawnSync(PYTHON, ['-c', MAKE_SIM_DATA_DIR, SAMPLE_OPSIM_DB, entry], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, USER: process.env.USER ?? 'tester' } });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const written = YAML.parse(fs.readFileSync(path.join(entry, 'sim_metadata.yaml'), 'utf8'));

    const imported = await visitsarch(['import_proto', stack.archiveUrl, '2026-06-30', '1', '--proto_sim_archive_url', protoUrl]);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    const uuid = imported.stdout.trim();
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

    const record = await show(uuid);
    expect(record).toMatchObject({
      kind: 'simulation',
      visitseq_label: 'Oracle prenight run at 2026-06-30T12:00:00',
      telescope: 'simonyi',
      // From the label, as the upstream reads it (a time without a zone is UTC).
      creation_time: '2026-06-30T12:00:00.000Z',
      first_day_obs: written.simulated_dates.first,
      last_day_obs: written.simulated_dates.last,
      scheduler_version: String(written.scheduler_version),
    });
    expect([...record.tags].sort()).toEqual(['from_prototype_sim_archive', 'nominal', 'prenight']);
    expect(record.comments.map((comment: { comment: string }) => comment.comment)).toEqual(['Imported from prototype sim_archive 2026-06-30, 1']);
    // The visits are the visits; the YAML itself and its observations entry are not extra files.
    expect(Object.keys(record.files).sort()).toEqual(['rewards', 'statistics', 'visits']);
    expect(fs.readFileSync(await download(uuid, 'rewards', 'rewards.h5')).equals(fs.readFileSync(path.join(entry, 'rewards.h5')))).toBe(true);
    expect(fs.readFileSync(await download(uuid, 'statistics', 'obs_stats.txt'), 'utf8')).toBe(fs.readFileSync(path.join(entry, 'obs_stats.txt'), 'utf8'));

    const visits = await download(uuid, 'visits', 'visits.db');
    const compared = spawnSync(PYTHON, ['-c', SAME_VISITS, path.join(entry, 'opsim.db'), visits], { encoding: 'utf8', timeout: 120_000 });
    expect(compared.stderr).toBe('');
    expect(Number(compared.stdout.trim())).toBeGreaterThan(100);

    // Dashed spellings, as the upstream's: a second import of the same entry is a new simulation.
    const again = await visitsarch(['import-proto', stack.archiveUrl, '2026-06-30', '1', '--proto-sim-archive-url', protoUrl]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).not.toBe(uuid);
  });

  it('export_proto then import_proto keeps the label, tags, dates, creation time and files; the exported opsim.db is an opsim database', async () => {
    const rewards = path.join(tmp, 'rewards.h5');
    fs.writeFileSync(rewards, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256)));
    const source = await ok([
      'add_simulation', SAMPLE_OPSIM_DB, 'round trip', '--tag', 'prenight', '--tag', 'ideal',
      '--first_day_obs', '2025-10-31', '--last_day_obs', '2025-11-02', '--creation_time', '2025-10-30T20:15:00Z', '--scheduler_version', '3.18.1',
    ]);
    await ok(['add_file', source, 'rewards', rewards]);
    const exportBase = path.join(tmp, 'exported');

    const exported = await visitsarch(['export_proto', source, '--proto_sim_archive_url', exportBase]);
    expect(exported).toMatchObject({ code: 0, stderr: '', stdout: `${pathToFileURL(exportBase).href}/${utcToday()}/1/\n` });
    const entry = path.join(exportBase, utcToday(), '1');
    expect(fs.readdirSync(entry).sort()).toEqual(['opsim.db', 'rewards.h5', 'sim_metadata.yaml']);
    const metadata = YAML.parse(fs.readFileSync(path.join(entry, 'sim_metadata.yaml'), 'utf8'));
    expect(metadata).toMatchObject({
      uuid: source,
      label: 'round trip',
      telescope: 'simonyi',
      scheduler_version: '3.18.1',
      creation_time: '2025-10-30T20:15:00.000Z',
      simulated_dates: { first: '2025-10-31', last: '2025-11-02' },
      files: {
        observations: { name: 'opsim.db', url: `${pathToFileURL(entry).href}/opsim.db`, md5: md5(path.join(entry, 'opsim.db')) },
        rewards: { name: 'rewards.h5', url: `${pathToFileURL(entry).href}/rewards.h5`, md5: md5(rewards) },
        metadata: { name: 'sim_metadata.yaml', url: `${pathToFileURL(entry).href}/sim_metadata.yaml` },
      },
    });
    expect([...metadata.tags].sort()).toEqual(['ideal', 'prenight']);
    if (HAVE_PYTHON) {
      const tables = spawnSync(PYTHON, ['-c', TABLES, path.join(entry, 'opsim.db')], { encoding: 'utf8' });
      expect(tables.stderr).toBe('');
      const [names, rows] = tables.stdout.trim().split('\n');
      expect(names.split(' ')).toContain('observations');
      expect(Number(rows)).toBeGreaterThan(100);
    }

    if (HAVE_RUBIN_SIM) {
      // The upstream's own reader takes our entry as it is.
      const read = spawnSync(PYTHON, ['-c', UPSTREAM_READS, utcToday(), '1', `${pathToFileURL(exportBase).href}/`], { encoding: 'utf8', timeout: 120_000 });
      expect(read.stderr).toBe('');
      expect(JSON.parse(read.stdout)).toMatchObject({ label: 'round trip', creation_time: '2025-10-30T20:15:00.000Z', simulated_dates: { first: '2025-10-31', last: '2025-11-02' }, files: { rewards: { name: 'rewards.h5' } } });
    }

    // Never overwritten: the next export goes to the next index.
    expect((await ok(['export-proto', source, '--proto-sim-archive-url', `${pathToFileURL(exportBase).href}/`]))).toBe(`${pathToFileURL(exportBase).href}/${utcToday()}/2/`);

    const copy = await ok(['import_proto', stack.archiveUrl, utcToday(), '1', '--proto_sim_archive_url', pathToFileURL(exportBase).href]);
    const original = await show(source);
    const record = await show(copy);
    for (const field of ['visitseq_label', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time', 'scheduler_version', 'visitseq_sha256']) {
      expect([field, record[field]]).toEqual([field, original[field]]);
    }
    expect([...record.tags].sort()).toEqual(['from_prototype_sim_archive', 'ideal', 'prenight']);
    expect(record.comments.map((comment: { comment: string }) => comment.comment)).toEqual([`Imported from prototype sim_archive ${utcToday()}, 1`]);
    expect(Object.keys(record.files).sort()).toEqual(['rewards', 'visits']);
    expect(record.files.rewards.sha256).toBe(original.files.rewards.sha256);
  });

  it('exports to and imports from an S3 prototype archive (S3_ENDPOINT_URL, $PROTO_SIM_ARCHIVE_URL)', async () => {
    const s3 = await startS3TestServer(['proto-test']);
    try {
      const env = { S3_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, PROTO_SIM_ARCHIVE_URL: 's3://proto-test/opsim/' };
      const source = await ok(['add_simulation', SAMPLE_OPSIM_DB, 'to s3', '--tag', 'nominal', '--creation_time', '2025-10-30T20:15:00Z']);
      const first = await visitsarch(['export_proto', source], env);
      expect(first).toMatchObject({ code: 0, stderr: '', stdout: `s3://proto-test/opsim/${utcToday()}/1/\n` });
      expect((await visitsarch(['export-proto', source], env)).stdout).toBe(`s3://proto-test/opsim/${utcToday()}/2/\n`);
      const stored = path.join(s3.dataDirectory, 'proto-test', 'opsim', utcToday(), '1');
      expect(fs.readdirSync(stored).sort()).toEqual(['opsim.db', 'sim_metadata.yaml']);

      const imported = await visitsarch(['import_proto', stack.archiveUrl, utcToday(), '2'], env);
      expect(imported).toMatchObject({ code: 0, stderr: '' });
      const [original, record] = [await show(source), await show(imported.stdout.trim())];
      for (const field of ['visitseq_label', 'first_day_obs', 'last_day_obs', 'creation_time', 'visitseq_sha256']) expect([field, record[field]]).toEqual([field, original[field]]);
      expect([...record.tags].sort()).toEqual(['from_prototype_sim_archive', 'nominal']);

      const missing = await visitsarch(['import_proto', stack.archiveUrl, utcToday(), '3'], env);
      expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `visitsarch: no simulation in the prototype archive at s3://proto-test/opsim/${utcToday()}/3/\n` });
    } finally {
      await s3.stop();
    }
  });

  it('refuses a missing entry, a missing sim_metadata.yaml and a wrong MD5 with one line and a non-zero exit, recording nothing', async () => {
    const base = path.join(tmp, 'broken');
    const noYaml = path.join(base, '2026-01-02', '1');
    fs.mkdirSync(noYaml, { recursive: true });
    const badMd5 = path.join(base, '2026-01-02', '2');
    fs.mkdirSync(badMd5);
    fs.copyFileSync(SAMPLE_OPSIM_DB, path.join(badMd5, 'opsim.db'));
    fs.writeFileSync(path.join(badMd5, 'sim_metadata.yaml'), YAML.stringify({ label: 'tampered', files: { observations: { name: 'opsim.db', md5: '0'.repeat(32) } } }));
    const noObservations = path.join(base, '2026-01-02', '3');
    fs.mkdirSync(noObservations);
    fs.writeFileSync(path.join(noObservations, 'sim_metadata.yaml'), 'label: no visits\nfiles: {}\n');
    const before = (await ok(['--format', 'json', 'list', '--limit', '1000'])).length;

    const cases: [string[], RegExp][] = [
      [['2026-01-02', '9'], /^visitsarch: no simulation in the prototype archive at file:\/\/\/.*\/2026-01-02\/9\/\n$/],
      [['2026-01-03', '1'], /^visitsarch: no simulation in the prototype archive at /],
      [['2026-01-02', '1'], /^visitsarch: no simulation metadata at file:\/\/\/.*\/2026-01-02\/1\/sim_metadata\.yaml\n$/],
      [['2026-01-02', '2'], /^visitsarch: data integrity check failed: file:\/\/\/.*\/opsim\.db has MD5 [0-9a-f]{32}, but sim_metadata\.yaml records 0{32}\n$/],
      [['2026-01-02', '3'], /^visitsarch: .*sim_metadata\.yaml lists no observations file\n$/],
    ];
    for (const [where, message] of cases) {
      const result = await visitsarch(['import_proto', stack.archiveUrl, ...where, '--proto_sim_archive_url', base]);
      expect([where, result.code, result.stdout]).toEqual([where, 1, '']);
      expect(result.stderr).toMatch(message);
    }
    const usage = await visitsarch(['import_proto', stack.archiveUrl, '2026-01-02', 'first', '--proto_sim_archive_url', base]);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: 'visitsarch: SIM_INDEX must be a positive integer, got "first"\n' });
    expect((await ok(['--format', 'json', 'list', '--limit', '1000'])).length).toBe(before);

    const unknown = await visitsarch(['export_proto', '00000000-0000-4000-8000-000000000000', '--proto_sim_archive_url', base]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^visitsarch: not found: [^\n]*\n$/);
  });
});
