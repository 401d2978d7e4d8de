import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, Stack, startStack } from '@visitsarch/stack';

/** Real opsim outputs kept in the repository as test data (test/data/opsim/README.md says where from). */
export const OPSIM_TEST_DATA = path.resolve(__dirname, '..', 'data', 'opsim');
export const SAMPLE_OPSIM_DB = path.join(OPSIM_TEST_DATA, 'sample_opsim.db');
export const OLD_OPSIM_DB = path.join(OPSIM_TEST_DATA, 'opsim_prenight_2024-08-13_1.db');

/** A fresh temp directory (mode 0700, as a user's own folders are) for the archive's state. */
export function makeHome(prefix = 'visitsarch-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts the whole archive on free ports in a fresh home; `stop()` also removes the home. */
export async function startTestStack(options: { postgresSettings?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}): Promise<Stack & { home: string }> {
  const home = makeHome();
  const stack = await startStack({
    home,
    addresses: await freeServiceAddresses(),
    logger: createLogger('e2e', 'silent'),
    serviceLogs: process.env.VISITSARCH_TEST_LOGS ? 'inherit' : 'ignore',
    env: { LOG_LEVEL: 'warn', HEALTH_INTERVAL_MS: '500', ...options.env },
    postgresSettings: options.postgresSettings,
  });
  return {
    ...stack,
    home,
    stop: async () => {
      await stack.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
