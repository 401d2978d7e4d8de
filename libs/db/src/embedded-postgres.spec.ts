import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createLogger } from '@visitsarch/logging';
import { startEmbeddedPostgres } from './embedded-postgres';
import { postgresCheck } from './health';

jest.setTimeout(120_000);

describe('startEmbeddedPostgres', () => {
  const logger = createLogger('test', 'warn');
  let home: string;

  beforeAll(() => {
    // 0700, like a home directory or a clone only its owner may enter (also as root).
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-db-'));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('runs a real PostgreSQL, creates the database, and keeps data across restarts', async () => {
    const dataDir = path.join(home, 'postgres');
    const first = await startEmbeddedPostgres({ dataDir, database: 'archive', logger, settings: { TimeZone: 'Pacific/Chatham' } });
    try {
      const client = new Client({ connectionString: first.url });
      await client.connect();
      const { rows } = await client.query("SELECT current_database() AS db, current_setting('TimeZone') AS tz, version() AS version");
      expect(rows[0]).toMatchObject({ db: 'archive', tz: 'Pacific/Chatham' });
      expect(rows[0].version).toMatch(/^PostgreSQL \d+/);
      await client.query('CREATE TABLE kept (x int)');
      await client.query('INSERT INTO kept VALUES (42)');
      await client.end();
      const health = postgresCheck(first.url);
      await expect(health.check()).resolves.toBeUndefined();
      await health.close();
    } finally {
      await first.stop();
    }
    await expect(postgresCheck(first.url).check()).rejects.toThrow();

    const second = await startEmbeddedPostgres({ dataDir, database: 'archive', logger });
    try {
      const client = new Client({ connectionString: second.url });
      await client.connect();
      expect((await client.query('SELECT x FROM kept')).rows).toEqual([{ x: 42 }]);
      await client.end();
    } finally {
      await second.stop();
    }
    // All of the cluster is where it was asked to be (removing the home removes it), and the
    // home is still closed to other users.
    expect(second.dataDir).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
  });
});
