import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeAddress } from './testing';

/** The repository root, as seen from `libs/grpc-client/{src,dist}`. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The built `npm start` (tools/stack); tests run it as a user does. */
export const STACK_ENTRY_POINT = path.join(REPO_ROOT, 'tools', 'stack', 'dist', 'main.js');

/** The variables that place each part of a stack (the gateway, then the four services). */
const ADDRESS_VARIABLES = ['VISITSARCH_GATEWAY', 'METADATA_SERVICE_ADDRESS', 'BLOB_ARCHIVE_SERVICE_ADDRESS', 'CONSDB_INGEST_SERVICE_ADDRESS', 'STATS_SERVICE_ADDRESS'] as const;

/** One JSON log record of a service or of the stack (pino: `level` is a name). */
export type LogRecord = { level: string | number; service?: string; msg?: string } & Record<string, unknown>;

export interface StackProcess {
  gateway: string;
  home: string;
  process: ChildProcess;
  /** Every line the stack and its services wrote to stdout so far. */
  readonly lines: string[];
  /** The stdout lines that are JSON log records. */
  records(): LogRecord[];
  /** What the stack wrote to stderr so far (its banner, and anything a process wrote there). */
  stderr(): string;
  /** The process id of one service (`metadata`, `gateway`, …) run by the stack. */
  servicePid(name: string): number;
  /** SIGTERM, wait for a clean exit, remove the home. */
  stop(): Promise<void>;
}

/**
 * Runs `node tools/stack/dist/main.js` (what `npm start` runs) in a fresh VISITSARCH_HOME on free
 * ports, with its embedded PostgreSQL, and resolves once it says it is running (every service
 * SERVING). Never the default ports: other stacks may use them.
 */
export async function startStackProcess(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<StackProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-stack-process-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...options.env, VISITSARCH_HOME: home };
  delete env.DATABASE_URL; // always the embedded archive, whatever the caller's environment
  delete env.VISITSARCH_ARCHIVE_URL;
  for (const variable of ADDRESS_VARIABLES) env[variable] = await freeAddress();
  const child = spawn(process.execPath, [STACK_ENTRY_POINT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const records = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return [];
      }
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(home, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!stderr.includes('visitsarch is running')) { // the banner the stack prints once every service is SERVING, whatever LOG_LEVEL
    const ended = child.exitCode ?? child.signalCode;
    if (ended !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the stack did not start (${ended === null ? 'timed out' : `exit ${ended}`}): ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    gateway: env.VISITSARCH_GATEWAY!,
    home,
    process: child,
    lines,
    records,
    stderr: () => stderr,
    servicePid(name: string): number {
      const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' });
      const line = children.split('\n').find((entry) => entry.includes(path.join('services', name, 'dist', 'main.js')));
      if (!line) throw new Error(`the stack runs no ${name} service: ${children}`);
      return Number(line.trim().split(/\s+/)[0]);
    },
    stop,
  };
}
