import { checkFollowsServiceDependencies } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { consdbIngestService } from './service';

jest.setTimeout(60_000);

it('is SERVING only while metadata and blob-archive serve', async () => {
  await checkFollowsServiceDependencies((env) => startService(consdbIngestService, env), {
    metadata: 'METADATA_SERVICE_ADDRESS',
    'blob-archive': 'BLOB_ARCHIVE_SERVICE_ADDRESS',
  });
});
