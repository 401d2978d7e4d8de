import * as os from 'node:os';
import { checkFollowsServiceDependencies } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { gatewayService } from './service';

jest.setTimeout(60_000);

it('is SERVING only while metadata, blob-archive, consdb-ingest and stats all serve', async () => {
  await checkFollowsServiceDependencies((env) => startService(gatewayService, { ...env, VISITSARCH_ARCHIVE_URL: `file://${os.tmpdir()}/visitsarch-gateway-test/` }), {
    metadata: 'METADATA_SERVICE_ADDRESS',
    'blob-archive': 'BLOB_ARCHIVE_SERVICE_ADDRESS',
    'consdb-ingest': 'CONSDB_INGEST_SERVICE_ADDRESS',
    stats: 'STATS_SERVICE_ADDRESS',
  });
});
