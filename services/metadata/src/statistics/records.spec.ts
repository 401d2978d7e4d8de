import { createHash, randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { completed, create } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

const CONDA_LIST = JSON.stringify([
  { base_url: 'https://conda.anaconda.org/conda-forge', build_number: 0, build_string: 'py312h_0', channel: 'conda-forge', dist_name: 'numpy-2.3.1-py312h_0', name: 'numpy', platform: 'linux-64', version: '2.3.1' },
  { base_url: 'https://pypi.org/', build_number: 0, build_string: 'pypi_0', channel: 'pypi', dist_name: 'rubin-scheduler-3.18.1-pypi_0', name: 'rubin-scheduler', platform: 'pypi', version: '3.18.1' },
]);

describe('conda environments', () => {
  it('records an environment by the SHA-256 of its text, links it to a simulation and lists its packages', async () => {
    const sim = await create(archive);
    const recorded = await archive.call('recordCondaEnv', { condaEnvJson: CONDA_LIST, visitseqUuid: sim.visitseqUuid });
    expect(Buffer.from(recorded.condaEnvHash)).toEqual(createHash('sha256').update(CONDA_LIST).digest());
    expect(recorded).toMatchObject({ alreadyRecorded: false, packageCount: 2 });
    expect((await archive.call('recordCondaEnv', { condaEnvJson: CONDA_LIST })).alreadyRecorded).toBe(true);
    expect((await archive.call('getVisitSequence', { visitseqUuid: sim.visitseqUuid })).visitSequence!.simulation!.condaEnvSha256).toEqual(Buffer.from(recorded.condaEnvHash));
    const env = await archive.call('getCondaEnv', { condaEnvHash: recorded.condaEnvHash, includeJson: true });
    expect(JSON.parse(env.condaEnv!.condaEnvJson)).toEqual(JSON.parse(CONDA_LIST));
    const bySim = await archive.call('listCondaPackages', { visitseqUuid: sim.visitseqUuid, packageNames: ['numpy', 'absent'] });
    expect(bySim.packages).toEqual([
      { packageName: 'numpy', channel: 'conda-forge', packageVersion: '2.3.1', baseUrl: 'https://conda.anaconda.org/conda-forge', platform: 'linux-64', distName: 'numpy-2.3.1-py312h_0', buildNumber: 0, buildString: 'py312h_0' },
    ]);
    const page1 = await archive.call('listCondaPackages', { condaEnvHash: recorded.condaEnvHash, pageSize: 1 });
    const page2 = await archive.call('listCondaPackages', { condaEnvHash: recorded.condaEnvHash, pageSize: 1, pageToken: page1.nextPageToken });
    expect([...page1.packages, ...page2.packages].map((pkg) => pkg.packageName)).toEqual(['numpy', 'rubin-scheduler']);
    const { rows } = await archive.sql.query('SELECT package_version FROM simulation_packages WHERE visitseq_uuid = $1 AND package_name = $2', [sim.visitseqUuid, 'numpy']);
    expect(rows).toEqual([{ package_version: '2.3.1' }]);
  });

  it('refuses what is not a conda list, sequences that are not simulations, and unknown environments', async () => {
    expect((await archive.fail('recordCondaEnv', { condaEnvJson: '{"name": "numpy"}' })).violations).toEqual(['conda_env_json']);
    expect((await archive.fail('recordCondaEnv', { condaEnvJson: 'not json' })).violations).toEqual(['conda_env_json']);
    expect((await archive.fail('recordCondaEnv', { condaEnvJson: CONDA_LIST, visitseqUuid: randomUUID() })).code).toBe(status.NOT_FOUND);
    const consdb = await create(archive, completed());
    expect((await archive.fail('recordCondaEnv', { condaEnvJson: CONDA_LIST, visitseqUuid: consdb.visitseqUuid })).code).toBe(status.FAILED_PRECONDITION);
    expect((await archive.fail('getCondaEnv', { condaEnvHash: Buffer.alloc(32) })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('listCondaPackages', {})).code).toBe(status.INVALID_ARGUMENT);
    expect((await archive.fail('listCondaPackages', { visitseqUuid: (await create(archive)).visitseqUuid })).code).toBe(status.FAILED_PRECONDITION);
  });
});

describe('nightly statistics', () => {
  const stat = (visitseqUuid: string, dayObs: string, valueName: string, accumulated: boolean, mean: number) => ({
    visitseqUuid, dayObs, valueName, accumulated, count: 5, mean, std: Number.NaN, min: 0, p05: 0, q1: 0, median: mean, q3: 0, p95: 0, max: 1,
  });

  it('upserts per-night and accumulated rows, and lists them in key order with filters and pages', async () => {
    const { visitseqUuid } = await create(archive);
    const first = await archive.call('upsertNightlyStats', {
      stats: [stat(visitseqUuid, '2026-12-01', 'altitude', false, 1), stat(visitseqUuid, '20261201', 'altitude', true, 2), stat(visitseqUuid, '2026-12-02', 'azimuth', false, 3)],
    });
    expect(first).toEqual({ insertedCount: 3, updatedCount: 0 });
    // Re-inserting the same key replaces it (the upstream raised an IntegrityError).
    expect(await archive.call('upsertNightlyStats', { stats: [stat(visitseqUuid, '2026-12-01', 'altitude', false, 10)] })).toEqual({ insertedCount: 0, updatedCount: 1 });
    const all = await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid] });
    expect(all.stats.map((row) => [row.dayObs, row.valueName, row.accumulated, row.mean])).toEqual([
      ['2026-12-01', 'altitude', false, 10],
      ['2026-12-01', 'altitude', true, 2],
      ['2026-12-02', 'azimuth', false, 3],
    ]);
    expect(Number.isNaN(all.stats[0].std)).toBe(true);
    expect((await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid], accumulated: true })).stats).toHaveLength(1);
    expect((await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid], dayObsRange: { firstDayObs: '2026-12-02' } })).stats).toHaveLength(1);
    expect((await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid], valueNames: ['azimuth'] })).stats).toHaveLength(1);
    const page1 = await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid], pageSize: 2 });
    const page2 = await archive.call('listNightlyStats', { visitseqUuids: [visitseqUuid], pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.stats, ...page2.stats].map((row) => row.mean)).toEqual([10, 2, 3]);
  });

  it('writes nothing when a row is bad or names an unknown sequence', async () => {
    const { visitseqUuid } = await create(archive);
    const before = await archive.count('nightly_stats');
    expect((await archive.fail('upsertNightlyStats', { stats: [stat(visitseqUuid, '2026-12-01', 'a', false, 1), stat(randomUUID(), '2026-12-01', 'a', false, 1)] })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('upsertNightlyStats', { stats: [stat(visitseqUuid, '2026-12-01', 'a', false, 1), stat(visitseqUuid, '2026-12-01', 'a', false, 2)] })).violations).toEqual(['stats[1]']);
    expect((await archive.fail('upsertNightlyStats', { stats: [stat(visitseqUuid, '2026-12-01', '', false, 1)] })).violations).toEqual(['stats[0].value_name']);
    expect((await archive.fail('upsertNightlyStats', { stats: [] })).violations).toEqual(['stats']);
    expect(await archive.count('nightly_stats')).toBe(before);
  });
});

describe('MAF results', () => {
  it('records metrics, metric sets, summary values and healpix statistics, and lists the maf_summary view', async () => {
    const tagged = await create(archive, undefined, ['baseline', 'v4']);
    expect(await archive.call('upsertMafMetrics', { metrics: [{ mafMetricName: 'fO', constraint: "filter = 'r'", metricArgs: { nside: 64 } }, { mafMetricName: 'depth' }] })).toEqual({ insertedCount: 2, updatedCount: 0 });
    expect((await archive.call('upsertMafMetrics', { metrics: [{ mafMetricName: 'depth', metricClassName: 'CoaddM5Metric' }] })).updatedCount).toBe(1);
    await archive.call('upsertMafMetricSets', { members: [{ metricSet: 'srd', mafMetricName: 'fO', shortName: 'fO', style: 'k-', invert: true }, { metricSet: 'srd', mafMetricName: 'depth', mag: true }] });
    await archive.call('upsertMafSummaryMetrics', {
      metrics: [
        { visitseqUuid: tagged.visitseqUuid, mafMetricName: 'fO', dayObs: '2026-12-03', accumulated: true, summaryValue: 0.9 },
        { visitseqUuid: tagged.visitseqUuid, mafMetricName: 'depth', dayObs: '2026-12-03', accumulated: true, summaryValue: Number.NaN },
      ],
    });
    expect((await archive.call('upsertMafHealpixStats', { stats: [{ visitseqUuid: tagged.visitseqUuid, mafMetricName: 'depth', dayObs: '2026-12-03', accumulated: true, nside: 64, count: 10, mean: 25 }] })).insertedCount).toBe(1);
    const { entries } = await archive.call('listMafSummary', { metricSet: 'srd', tag: 'baseline' });
    expect(entries.map((entry) => [entry.mafMetricName, entry.tag, entry.invert, entry.mag, entry.shortName])).toEqual([
      ['depth', 'baseline', false, true, undefined],
      ['fO', 'baseline', true, false, 'fO'],
    ]);
    expect(Number.isNaN(entries[0].summaryValue)).toBe(true);
    expect((await archive.call('listMafSummary', { metricSet: 'srd' })).entries).toHaveLength(4);
    const page1 = await archive.call('listMafSummary', { metricSet: 'srd', pageSize: 3 });
    const page2 = await archive.call('listMafSummary', { metricSet: 'srd', pageSize: 3, pageToken: page1.nextPageToken });
    expect(page1.entries.length + page2.entries.length).toBe(4);
    const { rows } = await archive.sql.query(`SELECT "constraint" FROM maf_metrics WHERE maf_metric_name = 'fO'`);
    expect(rows).toEqual([{ constraint: "filter = 'r'" }]);
  });

  it('refuses unknown metrics (FAILED_PRECONDITION), unknown sequences (NOT_FOUND) and bad nsides, writing nothing', async () => {
    const { visitseqUuid } = await create(archive);
    await archive.call('upsertMafMetrics', { metrics: [{ mafMetricName: 'known' }] });
    const counts = async () => Promise.all(['maf_metric_sets', 'maf_summary_metrics', 'maf_healpix_stats'].map((table) => archive.count(table)));
    const before = await counts();
    expect((await archive.fail('upsertMafMetricSets', { members: [{ metricSet: 's', mafMetricName: 'known' }, { metricSet: 's', mafMetricName: 'unknown' }] })).code).toBe(status.FAILED_PRECONDITION);
    expect((await archive.fail('upsertMafSummaryMetrics', { metrics: [{ visitseqUuid, mafMetricName: 'unknown', dayObs: '2026-12-01' }] })).code).toBe(status.FAILED_PRECONDITION);
    expect((await archive.fail('upsertMafSummaryMetrics', { metrics: [{ visitseqUuid: randomUUID(), mafMetricName: 'known', dayObs: '2026-12-01' }] })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('upsertMafHealpixStats', { stats: [{ visitseqUuid, mafMetricName: 'known', dayObs: '2026-12-01', nside: 48 }] })).violations).toEqual(['stats[0].nside']);
    expect((await archive.fail('upsertMafMetrics', { metrics: [{ mafMetricName: 'x' }, { mafMetricName: 'x' }] })).violations).toEqual(['metrics[1]']);
    expect((await archive.fail('listMafSummary', { metricSet: '' })).violations).toEqual(['metric_set']);
    expect(await counts()).toEqual(before);
  });
});
