import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, Stack, StackOptions, startStack } from '@visitsarch/stack';
import { rememberStackToken, stackServiceCredential } from './credentials';

/** Real opsim outputs kept in the repository as test data (test/data/opsim/README.md says where from). */
export const OPSIM_TEST_DATA = path.resolve(__dirname, '..', 'data', 'opsim');
export const SAMPLE_OPSIM_DB = path.join(OPSIM_TEST_DATA, 'sample_opsim.db');
export const OLD_OPSIM_DB = path.join(OPSIM_TEST_DATA, 'opsim_prenight_2024-08-13_1.db');

/** A fresh temp directory (mode 0700, as a user's own folders are) for the archive's state. */
/**
 * Where a test's services write their logs (warnings and errors: LOG_LEVEL=warn): a file per stack
 * under the repository's `.test-results/service-logs/`, named after the test file, kept when it is
 * not empty so that `tools/test.sh` can show what the services said when a test failed.
 */
function openServiceLog(home: string): { fd: number; close: () => void } {
  const directory = path.resolve(__dirname, '..', '..', '.test-results', 'service-logs');
  fs.mkdirSync(directory, { recursive: true });
  const testFile = path.basename(expect.getState().testPath ?? 'stack', '.ts');
  const file = path.join(directory, `${testFile}.${path.basename(home)}.log`);
  const fd = fs.openSync(file, 'a');
  return {
    fd,
    close: () => {
      fs.closeSync(fd);
      if (fs.statSync(file).size === 0) fs.rmSync(file, { force: true });
    },
  };
}

export function makeHome(prefix = 'visitsarch-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts the whole archive on free ports in a fresh home; `stop()` also removes the home. `token`
 * is the admin token the stack wrote to `<home>/token`, which `cli(args, stack.gateway)` presents
 * (credentials.ts); `serviceCredential`, what its services present to each other, for tests that
 * call one directly; `serviceEnv` is the environment of some services only (StackOptions).
 */
export async function startTestStack(
  options: { postgresSettings?: Record<string, string>; env?: NodeJS.ProcessEnv; serviceEnv?: StackOptions['serviceEnv'] } = {},
): Promise<Stack & { home: string; token?: string; serviceCredential?: string }> {
  const home = makeHome();
  const serviceLog = process.env.VISITSARCH_TEST_LOGS ? undefined : openServiceLog(home);
  const stack = await startStack({
    home,
    addresses: await freeServiceAddresses(),
    logger: createLogger('e2e', 'silent'),
    serviceLogs: serviceLog?.fd ?? 'inherit',
    env: { LOG_LEVEL: 'warn', HEALTH_INTERVAL_MS: '500', ...options.env },
    serviceEnv: options.serviceEnv,
    postgresSettings: options.postgresSettings,
  }).catch((error: unknown) => {
    serviceLog?.close();
    throw error;
  });
  return {
    ...stack,
    home,
    token: rememberStackToken(stack.gateway, stack.tokenFile),
    serviceCredential: stackServiceCredential(stack),
    stop: async () => {
      await stack.stop();
      serviceLog?.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
