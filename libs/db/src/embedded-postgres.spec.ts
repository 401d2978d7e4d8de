import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createLogger } from '@visitsarch/logging';
import { credentialsFileOf, SERVICE_ROLE, startEmbeddedPostgres } from './embedded-postgres';
import { postgresCheck } from './health';
import { binDir, initdb, serverIdentity, spawnServer } from './postgres-programs';

jest.setTimeout(120_000);

/** Rows of `sql` through a fresh connection to `url`. */
async function query(url: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The SQLSTATE of a login of `user`/`password`, or 'ok'. */
async function login(port: number, user: string, password: string): Promise<string> {
  const client = new Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  try {
    await client.connect();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('startEmbeddedPostgres', () => {
  const logger = createLogger('test', 'silent');
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
      expect(await query(second.url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    } finally {
      await second.stop();
    }
    // All of the cluster is where it was asked to be (removing the home removes it), and the
    // home is still closed to other users.
    expect(second.dataDir).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
  });

  it('tries another port when the free one it found was taken before the server bound it', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const offered: number[] = [];
    const watching = createLogger('test', 'silent');
    const warn = jest.spyOn(watching, 'warn');
    try {
      const postgres = await startEmbeddedPostgres({
        dataDir: path.join(home, 'port-taken'),
        database: 'archive',
        logger: watching,
        // The first port offered is one a listener holds, as an outgoing connection may meanwhile.
        freePort: async () => (offered.push(offered.length === 0 ? takenPort : await anyFreePort()), offered[offered.length - 1]),
      });
      try {
        expect(offered).toHaveLength(2);
        expect(postgres.port).toBe(offered[1]);
        expect(await query(postgres.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        expect(warn.mock.calls).toEqual([[{ port: takenPort, attempt: 1 }, expect.stringContaining('could not bind the free port it was given')]]);
      } finally {
        await postgres.stop();
      }
      // A port the caller chose is not swapped for another: its being taken is the caller's error.
      await expect(startEmbeddedPostgres({ dataDir: path.join(home, 'port-taken'), database: 'archive', logger, port: takenPort })).rejects.toThrow(`embedded PostgreSQL could not listen on 127.0.0.1:${takenPort}: the port is taken`);
    } finally {
      taken.close();
    }
  });

  it('gives the services a role that is no superuser, with passwords only a 0600 file holds', async () => {
    const dataDir = path.join(home, 'secured');
    const postgres = await startEmbeddedPostgres({ dataDir, database: 'archive', logger });
    try {
      expect(postgres.credentialsFile).toBe(path.join(home, 'secured-credentials.json'));
      expect(fs.statSync(postgres.credentialsFile).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(fs.readFileSync(postgres.credentialsFile, 'utf8'));
      expect(new URL(postgres.url).username).toBe(SERVICE_ROLE);
      expect(decodeURIComponent(new URL(postgres.url).password)).toBe(stored.service.password);
      expect(stored.superuser.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(stored.service.password).not.toBe(stored.superuser.password);

      const [role] = await query(postgres.url, 'SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user');
      expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: true, rolreplication: false, rolbypassrls: false });
      // It owns the archive's database: it creates schemas and the read-only role it hands to Query.
      expect(await query(postgres.url, 'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()')).toEqual([{ owner: SERVICE_ROLE }]);
      await query(postgres.url, "CREATE SCHEMA app; CREATE ROLE archive_query NOLOGIN; ALTER ROLE archive_query WITH LOGIN PASSWORD 'x'");
      // What only a superuser may do is refused.
      await expect(query(postgres.url, "SELECT pg_read_file('PG_VERSION')")).rejects.toThrow(/permission denied/);
      await expect(query(postgres.url, 'CREATE DATABASE other')).rejects.toThrow(/permission denied/);

      // The old fixed password opens nothing; the stored superuser password does.
      for (const user of ['visitsarch', 'postgres', SERVICE_ROLE]) expect([user, await login(postgres.port, user, 'visitsarch')]).toEqual([user, '28P01']);
      expect(await login(postgres.port, stored.superuser.user, stored.superuser.password)).toBe('ok');
    } finally {
      await postgres.stop();
    }

    // Without its credentials file the cluster cannot be opened: one line says what to do, and no server is left behind.
    const moved = `${postgres.credentialsFile}.moved`;
    fs.renameSync(postgres.credentialsFile, moved);
    await expect(startEmbeddedPostgres({ dataDir, database: 'archive', logger })).rejects.toThrow(
      `${postgres.credentialsFile} is missing, and the embedded PostgreSQL in ${dataDir} has a password that only that file held: restore it, or remove ${dataDir} to start an empty archive`,
    );
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
    fs.renameSync(moved, postgres.credentialsFile);
    const again = await startEmbeddedPostgres({ dataDir, database: 'archive', logger });
    await again.stop();
  });

  it('converts a cluster of an earlier version: rotates the fixed password and hands its objects to the service role', async () => {
    // What earlier versions made: superuser visitsarch/visitsarch, and the archive's objects (a
    // schema, tables with identity and serial keys, a view, a function, a type, the Query role) its.
    const dataDir = path.join(home, 'legacy');
    const bin = binDir();
    const identity = serverIdentity(dataDir, bin);
    initdb(bin, dataDir, identity, { user: 'visitsarch', password: 'visitsarch' });
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const old = spawnServer(bin, dataDir, identity, port, {});
    try {
      for (let attempt = 0; (await login(port, 'visitsarch', 'visitsarch')) !== 'ok'; attempt++) {
        if (attempt > 300) throw new Error(`the legacy cluster did not start: ${old.exited()?.output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const legacyUrl = (database: string) => `postgresql://visitsarch:visitsarch@127.0.0.1:${port}/${database}`;
      await query(legacyUrl('postgres'), 'CREATE DATABASE archive');
      await query(
        legacyUrl('archive'),
        `CREATE SCHEMA visitsarch;
         SET search_path = visitsarch;
         CREATE TYPE mood AS ENUM ('ok', 'bad');
         CREATE TABLE comments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, text text, mood mood);
         CREATE TABLE schema_migrations (id SERIAL PRIMARY KEY, name text);
         CREATE VIEW comment_texts AS SELECT text FROM comments;
         CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS 'SELECT upper(t)';
         INSERT INTO comments (text, mood) VALUES ('kept', 'ok');
         CREATE ROLE archive_query NOLOGIN;
         GRANT USAGE ON SCHEMA visitsarch TO archive_query;
         GRANT SELECT ON comments TO archive_query;`,
      );
    } finally {
      await old.stop();
    }

    const postgres = await startEmbeddedPostgres({ dataDir, database: 'archive', logger });
    try {
      expect(await login(postgres.port, 'visitsarch', 'visitsarch')).toBe('28P01');
      const stored = JSON.parse(fs.readFileSync(postgres.credentialsFile, 'utf8'));
      expect(stored.superuser.user).toBe('visitsarch');
      expect(await login(postgres.port, 'visitsarch', stored.superuser.password)).toBe('ok');
      expect(fs.statSync(postgres.credentialsFile).mode & 0o777).toBe(0o600);
      expect(await query(postgres.url, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([{ rolsuper: false }]);

      const owners = await query(
        postgres.url,
        `SELECT 'schema' AS kind, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'visitsarch'
         UNION ALL SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'visitsarch'::regnamespace
         UNION ALL SELECT proname, pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'visitsarch'::regnamespace
         UNION ALL SELECT typname, pg_get_userbyid(typowner) FROM pg_type WHERE typnamespace = 'visitsarch'::regnamespace
         UNION ALL SELECT 'database', pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'archive'`,
      );
      expect(owners.length).toBeGreaterThan(10);
      expect(owners.filter((row) => row.owner !== SERVICE_ROLE)).toEqual([]);

      // The service goes on as the superuser did: writes, migrates, and sets the Query role's password.
      await query(
        postgres.url,
        `SET search_path = visitsarch;
         INSERT INTO comments (text, mood) VALUES ('new', 'bad');
         INSERT INTO schema_migrations (name) VALUES ('next');
         ALTER TABLE comments ADD COLUMN author text;
         CREATE OR REPLACE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS 'SELECT upper(t) || ''!''';
         ALTER ROLE archive_query WITH LOGIN PASSWORD 'reader';`,
      );
      expect(await query(postgres.url, 'SELECT visitsarch.shout(text) AS s FROM visitsarch.comment_texts ORDER BY 1')).toEqual([{ s: 'KEPT!' }, { s: 'NEW!' }]);
      const reader = new URL(postgres.url);
      reader.username = 'archive_query';
      reader.password = 'reader';
      expect(await query(reader.toString(), 'SELECT count(*)::int AS n FROM visitsarch.comments')).toEqual([{ n: 2 }]);
      await expect(query(reader.toString(), "INSERT INTO visitsarch.comments (text) VALUES ('no')")).rejects.toThrow(/permission denied/);
    } finally {
      await postgres.stop();
    }

    // Converted once: the next start uses the stored passwords.
    const again = await startEmbeddedPostgres({ dataDir, database: 'archive', logger });
    try {
      expect(await query(again.url, 'SELECT count(*)::int AS n FROM visitsarch.comments')).toEqual([{ n: 2 }]);
    } finally {
      await again.stop();
    }
    expect(credentialsFileOf(dataDir)).toBe(again.credentialsFile);
  });
});

function anyFreePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
