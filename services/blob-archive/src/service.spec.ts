import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitForHealthEntry } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import { blobArchiveService } from './service';

jest.setTimeout(60_000);

describe('blob-archive health', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-blob-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const start = (archive: string) =>
    startService(blobArchiveService, { VISITSARCH_ARCHIVE_URL: archive, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', HEALTH_INTERVAL_MS: '100' });

  it('creates a local archive directory and serves', async () => {
    const running = await start(`file://${home}/archive/`);
    try {
      await waitForHealthEntry(`127.0.0.1:${running.port}`, 'dependency/archive', 'SERVING');
      await waitForHealthEntry(`127.0.0.1:${running.port}`, '', 'SERVING');
      expect(fs.statSync(path.join(home, 'archive')).isDirectory()).toBe(true);
    } finally {
      await running.shutdown();
    }
  });

  it('does not serve while the archive cannot be written', async () => {
    fs.writeFileSync(path.join(home, 'not-a-directory'), '');
    const running = await start(`file://${home}/not-a-directory/archive/`);
    try {
      await waitForHealthEntry(`127.0.0.1:${running.port}`, 'dependency/archive', 'NOT_SERVING');
      await waitForHealthEntry(`127.0.0.1:${running.port}`, '', 'NOT_SERVING');
    } finally {
      await running.shutdown();
    }
  });
});
