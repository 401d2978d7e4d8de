/**
 * Scaling proven on one machine: two replicas each of the gateway, metadata and blob-archive (one
 * consdb-ingest, one stats) against one PostgreSQL and one S3 server (versitygw; the archive is an
 * s3:// bucket both blob archives share), the services dialling each other's replicas as gRPC
 * address lists (round robin). Several concurrent clients spread their calls over both gateways
 * the same way, with a steady mix of adds (AddSimulation of a small table), tags, verified
 * downloads and queries, retrying UNAVAILABLE with the same request id; one replica of each is
 * SIGKILLed mid-run while calls are in flight. Afterwards, read from PostgreSQL and the bucket
 * directly: no acknowledged add lost or duplicated, no object without a record, no record without
 * its object (size and SHA-256 verified), every acknowledged tag present, every download that
 * returned data the record's file. The scenario is bench/scaling.bench.ts's, run shorter.
 */
import { checkHealth, listHealth } from '@visitsarch/grpc-client';
import { cli } from './support/run';
import { rememberStackToken } from './support/credentials';
// The scenario is the benchmark's own (one definition of the mix and its checks): bench/ is no Nx
// project and cannot import from test/ (its tsconfig's rootDir), so the test imports from it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { checkArchive, REPLICATED, runMix, ScalingArchive, startScalingArchive, summary } from '../bench/scaling.bench';

jest.setTimeout(170_000);

const CLIENTS = 6;
const RUN_MS = 36_000;

let archive: ScalingArchive;

beforeAll(async () => {
  archive = await startScalingArchive({ replicas: 2, logs: !!process.env.VISITSARCH_TEST_LOGS });
  rememberStackToken(archive.target, archive.stack.tokenFile); // what cli(…, archive.target) presents
});

afterAll(async () => {
  await archive?.stop();
});

it('loses, duplicates and half-writes nothing while one replica of each service is killed mid-run', async () => {
  expect(archive.gateways).toHaveLength(2);
  expect(archive.target).toBe(`ipv4:${archive.gateways.join(',')}`);
  for (const name of REPLICATED) expect(archive.stack.targets[name]).toBe(`ipv4:${archive.processes[name].map((running) => running.address).join(',')}`);

  // Kill the first replica of each: the one every client and service lists first.
  const kills = REPLICATED.map((service, index) => ({ service, atMs: 9_000 + 6_000 * index }));
  const mix = await runMix(archive, { clients: CLIENTS, durationMs: RUN_MS, kills });
  const check = await checkArchive(archive, mix);
  process.stderr.write(
    `scaling: ${summary(mix)}; ` +
      `kills: ${mix.kills.map((kill) => `${kill.service} (pid ${kill.pid}) at ${(kill.atMs / 1000).toFixed(1)} s with ${kill.inFlight} calls in flight, ${kill.retriedAfter} retried in the next 3 s`).join('; ')}; ` +
      `CPU before the kills: ${mix.cpu.map((used) => `${used.service} ${used.address} ${used.seconds.toFixed(1)} s`).join(', ')}; ` +
      `afterwards ${check.records} records, ${check.objects} objects, ${check.incompleteUploads} incomplete multipart uploads, ${check.tags} tags\n`,
  );

  expect(mix.errors).toEqual([]);
  expect(check.problems).toEqual([]);
  expect(mix.kills.map((kill) => kill.service)).toEqual([...REPLICATED]);
  for (const kill of mix.kills) expect(kill.inFlight).toBeGreaterThan(0);
  for (const name of REPLICATED) expect(archive.processes[name][0].process.signalCode).toBe('SIGKILL');
  // Every kind of call went through, before and after the kills, and the kills were felt.
  for (const kind of ['add', 'tag', 'download', 'query'] as const) expect(mix.completed[kind]).toBeGreaterThan(3);
  const lastKill = Math.max(...mix.kills.map((kill) => kill.atMs));
  expect(mix.adds.filter((add) => add.atMs < mix.kills[0].atMs).length).toBeGreaterThan(3);
  expect(mix.adds.filter((add) => add.atMs > lastKill).length).toBeGreaterThan(3);
  expect(Object.values(mix.retried).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  // Both replicas of each service did a share of the work before the kills (round robin, not one
  // replica idle as a standby): each used at least a fifth of the CPU time of the busier one.
  if (mix.cpu.length > 0) {
    for (const name of REPLICATED) {
      const [first, second] = mix.cpu.filter((used) => used.service === name).map((used) => used.seconds);
      const spread = Math.min(first, second) > 0.2 * Math.max(first, second) ? 'spread' : `${first.toFixed(2)} s of CPU against ${second.toFixed(2)} s`;
      expect([name, spread]).toEqual([name, 'spread']);
    }
  }
  expect(check.records).toBe(mix.adds.length);

  // The surviving gateway stays SERVING: a dependency is met while any of its replicas serves.
  const survivor = archive.processes.gateway[1].address;
  expect(await checkHealth(survivor)).toBe('SERVING');
  const health = await listHealth(survivor);
  expect([health['dependency/metadata'], health['dependency/blob-archive']]).toEqual(['SERVING', 'SERVING']);
  expect(await checkHealth(archive.target)).toBe('SERVING');

  // The CLI takes the same address list (VISITSARCH_GATEWAY) and reaches the surviving gateway.
  const counted = await cli(['--format', 'json', 'query', `SELECT count(*) AS n FROM simulations WHERE visitseq_label LIKE 'scaling ${mix.runId} %'`], archive.target);
  expect([counted.code, counted.stderr]).toEqual([0, '']);
  expect(JSON.parse(counted.stdout)).toEqual([{ n: mix.adds.length }]);
  const status = await cli(['status'], archive.target);
  expect([status.code, status.stderr]).toEqual([0, '']);
});
