import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_ENTRY_POINT } from '@visitsarch/grpc-client';
import { isRunning } from './running-process';
import { freeServiceAddresses } from './stack';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start (tools/stack/dist/main.js) signalled while it starts', () => {
  it('stops what it started, leaving no service and no PostgreSQL behind', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-stop-while-starting-'));
    const addresses = await freeServiceAddresses();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'info',
      VISITSARCH_HOME: home,
      VISITSARCH_GATEWAY: addresses.gateway,
      METADATA_SERVICE_ADDRESS: addresses.metadata,
      BLOB_ARCHIVE_SERVICE_ADDRESS: addresses['blob-archive'],
      CONSDB_INGEST_SERVICE_ADDRESS: addresses['consdb-ingest'],
      STATS_SERVICE_ADDRESS: addresses.stats,
    };
    delete env.DATABASE_URL;
    delete env.VISITSARCH_ARCHIVE_URL;
    const stack = spawn(process.execPath, [STACK_ENTRY_POINT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let stderr = '';
    stack.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    const children = () => execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(stack.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    let started: { pid: number; args: string }[] = [];
    try {
      // The moment PostgreSQL runs and the services are being spawned: long before the archive serves.
      for (let waited = 0; !/"service":"visitsarch-(metadata|gateway|stats|blob-archive|consdb-ingest)"/.test(output); waited += 50) {
        if (waited > 90_000) throw new Error(`the stack started no service: ${stderr}`);
        await sleep(50);
      }
      expect(stderr).not.toMatch(/visitsarch is running/);
      started = children().map((line) => ({ pid: Number(line.trim().split(/\s+/)[0]), args: line }));
      expect(started.some((child) => child.args.includes('postgres'))).toBe(true);
      expect(started.some((child) => child.args.includes(path.join('services', 'metadata', 'dist', 'main.js')))).toBe(true);

      stack.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/visitsarch is running/);
      expect(started.filter((child) => isRunning(child.pid)).map((child) => child.args)).toEqual([]);
    } finally {
      if (stack.exitCode === null) stack.kill('SIGKILL');
      for (const child of started) if (isRunning(child.pid)) process.kill(child.pid, 'SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
