import { GatewayClients } from '@visitsarch/grpc-client';
import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';
import { cli } from './support/run';

describe('with COMPUTE_NIGHTLY_STATS_ON_ADD, the gateway stores the statistics of every sequence added', () => {
  it('adds the per-night and accumulated statistics of a new simulation', async () => {
    const stack = await startTestStack({ env: { COMPUTE_NIGHTLY_STATS_ON_ADD: 'true' } });
    const archive = new GatewayClients(stack.gateway, { token: stack.token });
    try {
      const added = await cli(['add_simulation', SAMPLE_OPSIM_DB, 'with statistics'], stack.gateway);
      expect(added.code).toBe(0);
      const uuid = added.stdout.trim();
      const { stats } = await archive.metadata.unary('listNightlyStats', { visitseqUuids: [uuid], valueNames: [], pageSize: 1000, pageToken: '' });
      const altitude = stats.filter((stat) => stat.valueName === 'altitude');
      expect(altitude.map((stat) => [stat.dayObs, stat.accumulated]).sort()).toEqual([
        ['2025-11-01', false],
        ['2025-11-01', true],
      ]);
      expect(altitude[0].count).toBe(554);
      // Stored under the specification's names; the three quicklook values have no opsim column.
      expect(new Set(stats.map((stat) => stat.valueName))).toEqual(new Set(['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude']));
      const metadataOnly = await cli(['add_simulation', SAMPLE_OPSIM_DB, 'metadata only', '--archive', ''], stack.gateway);
      expect(metadataOnly.code).toBe(0);
    } finally {
      archive.close();
      await stack.stop();
    }
  }, 240_000);
});
