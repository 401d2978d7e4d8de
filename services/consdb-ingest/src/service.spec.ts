import { status } from '@grpc/grpc-js';
import { CONTRACTS, type consdbIngestV1 } from '@visitsarch/contracts';
import { listHealth, ServiceClient, TEST_SERVICE_CREDENTIAL, waitForHealthEntry } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { consdbIngestService } from './service';

jest.setTimeout(60_000);

it('calls no service of the archive: no address settings, no dependency in its health, SERVING on its own', async () => {
  expect(Object.keys(consdbIngestService.schema).filter((variable) => variable.endsWith('_ADDRESS'))).toEqual([]);
  const running = await startService(consdbIngestService, { GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', HEALTH_INTERVAL_MS: '100', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });
  const address = `127.0.0.1:${running.port}`;
  try {
    await waitForHealthEntry(address, '', 'SERVING');
    const entries = Object.keys(await listHealth(address));
    expect(entries).toContain('visitsarch.consdb_ingest.v1.ConsdbIngestService');
    expect(entries.filter((entry) => entry.startsWith('dependency/'))).toEqual([]);
  } finally {
    await running.shutdown();
  }
});

it('refuses the deprecated IngestConsdbVisits with UNIMPLEMENTED (the gateway ingests)', async () => {
  const running = await startService(consdbIngestService, { GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });
  const client = new ServiceClient<consdbIngestV1.ConsdbIngestServiceClient>(CONTRACTS.consdbIngest, `127.0.0.1:${running.port}`);
  try {
    const stream = client.serverStream('ingestConsdbVisits', { query: '', label: 'x', telescope: 'simonyi', firstDayobs: '', lastDayobs: '', endpoint: '', archiveUrl: '', incremental: false, baseVisitseqUuid: '', tags: [], requestId: '', returnVisits: false });
    await expect((async () => { for await (const _ of stream) void _; })()).rejects.toMatchObject({ code: status.UNIMPLEMENTED, details: expect.stringContaining('QueryConsdb') });
  } finally {
    client.close();
    await running.shutdown();
  }
});
