import { execFileSync } from 'node:child_process';
import { startStackProcess } from '@visitsarch/grpc-client';
import { isRunning } from './running-process';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start (tools/stack/dist/main.js) killed outright', () => {
  it('takes its services with it: none lives on as an orphan holding its port', async () => {
    const stack = await startStackProcess();
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(stack.process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => ({ pid: Number(line.trim().split(/\s+/)[0]), args: line }));
    const services = children.filter((child) => /services\/[a-z-]+\/dist\/main\.js/.test(child.args));
    const postgres = children.filter((child) => child.args.includes('postgres'));
    expect(services).toHaveLength(5);
    try {
      stack.process.kill('SIGKILL'); // no handler runs: only the closed IPC channels tell the services
      for (let waited = 0; services.some((child) => isRunning(child.pid)) && waited < 20_000; waited += 100) await sleep(100);
      expect(services.filter((child) => isRunning(child.pid)).map((child) => child.args)).toEqual([]);
    } finally {
      // PostgreSQL is left to the next start, which stops an orphan of its data directory; here, to the test.
      for (const child of [...services, ...postgres]) if (isRunning(child.pid)) process.kill(child.pid, 'SIGKILL');
      await stack.stop();
    }
  });
});
