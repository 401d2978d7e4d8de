import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SAMPLE_OPSIM_DB, makeHome, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT, run } from './support/run';
import { clientEnv } from './support/credentials';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const CONFIG_URL = 'https://raw.githubusercontent.com/lsst-ts/ts_config_ocs/8ed1ab/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py';

describe('the visitsarch CLI against a running archive', () => {
  let stack: TestStack;
  let work: string;
  const visitsarch = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, stack.gateway, env);
  /** Runs a bash script as a user would, with `visitsarch` on the PATH. */
  const bash = (script: string) => {
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'visitsarch'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, 'cli', 'dist', 'main.js')}" "$@"\n`, { mode: 0o755 });
    return run('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...clientEnv(stack.gateway) } });
  };

  beforeAll(async () => {
    stack = await startTestStack();
    work = makeHome('visitsarch-cli-');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('add_simulation prints only the new UUID, and show/list find it', async () => {
    const added = await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'the visits I just simulated', '--telescope=simonyi', `--config_url=${CONFIG_URL}`, '--tag', 'example']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const uuid = added.stdout.trim();

    const shown = await visitsarch(['--format', 'json', 'show', uuid]);
    expect(shown.code).toBe(0);
    const record = JSON.parse(shown.stdout);
    expect(record).toMatchObject({ visitseq_uuid: uuid, kind: 'simulation', visitseq_label: 'the visits I just simulated', telescope: 'simonyi', first_day_obs: '2025-11-01', last_day_obs: '2025-11-01', config_url: CONFIG_URL, tags: ['example'] });
    expect(record.files.visits.url).toMatch(new RegExp(`/simonyi/\\d{4}-\\d{2}-\\d{2}/${uuid}/visits`));
    const hash = await visitsarch(['hash', SAMPLE_OPSIM_DB]);
    expect(record.visitseq_sha256).toBe(hash.stdout.trim());

    const listed = await visitsarch(['list', '--tag', 'example']);
    expect(listed.stdout.split('\n')[0].split('\t')).toEqual(['visitseq_uuid', 'kind', 'visitseq_label', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time', 'tags', 'visitseq_url']);
    expect(listed.stdout).toContain(uuid);
  });

  it('runs the specification\'s bash workflow: add, tag, save_env, add_file, query, download', async () => {
    fs.copyFileSync(SAMPLE_OPSIM_DB, path.join(work, 'visits.db'));
    fs.writeFileSync(path.join(work, 'rewards.h5'), Buffer.from('not really hdf5, but any bytes can be a file'));
    fs.writeFileSync(path.join(work, 'scheduler.p'), Buffer.alloc(100_000, 7));
    fs.writeFileSync(path.join(work, 'observatory.p'), Buffer.alloc(10, 1));
    fs.writeFileSync(path.join(work, 'conda.json'), JSON.stringify([{ name: 'numpy', version: '2.1.0', channel: 'conda-forge', base_url: 'https://conda.anaconda.org/conda-forge', platform: 'linux-64', dist_name: 'numpy-2.1.0-py311', build_number: 0, build_string: 'py311' }]));
    const result = await bash(`
      ARCHID=$(visitsarch add_simulation visits.db \\
          --label="This is my bash example simulation" \\
          --telescope="simonyi", \\
          --config_url="${CONFIG_URL}" \\
      )
      visitsarch tag $ARCHID example nominal mytest1
      visitsarch save_env $ARCHID --file conda.json > env.txt
      visitsarch add_file $ARCHID rewards rewards.h5
      visitsarch add_file $ARCHID scheduler scheduler.p
      visitsarch add_file $ARCHID observatory observatory.p
      visitsarch query "SELECT \\* FROM visitsextra WHERE tags \\? 'mytest1'" > mytesttable.txt
      visitsarch download $ARCHID visits visits.h5
      visitsarch download $ARCHID rewards rewards-copy.h5
      visitsarch download $ARCHID scheduler scheduler-copy.p
      echo $ARCHID
    `);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const uuid = result.stdout.trim().split('\n').pop() as string;
    const table = fs.readFileSync(path.join(work, 'mytesttable.txt'), 'utf8').trim().split('\n');
    expect(table[0].split('\t')).toEqual(expect.arrayContaining(['visitseq_uuid', 'visitseq_label', 'tags', 'comments', 'files']));
    const uuidColumn = table[0].split('\t').indexOf('visitseq_uuid');
    expect(table.slice(1).map((line) => line.split('\t')[uuidColumn])).toContain(uuid);
    expect(fs.readFileSync(path.join(work, 'rewards-copy.h5'))).toEqual(fs.readFileSync(path.join(work, 'rewards.h5')));
    expect(fs.readFileSync(path.join(work, 'scheduler-copy.p'))).toEqual(fs.readFileSync(path.join(work, 'scheduler.p')));
    const downloadedHash = await visitsarch(['hash', path.join(work, 'visits.h5')]);
    const originalHash = await visitsarch(['hash', SAMPLE_OPSIM_DB]);
    expect(downloadedHash.stdout).toBe(originalHash.stdout);
    expect(fs.readFileSync(path.join(work, 'env.txt'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('archives a Feather file as pandas writes it (LZ4-compressed buffers): the same visits as the opsim database', async () => {
    const feather = path.join(work, 'visits.feather');
    const python = path.join(REPO_ROOT, '.venv', 'bin', 'python');
    const written = await run(python, ['-c', 'import sqlite3, sys, pandas as pd; pd.read_sql("SELECT * FROM observations", sqlite3.connect(sys.argv[1])).to_feather(sys.argv[2])', SAMPLE_OPSIM_DB, feather]);
    expect(written.stderr).toBe('');
    const uuid = (await visitsarch(['add_simulation', feather, 'from feather'])).stdout.trim();
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const shown = JSON.parse((await visitsarch(['--format', 'json', 'show', uuid])).stdout);
    expect(shown.visitseq_sha256).toBe((await visitsarch(['hash', SAMPLE_OPSIM_DB])).stdout.trim());
  });

  it('prenight_sim and query_night list what covers a night', async () => {
    const added = await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'prenight for 2025-11-01', '--tag', 'prenight', '--tag', 'nominal']);
    const uuid = added.stdout.trim();
    const prenight = await visitsarch(['prenight_sim', '20251101']);
    expect(prenight.code).toBe(0);
    expect(prenight.stdout).toContain(uuid);
    const [prenightHeader, ...prenightRows] = prenight.stdout.trim().split('\n');
    const created = prenightRows[0].split('\t')[prenightHeader.split('\t').indexOf('creation_time')];
    expect(Math.abs(new Date(created).getTime() - Date.now())).toBeLessThan(600_000);
    expect((await visitsarch(['prenight_sim', '20251102'])).stdout).not.toContain(uuid);
    const night = await visitsarch(['query_night', '20251101', 'simonyi', '2025-01-01', '--columns', 'id', 'label', 'visitseq_url', '--tags', 'prenight', 'nominal']);
    expect(night.code).toBe(0);
    const [header, ...rows] = night.stdout.trim().split('\n');
    expect(header.split('\t').slice(0, 3)).toEqual(['id', 'label', 'visitseq_url']);
    expect(rows.map((row) => row.split('\t')[0])).toEqual([uuid]);
  });

  it('writes all of a large output into a pipe before it exits (`visitsarch query … | wc -l`)', async () => {
    // Into a pipe stdout is asynchronous: exiting as soon as the command was done cut it after ~64 KiB, with status 0.
    const counted = await bash(`visitsarch query "SELECT g, repeat('x', 20) AS pad FROM generate_series(1, 200000) g" | wc -l`);
    expect({ code: counted.code, lines: counted.stdout.trim(), stderr: counted.stderr }).toEqual({ code: 0, lines: '200001', stderr: '' });
  });

  it('comment and comments', async () => {
    const uuid = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'commented'])).stdout.trim();
    expect((await visitsarch(['comment', uuid, 'This is more of a question than a comment...'])).code).toBe(0);
    // Comments are recorded under the caller's identity (the owner of the stack's token): another author is refused.
    const forged = await visitsarch(['comment', uuid, 'in the name of another', '--author', 'neilsen']);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/comments are recorded under your identity/);
    const comments = await visitsarch(['comments', uuid]);
    expect(comments.stdout.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[^\t]+\tThis is more of a question than a comment\.\.\.$/)]);
  });

  it('add_completed, add_mixed (both spellings), untag and demo', async () => {
    const completed = (await visitsarch(['add-completed', SAMPLE_OPSIM_DB, 'completed visits', '--query', 'SELECT 1', '--tag', 'c1,c2'])).stdout.trim();
    const simulated = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'simulated'])).stdout.trim();
    const mixed = await visitsarch(['add_mixed', 'spliced', '--early_parent', completed, '--late_parent', simulated, '--last_early_day_obs', '2025-10-31', '--first_late_day_obs', '20251101']);
    expect(mixed.stderr).toBe('');
    expect(mixed.code).toBe(0);
    const shown = JSON.parse((await visitsarch(['--format', 'json', 'show', mixed.stdout.trim()])).stdout);
    expect(shown).toMatchObject({ kind: 'mixed', early_parent_uuid: completed, late_parent_uuid: simulated, last_early_day_obs: '2025-10-31', first_late_day_obs: '2025-11-01' });
    expect(JSON.parse((await visitsarch(['--format', 'json', 'show', completed])).stdout)).toMatchObject({ kind: 'completed', query: 'SELECT 1', tags: ['c1', 'c2'] });
    expect((await visitsarch(['untag', completed, 'c1'])).code).toBe(0);
    expect(JSON.parse((await visitsarch(['--format', 'json', 'show', completed])).stdout).tags).toEqual(['c2']);

    const demo = await visitsarch(['demo']);
    expect(demo.code).toBe(0);
    const demoRows = demo.stdout.trim().split('\n').slice(1).map((line) => line.split('\t')[0]);
    expect(demoRows.sort()).toEqual(['completed', 'mixed', 'simulation', 'simulation', 'simulation']);
    const again = await visitsarch(['demo']);
    const uuidsOf = (out: string) => out.trim().split('\n').map((line) => line.split('\t')[1]);
    expect(uuidsOf(again.stdout)).toEqual(uuidsOf(demo.stdout)); // running it twice adds nothing
    const tonight = new Date(Date.now() - 12 * 3_600_000).toISOString().slice(0, 10);
    const prenight = await visitsarch(['prenight_sims', tonight]);
    expect(prenight.stdout.trim().split('\n')).toHaveLength(4);
  });

  describe('errors: one line, the right exit code, never a stack trace', () => {
    const expectOneLine = (result: { stderr: string; stdout: string }, pattern: RegExp) => {
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    };

    it("an upstream command named differently here says what to run instead; a mistyped one suggests, on the same line", async () => {
      for (const args of [['archive-file', randomUUID(), 'notes.txt', 'notes', '--update'], ['get_comments', randomUUID()]]) {
        const result = await visitsarch(args);
        expect(result.code).toBe(2);
        expectOneLine(result, /^visitsarch: (archive-file|get-comments) is the upstream's command; here: `visitsarch (add_file|comments) UUID/);
      }
      const typo = await visitsarch(['add-fil', randomUUID()]);
      expect(typo.code).toBe(2);
      expectOneLine(typo, /^visitsarch: unknown command 'add-fil' \(Did you mean add-file\?\) \(run `visitsarch --help` for usage\)\n$/);
    });

    it('unknown UUID', async () => {
      const result = await visitsarch(['show', randomUUID()]);
      expect(result.code).toBe(1);
      expectOneLine(result, /^visitsarch: not found: /);
    });

    it('bad date', async () => {
      const result = await visitsarch(['prenight_sim', '2025-13-45']);
      expect(result.code).toBe(2);
      expectOneLine(result, /^visitsarch: day_obs: not a day_obs: "2025-13-45"/);
    });

    it('unreadable visits file', async () => {
      const bogus = path.join(work, 'bogus.h5');
      fs.writeFileSync(bogus, 'this is not HDF5');
      const result = await visitsarch(['add_simulation', bogus, 'bogus']);
      expect(result.code).toBe(2);
      expectOneLine(result, /^visitsarch: cannot read the visits in .*bogus\.h5/);
      const missing = await visitsarch(['add_simulation', path.join(work, 'missing.db'), 'missing']);
      expect(missing.code).toBe(2);
      expectOneLine(missing, /does not exist/);
    });

    it('duplicate file', async () => {
      const uuid = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'with rewards'])).stdout.trim();
      const file = path.join(work, 'r.h5');
      fs.writeFileSync(file, 'first');
      expect((await visitsarch(['add_file', uuid, 'rewards', file])).code).toBe(0);
      fs.writeFileSync(file, 'second');
      const duplicate = await visitsarch(['add_file', uuid, 'rewards', file]);
      expect(duplicate.code).toBe(1);
      expectOneLine(duplicate, /^visitsarch: already exists: .*rewards/);
      // Another type's file of the same name: the message names the file holding the name, and what to do.
      for (const replace of [[], ['--replace']]) {
        const sameName = await visitsarch(['add_file', uuid, 'notes', file, ...replace]);
        expect(sameName.code).toBe(1);
        expectOneLine(sameName, /^visitsarch: already exists: the name r\.h5 is taken in the archive folder of \S+ by its rewards file: store this notes file under another name \(rename it, or set file_name\)\n$/);
      }
      const renamed = path.join(work, 'notes.h5');
      fs.copyFileSync(file, renamed);
      expect((await visitsarch(['add_file', uuid, 'notes', renamed])).code).toBe(0);
    });

    it('existing download destination is never overwritten', async () => {
      const uuid = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'download twice'])).stdout.trim();
      const dest = path.join(work, 'twice.parquet');
      expect((await visitsarch(['download', uuid, 'visits', dest])).code).toBe(0);
      const before = fs.readFileSync(dest);
      const again = await visitsarch(['download', uuid, 'visits', dest]);
      expect(again.code).toBe(2);
      expectOneLine(again, /exists: choose another name or give --overwrite/);
      expect(fs.readFileSync(dest)).toEqual(before);
    });

    it('a download into a folder that does not exist is refused before anything is fetched', async () => {
      const uuid = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'download nowhere'])).stdout.trim();
      const missing = path.join(work, 'no such folder');
      for (const [fileType, name] of [['visits', 'v.h5'], ['visits', 'v.csv'], ['visits', 'v.arrows'], ['visits', 'v.db'], ['scheduler', 's.pickle']]) {
        const result = await visitsarch(['download', uuid, fileType, path.join(missing, name)]);
        expect(result.code).toBe(2);
        expectOneLine(result, /^visitsarch: cannot write .* the folder .*no such folder does not exist\n$/);
      }
      const plot = await visitsarch(['plot_nightly', uuid, '--value', 'airmass', '--output', path.join(missing, 'p.svg')]);
      expect(plot.code).toBe(2);
      expectOneLine(plot, /the folder .*no such folder does not exist/);
      expect(fs.existsSync(missing)).toBe(false);
    });

    it('unreachable gateway', async () => {
      const result = await cli(['list'], '127.0.0.1:1');
      expect(result.code).toBe(1);
      expectOneLine(result, /^visitsarch: cannot reach the gateway at 127\.0\.0\.1:1/);
    });
  });
});
