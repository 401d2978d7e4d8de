/**
 * Retention on a real stack (docs/operations.md, "Retention"): `visitsarch purge` removes the stored
 * visits of the sequences a policy selects and keeps their records and statistics; `visitsarch gc`
 * removes what no record points to and what interrupted uploads left; both are audited.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import { GatewayClients } from '@visitsarch/grpc-client';
import { cli } from './support/run';
import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

jest.setTimeout(300_000);

type Stack = Awaited<ReturnType<typeof startTestStack>>;

let stack: Stack;
let archive: GatewayClients;
let database: Client;
let work: string;
const visitsarch = (args: string[]) => cli(args, stack.gateway);

/** The sequences of the test: what the policy `--tag prenight --older-than 30d` must do with each. */
const uuids: Record<'purged' | 'young' | 'otherTag' | 'recentNights' | 'parent' | 'mixed' | 'imported' | 'foreign', string> = {} as never;
const LONG_AGO = '2025-10-31T20:00:00Z';
const DAY_MS = 86_400_000;

async function add(label: string, ...options: string[]): Promise<string> {
  const added = await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, label, ...options]);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  return added.stdout.trim();
}

const sequence = async (uuid: string) => (await archive.metadata.unary('getVisitSequence', { visitseqUuid: uuid })).visitSequence!;
const file = async (uuid: string, fileType: string) => (await archive.metadata.unary('getFile', { visitseqUuid: uuid, fileType })).file!;
const statsCount = async (uuid: string) => (await archive.metadata.unary('listNightlyStats', { visitseqUuids: [uuid], valueNames: [], pageSize: 1000, pageToken: '' })).stats.length;
const auditRows = async (action: string) =>
  (await database.query('SELECT actor, action, visitseq_uuid, detail FROM visitsarch.audit_log WHERE action = $1 ORDER BY audit_id', [action])).rows;
const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
const age = (file: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(file, then, then);
};
const expectOneLine = (result: { stderr: string }, pattern: RegExp) => {
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
};

beforeAll(async () => {
  stack = await startTestStack({ env: { COMPUTE_NIGHTLY_STATS_ON_ADD: 'true' } });
  archive = new GatewayClients(stack.gateway, { token: stack.token });
  database = new Client({ connectionString: stack.databaseUrl });
  await database.connect();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-retention-'));
  // The sample's visits are of the night 2025-11-01: long past.
  uuids.purged = await add('old pre-night simulation', '--tag', 'prenight', '--creation_time', LONG_AGO);
  uuids.young = await add('recorded just now', '--tag', 'prenight');
  uuids.otherTag = await add('old nominal simulation', '--tag', 'nominal', '--creation_time', LONG_AGO);
  const yesterday = new Date(Date.now() - 12 * 3_600_000 - DAY_MS).toISOString().slice(0, 10);
  uuids.recentNights = await add('covers recent nights', '--tag', 'prenight', '--creation_time', LONG_AGO, '--last_day_obs', yesterday);
  uuids.parent = await add('early parent of a mixed sequence', '--tag', 'prenight', '--creation_time', LONG_AGO);
  const mixed = await visitsarch(['add_mixed', 'reads its parents', '--early_parent', uuids.parent, '--late_parent', uuids.otherTag, '--last_early_day_obs', '2025-10-31', '--first_late_day_obs', '2025-11-01']);
  expect(mixed.code).toBe(0);
  uuids.mixed = mixed.stdout.trim();
  // Sequences as imported from the upstream: a visitseq_url without a `visits` file record, in this
  // archive (purged) or outside every archive the blob archive serves (kept: it could not be deleted).
  uuids.imported = await add('imported, in this archive', '--tag', 'prenight', '--creation_time', LONG_AGO, '--archive', '');
  const importedVisits = path.join(fileURLToPath(stack.archiveUrl), 'simonyi', '2025-10-31', uuids.imported, 'visits.h5');
  fs.mkdirSync(path.dirname(importedVisits), { recursive: true });
  fs.copyFileSync(SAMPLE_OPSIM_DB, importedVisits);
  expect((await visitsarch(['set_visitseq_url', uuids.imported, `file://${importedVisits}`])).code).toBe(0);
  uuids.foreign = await add('imported, elsewhere', '--tag', 'prenight', '--creation_time', LONG_AGO, '--archive', '');
  expect((await visitsarch(['set_visitseq_url', uuids.foreign, 's3://elsewhere/opsim/vseq/visits.h5'])).code).toBe(0);
  const rewards = path.join(work, 'rewards.h5');
  fs.writeFileSync(rewards, 'the rewards of the old simulation');
  expect((await visitsarch(['add_file', uuids.purged, 'rewards', rewards])).code).toBe(0);
});

afterAll(async () => {
  archive?.close();
  await database?.end();
  await stack?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('visitsarch purge', () => {
  const policy = ['purge', '--tag', 'prenight', '--older-than', '30d'];
  let visitsUrls: Record<string, string>;

  beforeAll(async () => {
    visitsUrls = {};
    for (const [name, uuid] of Object.entries(uuids)) if (name !== 'mixed') visitsUrls[name] = (await sequence(uuid)).visitseqUrl!;
  });

  it('--dry-run prints what it would do, one line per sequence, and changes nothing', async () => {
    const dry = await visitsarch([...policy, '--dry-run']);
    expect(dry.code).toBe(0);
    const printed = lines(dry.stdout);
    expect(printed.map((fields) => [fields[0], fields[1]]).sort()).toEqual([
      ['skipped', uuids.foreign],
      ['skipped', uuids.parent],
      ['would-purge', uuids.imported],
      ['would-purge', uuids.purged],
    ].sort());
    expect(printed.find((fields) => fields[1] === uuids.purged)).toEqual(['would-purge', uuids.purged, '2025-11-01', 'visits', expect.stringMatching(/^\d+$/), 'old pre-night simulation', '']);
    expect(printed.find((fields) => fields[1] === uuids.parent)![6]).toContain(uuids.mixed);
    expect(printed.find((fields) => fields[1] === uuids.foreign)![6]).toMatch(/visits file would be kept: the blob archive cannot delete s3:\/\/elsewhere/);
    expect(dry.stderr).toMatch(/^purge: 2 would be purged \(.+\), 2 skipped, 0 failed\n$/);

    const json = await visitsarch(['--format', 'json', ...policy, '--dry_run']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ dry_run: true, summary: { 'would-purge': 2, skipped: 2, purged: 0, failed: 0 } });
    expect(report.sequences.find((s: { visitseq_uuid: string }) => s.visitseq_uuid === uuids.purged).files).toEqual([
      { file_type: 'visits', file_url: visitsUrls.purged, file_size: expect.any(Number), blob_deleted: false, error: null },
    ]);

    for (const [name, url] of Object.entries(visitsUrls)) {
      if (name !== 'foreign') expect([name, fs.existsSync(fileURLToPath(url))]).toEqual([name, true]);
      expect([name, (await sequence(uuids[name as keyof typeof uuids])).visitseqUrl]).toEqual([name, url]);
    }
    expect(await auditRows('purge')).toEqual([]);
  });

  it('removes exactly the selected visits, keeps the records, other files and nightly statistics, and audits it', async () => {
    const statsBefore = await statsCount(uuids.purged);
    expect(statsBefore).toBeGreaterThan(0);
    const rewardsBefore = await file(uuids.purged, 'rewards');
    const visitsBefore = await file(uuids.purged, 'visits');

    const purge = await visitsarch(policy);
    expect(purge.code).toBe(0);
    expect(lines(purge.stdout).map((fields) => [fields[0], fields[1]]).sort()).toEqual([
      ['purged', uuids.imported],
      ['purged', uuids.purged],
      ['skipped', uuids.foreign],
      ['skipped', uuids.parent],
    ].sort());
    expect(purge.stderr).toMatch(/^purge: 2 purged \(.+\), 2 skipped, 0 failed\n$/);

    // The visits object is gone; every other sequence's, and the purged one's rewards, remain.
    expect(fs.existsSync(fileURLToPath(visitsUrls.purged))).toBe(false);
    for (const name of ['young', 'otherTag', 'recentNights', 'parent'] as const) {
      expect([name, fs.existsSync(fileURLToPath(visitsUrls[name]))]).toEqual([name, true]);
      expect([name, (await sequence(uuids[name])).visitseqUrl]).toEqual([name, visitsUrls[name]]);
    }
    expect(fs.existsSync(fileURLToPath(rewardsBefore.fileUrl!))).toBe(true);
    expect(fs.existsSync(fileURLToPath(visitsUrls.imported))).toBe(false);
    expect((await sequence(uuids.imported)).visitseqUrl).toBeUndefined();
    expect((await sequence(uuids.foreign)).visitseqUrl).toBe(visitsUrls.foreign);

    // The record stays, its URL cleared; the visits file record keeps its hash; statistics and other files stay.
    const purged = await sequence(uuids.purged);
    expect(purged.visitseqUrl).toBeUndefined();
    expect(purged.tags).toEqual(['prenight']);
    const visitsAfter = await file(uuids.purged, 'visits');
    expect(visitsAfter.fileUrl).toBeUndefined();
    expect(Buffer.from(visitsAfter.fileSha256)).toEqual(Buffer.from(visitsBefore.fileSha256));
    expect((await file(uuids.purged, 'rewards')).fileUrl).toBe(rewardsBefore.fileUrl);
    expect(await statsCount(uuids.purged)).toBe(statsBefore);

    // One audit row per file removed: who, what, when.
    const rows = (await auditRows('purge')).filter((row) => row.visitseq_uuid === uuids.purged);
    expect((await auditRows('purge')).map((row) => row.visitseq_uuid).sort()).toEqual([uuids.imported, uuids.purged].sort());
    expect(rows).toEqual([
      {
        actor: os.userInfo().username,
        action: 'purge',
        visitseq_uuid: uuids.purged,
        detail: expect.objectContaining({ file_type: 'visits', file_url: visitsUrls.purged, file_sha256: Buffer.from(visitsBefore.fileSha256).toString('hex') }),
      },
    ]);
    expect(rows[0].detail.policy).toMatchObject({ tags: ['prenight'], older_than_s: 30 * 86_400, file_types: ['visits'], force: false });
    const readable = await visitsarch(['query', `SELECT action, visitseq_uuid FROM audit_log WHERE visitseq_uuid = '${uuids.purged}' AND action = 'purge'`]);
    expect(readable.stdout.trim().split('\n')).toEqual(['action\tvisitseq_uuid', `purge\t${uuids.purged}`]);

    // Purging again finds nothing more to do.
    const again = await visitsarch(policy);
    expect(lines(again.stdout).map((fields) => fields[0])).toEqual(['skipped', 'skipped']);
  });

  it('then downloads of the purged visits fail with FAILED_PRECONDITION, saying they were deleted', async () => {
    const download = await visitsarch(['download', uuids.purged, 'visits', path.join(work, 'purged.h5')]);
    expect(download.code).toBe(1);
    expectOneLine(download, /^visitsarch: failed precondition: the visits of \S+ are no longer stored: they were deleted from the archive/);
    expect(fs.existsSync(path.join(work, 'purged.h5'))).toBe(false);
    const received: unknown[] = [];
    const read = async () => {
      for await (const message of archive.gateway.serverStream('downloadVisits', { visitseqUuid: uuids.purged, columns: [] })) received.push(message);
    };
    await expect(read()).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: expect.stringContaining('no longer stored') });
    expect(received).toEqual([]);
    // So does every other reader of the visits (one rule, libs/sequence-visits): the stats service's.
    const stats = await visitsarch(['nightly_stats', uuids.purged]);
    expect(stats.code).toBe(1);
    expectOneLine(stats, /^visitsarch: failed precondition: the visits of \S+ are no longer stored: they were deleted from the archive/);
    // The mixed sequence still reads its parents, whose visits the purge kept.
    expect((await visitsarch(['download', uuids.mixed, 'visits', path.join(work, 'mixed.parquet')])).code).toBe(0);
  });

  it('purges other file types when asked, and with --force also the visits that mixed sequences read', async () => {
    const rewards = await visitsarch([...policy, '--file-type', 'rewards', '--dry-run']);
    expect(lines(rewards.stdout).map((fields) => [fields[0], fields[1], fields[3]])).toEqual([['would-purge', uuids.purged, 'rewards']]);
    const forced = await visitsarch([...policy, '--force', '--dry-run']);
    expect(lines(forced.stdout).map((fields) => [fields[0], fields[1]]).sort()).toEqual([['skipped', uuids.foreign], ['would-purge', uuids.parent]].sort());
  });

  it('records the caller as the actor: a request naming someone else is refused, with nothing purged', async () => {
    const purge = async () => {
      for await (const _ of archive.gateway.serverStream('purgeVisits', { tags: [], kind: 0, telescope: '', olderThan: { seconds: 1, nanos: 0 }, fileTypes: [], dryRun: false, force: false, actor: 'someone-else' })) void _;
    };
    const before = (await auditRows('purge')).length;
    await expect(purge()).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringMatching(/^administrative operations are recorded under your identity \S+; leave actor empty \(it was "someone-else"\)/) });
    expect((await auditRows('purge')).length).toBe(before);
  });

  it('refuses bad flags with exit code 2 and one line (an archive it may not clean: 1)', async () => {
    const cases: [string[], number, RegExp][] = [
      [['purge', '--tag', 'prenight'], 2, /^visitsarch: --older-than is required/],
      [['purge', '--older-than', '30x'], 2, /^visitsarch: --older-than must be an age such as 30d/],
      [['purge', '--older-than', '6m'], 2, /^visitsarch: --older-than must be an age/],
      [['gc', '--grace', 'soon'], 2, /^visitsarch: --grace must be an age/],
      [['gc', '--grace', '10min'], 2, /^visitsarch: grace must be at least one hour/],
      [['gc', '--archive', 'file:///elsewhere/'], 1, /^visitsarch: permission denied: .*outside the archives/],
    ];
    for (const [args, code, pattern] of cases) {
      const result = await visitsarch(args);
      expect([args.join(' '), result.code, result.stdout]).toEqual([args.join(' '), code, '']);
      expectOneLine(result, pattern);
    }
    expect(await auditRows('gc')).toEqual([]);
  });
});

describe('visitsarch gc', () => {
  let archiveDir: string;
  const planted: Record<string, string> = {};

  beforeAll(async () => {
    archiveDir = fileURLToPath(stack.archiveUrl);
    const place = (name: string, ms: number, relative: string) => {
      const target = path.join(archiveDir, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `planted: ${name}`);
      age(target, ms);
      planted[name] = target;
    };
    const directory = (uuid = randomUUID()) => `simonyi/2025-01-01/${uuid}`;
    place('orphan', 2 * DAY_MS, `${directory()}/visits.arrows`);
    place('young orphan', 3_600_000 / 2, `${directory()}/visits.arrows`);
    place('old upload', 2 * DAY_MS, `${directory()}/.visits.arrows.${randomUUID()}.incoming`);
    place('young upload', 60_000, `${directory()}/.rewards.h5.${randomUUID()}.incoming`);
    place('not the archive layout', 2 * DAY_MS, 'prenight_index/2025-11-01.json');
    // Every object records point to is old too: only the records keep them.
    for (const uuid of Object.values(uuids)) {
      const { files } = await archive.metadata.unary('listFiles', { visitseqUuid: uuid, pageSize: 100, pageToken: '' });
      for (const recorded of files) if (recorded.fileUrl) age(fileURLToPath(recorded.fileUrl), 3 * DAY_MS);
    }
  });

  const referenced = async () => {
    const urls: string[] = [];
    for (const uuid of Object.values(uuids)) {
      const { files } = await archive.metadata.unary('listFiles', { visitseqUuid: uuid, pageSize: 100, pageToken: '' });
      for (const recorded of files) if (recorded.fileUrl) urls.push(recorded.fileUrl);
    }
    expect(urls).toHaveLength(5); // the visits of the four kept sequences, and the purged one's rewards
    return urls;
  };

  it('--dry-run lists the old orphan and the old upload leftover, one line each, and removes nothing', async () => {
    const dry = await visitsarch(['gc', '--dry-run', '--grace', '24h']);
    expect(dry.code).toBe(0);
    const printed = lines(dry.stdout);
    expect(printed.map((fields) => [fields[0], fields[1], fields[4]]).sort()).toEqual(
      [
        ['would-remove', 'unreferenced', `file://${planted.orphan}`],
        ['would-remove', 'incomplete-upload', `file://${planted['old upload']}`],
      ].sort(),
    );
    expect(printed[0][2]).toMatch(/^\d+$/);
    expect(printed[0][3]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(dry.stderr).toMatch(/^gc: 2 objects would be removed \(\d+ bytes\), 0 failed\n$/);
    for (const file of Object.values(planted)) expect(fs.existsSync(file)).toBe(true);
    expect(await auditRows('gc')).toEqual([]);

    const json = JSON.parse((await visitsarch(['--format', 'json', 'gc', '--dry_run'])).stdout);
    expect(json.summary).toMatchObject({ 'would-remove': 2, removed: 0, failed: 0 });
  });

  it('removes them, audited, and nothing young, referenced or outside the layout', async () => {
    const kept = await referenced();
    const gc = await visitsarch(['gc']);
    expect(gc.code).toBe(0);
    expect(lines(gc.stdout).map((fields) => [fields[0], fields[4]]).sort()).toEqual(
      [
        ['removed', `file://${planted.orphan}`],
        ['removed', `file://${planted['old upload']}`],
      ].sort(),
    );
    expect(fs.existsSync(planted.orphan)).toBe(false);
    expect(fs.existsSync(planted['old upload'])).toBe(false);
    for (const name of ['young orphan', 'young upload', 'not the archive layout']) expect([name, fs.existsSync(planted[name])]).toEqual([name, true]);
    for (const url of kept) expect([url, fs.existsSync(fileURLToPath(url))]).toEqual([url, true]);

    const rows = await auditRows('gc');
    expect(rows.map((row) => [row.actor, row.detail.url, row.detail.kind]).sort()).toEqual(
      [
        [os.userInfo().username, `file://${planted.orphan}`, 'unreferenced'],
        [os.userInfo().username, `file://${planted['old upload']}`, 'incomplete_upload'],
      ].sort(),
    );
    expect(rows.every((row) => row.visitseq_uuid !== null && row.detail.grace_s === 86_400)).toBe(true);

    const again = await visitsarch(['gc']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
  });
});
