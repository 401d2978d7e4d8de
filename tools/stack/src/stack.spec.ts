import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHealth } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, SERVICE_NAMES, serviceEntryPoint, startStack } from './stack';

jest.setTimeout(120_000);

describe('startStack', () => {
  it('knows where each built service is', () => {
    for (const name of SERVICE_NAMES) expect(fs.existsSync(serviceEntryPoint(name))).toBe(true);
  });

  it('fails with the failing service and its reason, stopping everything it started', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-stack-'));
    fs.chmodSync(home, 0o755);
    const addresses = await freeServiceAddresses();
    try {
      await expect(
        startStack({ home, addresses, archiveUrl: 'ftp://archive.example/visits/', logger: createLogger('test', 'fatal'), serviceLogs: 'ignore' }),
      ).rejects.toThrow(/visitsarch-(blob-archive|gateway) exited \(code 78\): .*VISITSARCH_ARCHIVE_URL: unknown archive scheme "ftp:\/\/"/);
      for (const address of Object.values(addresses)) expect(await checkHealth(address, '', 500)).toBe('UNREACHABLE');
      expect(fs.existsSync(path.join(home, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
