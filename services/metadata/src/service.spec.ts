import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '@visitsarch/db';
import { TEST_SERVICE_CREDENTIAL, waitForHealthEntry } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { createLogger } from '@visitsarch/logging';
import { metadataService } from './service';

jest.setTimeout(120_000);

it('is SERVING only while its PostgreSQL answers', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-metadata-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(home, 'pg'), database: 'visitsarch', logger: createLogger('test', 'warn') });
  const running = await startService(metadataService, { DATABASE_URL: postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', HEALTH_INTERVAL_MS: '100', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });
  const address = `127.0.0.1:${running.port}`;
  try {
    await waitForHealthEntry(address, '', 'SERVING');
    await waitForHealthEntry(address, 'visitsarch.metadata.v1.MetadataService', 'SERVING');
    await waitForHealthEntry(address, 'dependency/postgresql', 'SERVING');
    await postgres.stop();
    await waitForHealthEntry(address, '', 'NOT_SERVING');
    await waitForHealthEntry(address, 'liveness', 'SERVING');
  } finally {
    await running.shutdown();
    await postgres.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
