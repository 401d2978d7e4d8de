import { Archive, startArchive } from './archive-fixture';

/**
 * The archive the tests of one spec file share: started (with `env`, then `setUp`) before the
 * first test and stopped after the last, through jest's beforeAll and afterAll. Call it at the
 * top of the file; its members are those of the running archive, so use them only in tests.
 */
export function specArchive(env: Record<string, string> = {}, setUp?: (archive: Archive) => Promise<unknown>): Archive {
  let running: Archive | undefined;
  beforeAll(async () => {
    running = await startArchive(env);
    await setUp?.(running);
  });
  afterAll(() => running?.stop());
  return new Proxy({} as Archive, {
    get: (_target, member) => {
      if (!running) throw new Error('the archive of this spec file is not running: use it in tests only');
      return running[member as keyof Archive];
    },
  });
}
