import * as diagnostics from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Pool } from 'pg';
import { createLogger } from '@visitsarch/logging';
import { RunningPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { postgresCheck } from './health';
import { DB_POOL_CHANNEL, DB_QUERY_CHANNEL, DbPoolEvent, DbQueryEvent, instrumentPostgres, nameDbPool, sqlCommandOf } from './pg-timing';

jest.setTimeout(120_000);

/** Statements and pools of a real PostgreSQL server, as a service's metrics see them (the channels they subscribe to). */
describe('PostgreSQL timing', () => {
  let home: string;
  let postgres: RunningPostgres;
  const queries: DbQueryEvent[] = [];
  const pools: DbPoolEvent[] = [];
  const onQuery = (message: unknown) => queries.push(message as DbQueryEvent);
  const onPool = (message: unknown) => pools.push(message as DbPoolEvent);

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-pg-timing-'));
    postgres = await startEmbeddedPostgres({ dataDir: path.join(home, 'postgres'), database: 'timing', logger: createLogger('test', 'silent') });
    instrumentPostgres();
    instrumentPostgres(); // idempotent: statements are not timed twice
    diagnostics.subscribe(DB_QUERY_CHANNEL, onQuery);
    diagnostics.subscribe(DB_POOL_CHANNEL, onPool);
  });
  afterAll(async () => {
    diagnostics.unsubscribe(DB_QUERY_CHANNEL, onQuery);
    diagnostics.unsubscribe(DB_POOL_CHANNEL, onPool);
    await postgres?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    queries.length = 0;
    pools.length = 0;
  });

  it('times each statement of a pool, with its command, pool and outcome, whichever way it is called', async () => {
    const pool = nameDbPool(new Pool({ connectionString: postgres.url, max: 3 }), 'archive');
    pool.on('error', () => undefined); // an idle connection the server ends (its shutdown) is no failure of this test
    try {
      await pool.query('SELECT 1');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query({ text: '  /* a comment */ (SELECT $1::int)', values: [2] });
        await expect(client.query('SELEC 1')).rejects.toThrow(/syntax error/);
        await client.query('ROLLBACK');
        await new Promise<void>((resolve, reject) => client.query('SHOW server_version', (error: Error | null) => (error ? reject(error) : resolve())));
      } finally {
        client.release();
      }
      expect(queries.map((event) => [event.pool, event.operation, event.error])).toEqual([
        ['archive', 'SELECT', false],
        ['archive', 'BEGIN', false],
        ['archive', 'SELECT', false],
        ['archive', 'OTHER', true],
        ['archive', 'ROLLBACK', false],
        ['archive', 'SHOW', false],
      ]);
      for (const event of queries) expect(event.seconds).toBeGreaterThan(0);
      // The pool is made known each time it hands out a connection, with what the gauges read.
      expect(pools.length).toBeGreaterThanOrEqual(2);
      expect(pools.every((event) => event.pool === pool && event.name === 'archive')).toBe(true);
      expect(pools[0].pool.totalCount).toBe(1);
      expect(pools[0].pool.idleCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('names an unnamed pool by its login role, the health check `health`, and a client of no pool `direct`', async () => {
    const unnamed = new Pool({ connectionString: postgres.url });
    unnamed.on('error', () => undefined);
    const health = postgresCheck(postgres.url);
    const client = new Client({ connectionString: postgres.url });
    try {
      await unnamed.query('SELECT 1');
      await health.check();
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end();
      await health.close();
      await unnamed.end();
    }
    expect(queries.map((event) => event.pool)).toEqual([new URL(postgres.url).username, 'health', 'direct']);
  });

  it('knows the SQL command of a statement, and nothing else', () => {
    expect(sqlCommandOf('select * from t')).toBe('SELECT');
    expect(sqlCommandOf('\n -- why\n  WITH x AS (SELECT 1) SELECT * FROM x')).toBe('WITH');
    expect(sqlCommandOf('DECLARE c NO SCROLL CURSOR FOR SELECT 1')).toBe('DECLARE');
    expect(sqlCommandOf("robert'); DROP TABLE students")).toBe('OTHER');
    expect(sqlCommandOf(undefined)).toBe('OTHER');
  });
});
