import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '@visitsarch/db';
import { TEST_SERVICE_CREDENTIAL, waitForHealthEntry } from '@visitsarch/grpc-client';
import { ConfigError } from '@visitsarch/config';
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

it('refuses to start with a default Query timeout above the longest, naming the variable', async () => {
  const env = { DATABASE_URL: 'postgresql://user:secret@127.0.0.1:1/visitsarch', GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL };
  await expect(startService(metadataService, { ...env, QUERY_DEFAULT_TIMEOUT_S: '120', QUERY_MAX_TIMEOUT_S: '60' })).rejects.toThrow(ConfigError);
  await expect(startService(metadataService, { ...env, QUERY_DEFAULT_TIMEOUT_S: '301' })).rejects.toThrow(/^QUERY_DEFAULT_TIMEOUT_S: 301 s exceeds QUERY_MAX_TIMEOUT_S \(300 s\)/);
  await expect(startService(metadataService, { ...env, QUERY_DEFAULT_TIMEOUT_S: '0' })).rejects.toThrow(/^QUERY_DEFAULT_TIMEOUT_S: expected an integer from 1/);
});

it('names DATABASE_URL (not its password) when PostgreSQL cannot be reached at start, and GRPC_ADDRESS only for a port it cannot take', async () => {
  const env = { DATABASE_URL: 'postgresql://user:secret@127.0.0.1:1/visitsarch', GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL };
  const failure = await startService(metadataService, env).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(failure).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/visitsarch \(DATABASE_URL\): .*ECONNREFUSED/);
  expect(failure).not.toContain('secret');
  expect(failure).not.toContain('GRPC_ADDRESS');
});
