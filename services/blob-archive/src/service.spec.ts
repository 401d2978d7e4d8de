import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_SERVICE_CREDENTIAL, waitForHealthEntry } from '@visitsarch/grpc-client';
import { startService } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { ArchiveStorage } from '@visitsarch/storage';
import { blobArchiveService, sweepCrashLeftovers } from './service';

jest.setTimeout(60_000);

describe('blob-archive health', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-blob-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const start = (archive: string) =>
    startService(blobArchiveService, { VISITSARCH_ARCHIVE_URL: archive, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', HEALTH_INTERVAL_MS: '100', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL });

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

describe('blob-archive start-up sweep', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-blob-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  /** A temporary upload file as the file backend names it, last modified `ageS` seconds ago. */
  const plant = (name: string, bytes: number, ageS: number) => {
    const directory = path.join(home, 'archive', 'lsstcam', '2026-01-01', '5b7c3f2e-1111-4222-8333-444455556666');
    fs.mkdirSync(directory, { recursive: true });
    const file = path.join(directory, `.${name}.0f1e2d3c-4b5a-4968-8776-655443322110.incoming`);
    fs.writeFileSync(file, Buffer.alloc(bytes));
    const then = new Date(Date.now() - ageS * 1000);
    fs.utimesSync(file, then, then);
    return file;
  };

  it('removes, when the service starts, temporary upload files older than INCOMING_GRACE_S and keeps younger ones', async () => {
    const crashed = plant('visits.arrows', 1000, 2 * 3600);
    const inFlight = plant('rewards.h5', 10, 60);
    const running = await startService(blobArchiveService, {
      VISITSARCH_ARCHIVE_URL: `file://${home}/archive/`,
      INCOMING_GRACE_S: '600',
      GRPC_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'fatal',
      SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL,
    });
    try {
      for (let waited = 0; fs.existsSync(crashed) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.existsSync(crashed)).toBe(false);
      expect(fs.existsSync(inFlight)).toBe(true);
    } finally {
      await running.shutdown();
    }
  });

  it('logs one line with what it removed', async () => {
    plant('visits.arrows', 1000, 2 * 3600);
    plant('scheduler.p', 24, 3 * 3600);
    plant('rewards.h5', 10, 60);
    const info = jest.fn();
    const warn = jest.fn();
    const storage = new ArchiveStorage({ archiveUrls: [`file://${home}/archive/`] });
    await sweepCrashLeftovers(storage, 3600, { info, warn } as unknown as Logger);
    expect(warn).not.toHaveBeenCalled();
    expect(info.mock.calls).toEqual([[{ files: 2, bytes: 1024, graceS: 3600 }, 'removed 2 temporary upload files (1024 bytes) left by interrupted uploads']]);
  });

  it('refuses a grace period that is not a number of seconds', async () => {
    await expect(startService(blobArchiveService, { VISITSARCH_ARCHIVE_URL: `file://${home}/archive/`, INCOMING_GRACE_S: '1h', GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL })).rejects.toThrow(
      'INCOMING_GRACE_S: expected an integer, got "1h"',
    );
  });
});
