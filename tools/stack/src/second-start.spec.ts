import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkHealth, STACK_ENTRY_POINT, startStackProcess } from '@visitsarch/grpc-client';
import { freeServiceAddresses } from './stack';

jest.setTimeout(180_000);

/** `npm start` run again in the foreground with `env` on top of ours: its exit code and its error line. */
function startAgain(env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [STACK_ENTRY_POINT], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 90_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('npm start while an archive already runs', () => {
  it('refuses, in one line, and leaves the running archive serving with its token', async () => {
    const running = await startStackProcess();
    try {
      const token = fs.readFileSync(path.join(running.home, 'token'), 'utf8');
      const others = await freeServiceAddresses();
      const elsewhere = {
        METADATA_SERVICE_ADDRESS: others.metadata,
        BLOB_ARCHIVE_SERVICE_ADDRESS: others['blob-archive'],
        CONSDB_INGEST_SERVICE_ADDRESS: others['consdb-ingest'],
        STATS_SERVICE_ADDRESS: others.stats,
      };

      // The same gateway address: its health would have passed for the second archive's.
      const sameAddress = startAgain({ VISITSARCH_HOME: running.home, VISITSARCH_GATEWAY: running.gateway, ...elsewhere });
      expect(sameAddress.status).toBe(1);
      expect(sameAddress.stderr.trim().split('\n')).toEqual([`visitsarch: could not start: the gateway address ${running.gateway} is already in use: is visitsarch already running (\`visitsarch status\`)? Stop it, or give this archive other addresses`]);

      // The same home on other addresses: its PostgreSQL belongs to the running archive.
      const sameHome = startAgain({ VISITSARCH_HOME: running.home, VISITSARCH_GATEWAY: others.gateway, ...elsewhere });
      expect(sameHome.status).toBe(1);
      expect(sameHome.stderr).toMatch(/^visitsarch: could not start: PostgreSQL \(pid \d+\) already runs on .*postgres for another process \(pid \d+\) that is still running: is visitsarch already started with this data directory\?/);

      expect(await checkHealth(running.gateway, '', 5000)).toBe('SERVING');
      expect(fs.readFileSync(path.join(running.home, 'token'), 'utf8')).toBe(token);
      expect(running.stderr()).not.toMatch(/stopped unexpectedly|error/i);
    } finally {
      await running.stop();
    }
  });
});
