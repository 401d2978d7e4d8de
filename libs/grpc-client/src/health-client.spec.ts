import { startHealthServer } from './testing';
import { checkHealth, grpcServiceCheck, listHealth, waitForServing } from './health-client';

describe('health client', () => {
  it('reads SERVING, NOT_SERVING and unknown services from a real health server', async () => {
    const server = await startHealthServer('NOT_SERVING');
    try {
      expect(await checkHealth(server.address)).toBe('NOT_SERVING');
      await expect(grpcServiceCheck(server.address)()).rejects.toThrow(`${server.address} is NOT_SERVING`);
      server.setStatus('SERVING');
      expect(await checkHealth(server.address)).toBe('SERVING');
      await expect(grpcServiceCheck(server.address)()).resolves.toBeUndefined();
      expect(await checkHealth(server.address, 'visitsarch.nothing.v1.NoService')).toBe('SERVICE_UNKNOWN');
      expect(await listHealth(server.address)).toEqual({ '': 'SERVING' });
    } finally {
      await server.stop();
    }
  });

  it('reports an address with no server as UNREACHABLE instead of throwing', async () => {
    const server = await startHealthServer();
    await server.stop();
    expect(await checkHealth(server.address, '', 500)).toBe('UNREACHABLE');
  });

  it('waitForServing waits for the transition, and gives up with the last status', async () => {
    const server = await startHealthServer('NOT_SERVING');
    try {
      setTimeout(() => server.setStatus('SERVING'), 300);
      await expect(waitForServing(server.address, 5000)).resolves.toBeUndefined();
      server.setStatus('NOT_SERVING');
      await expect(waitForServing(server.address, 500)).rejects.toThrow(/is not SERVING after 0.5 s \(last status: NOT_SERVING\)/);
      await expect(waitForServing(server.address, 5000, () => 'the process exited')).rejects.toThrow('the process exited');
    } finally {
      await server.stop();
    }
  });
});
