import { PassThrough } from 'node:stream';
import { grpcServiceCheck, startHealthServer } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { HealthMonitor } from './health';

/** A HealthMonitor whose one dependency is a real gRPC health server, and the log lines it writes. */
async function monitored(startupGraceMs: number) {
  const server = await startHealthServer('NOT_SERVING');
  const sink = new PassThrough();
  const records: { level: string; msg: string; dependency: string; problem?: string }[] = [];
  sink.on('data', (chunk: Buffer) => records.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line))));
  const monitor = new HealthMonitor([], [{ name: 'metadata', check: grpcServiceCheck(server.address) }], createLogger('test', 'info', sink), 100, startupGraceMs);
  const logged = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return records.map((record) => `${record.level} ${record.msg}`);
  };
  return { server, monitor, logged };
}

describe('HealthMonitor logs', () => {
  it('waits quietly for a dependency during start-up, then warns if it never comes', async () => {
    const { server, monitor, logged } = await monitored(400);
    try {
      expect(await monitor.checkOnce()).toBe(false);
      expect(await monitor.checkOnce()).toBe(false);
      expect(await logged()).toEqual(['info waiting for dependency to start']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await monitor.checkOnce()).toBe(false);
      expect(await monitor.checkOnce()).toBe(false);
      expect(await logged()).toEqual(['info waiting for dependency to start', 'warn dependency is not reachable']);
      server.setStatus('SERVING');
      expect(await monitor.checkOnce()).toBe(true);
      expect((await logged()).at(-1)).toBe('info dependency is reachable');
    } finally {
      await server.stop();
    }
  });

  it('warns at once, within the start-up grace period too, when a dependency that answered is lost', async () => {
    const { server, monitor, logged } = await monitored(60_000);
    try {
      server.setStatus('SERVING');
      expect(await monitor.checkOnce()).toBe(true);
      server.setStatus('NOT_SERVING');
      expect(await monitor.checkOnce()).toBe(false);
      expect(await monitor.checkOnce()).toBe(false);
      await server.stop(); // a new problem: unreachable
      expect(await monitor.checkOnce()).toBe(false);
      expect(await logged()).toEqual(['info dependency is reachable', 'warn dependency is not reachable', 'warn dependency is not reachable']);
    } finally {
      await server.stop();
    }
  });
});
