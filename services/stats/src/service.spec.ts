import { checkFollowsServiceDependencies } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { statsService } from './service';

jest.setTimeout(60_000);

it('is SERVING only while metadata and blob-archive serve', async () => {
  await checkFollowsServiceDependencies((env) => startService(statsService, env), {
    metadata: 'METADATA_SERVICE_ADDRESS',
    'blob-archive': 'BLOB_ARCHIVE_SERVICE_ADDRESS',
  });
});
