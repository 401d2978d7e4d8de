import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitForServing } from '@visitsarch/grpc-client';
import { syntheticOpsimBatches, writeVisitTable } from '@visitsarch/visit-tables';
import { makeHome, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT } from './support/run';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** Every regular file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('adding a simulation is all or nothing', () => {
  let stack: TestStack;
  let work: string;

  beforeAll(async () => {
    stack = await startTestStack();
    work = makeHome('visitsarch-aon-');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('leaves no row and no object when the blob archive dies mid-upload, and a retry with the same request id succeeds', async () => {
    const visits = path.join(work, 'big.arrows');
    await writeVisitTable(visits, () => syntheticOpsimBatches({ rows: 400_000, seed: 5 }));
    const requestId = randomUUID();
    const label = `killed mid-upload ${requestId}`;
    const archiveDir = new URL(stack.archiveUrl).pathname;
    const blobArchive = stack.services['blob-archive'];

    // How long a whole upload takes here, so the kill lands in the middle of the next one.
    const started = Date.now();
    expect((await cli(['add_simulation', visits, 'timing run', '--archive', ''], stack.gateway)).code).toBe(0);
    const uploadMs = Date.now() - started;

    const adding = cli(['add_simulation', visits, label, '--request_id', requestId], stack.gateway);
    await new Promise((resolve) => setTimeout(resolve, uploadMs * 0.4));
    blobArchive.process.kill('SIGKILL');
    const failed = await adding;
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^visitsarch: the archive cannot answer right now \(retry later\): BlobArchiveService is unavailable/);

    const listed = await cli(['--format', 'json', 'list', '--label', requestId], stack.gateway);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect(filesUnder(archiveDir).filter((file) => path.basename(file).startsWith('visits'))).toEqual([]);

    // Bring the blob archive back (same address, same archive) and retry the same request.
    const restarted = spawn(process.execPath, [path.join(REPO_ROOT, 'services', 'blob-archive', 'dist', 'main.js')], {
      env: { ...process.env, GRPC_ADDRESS: blobArchive.address, VISITSARCH_ARCHIVE_URL: stack.archiveUrl, SERVICE_CREDENTIAL_FILE: stack.serviceCredentialFile, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      await waitForServing(blobArchive.address, 60_000);
      await waitForServing(stack.gateway, 60_000);
      const retried = await cli(['add_simulation', visits, label, '--request_id', requestId], stack.gateway);
      expect(retried.stderr).toBe('');
      expect(retried.code).toBe(0);
      const uuid = retried.stdout.trim();
      const again = await cli(['add_simulation', visits, label, '--request_id', requestId], stack.gateway);
      expect(again.stdout.trim()).toBe(uuid); // a retry after success returns the same sequence
      const shown = JSON.parse((await cli(['--format', 'json', 'show', uuid], stack.gateway)).stdout);
      expect(shown.visitseq_sha256).toBe((await cli(['hash', visits], stack.gateway)).stdout.trim());
      expect(filesUnder(archiveDir).filter((file) => file.includes(uuid) && !path.basename(file).startsWith('.'))).toHaveLength(1);
      const onlyOne = JSON.parse((await cli(['--format', 'json', 'list', '--label', requestId], stack.gateway)).stdout);
      expect(onlyOne).toHaveLength(1);
    } finally {
      restarted.kill('SIGTERM');
    }
  }, 300_000);
});
