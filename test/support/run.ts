import { spawn, SpawnOptions } from 'node:child_process';
import * as path from 'node:path';
import { clientEnv } from './credentials';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output. */
export function run(command: string, args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * The `visitsarch` CLI as a user runs it (the built bin), against a given gateway, with the token
 * of its stack when a test started it (credentials.ts; `env` may set another, or none).
 */
export function cli(args: string[], gateway: string, env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return run(process.execPath, [path.join(REPO_ROOT, 'cli', 'dist', 'main.js'), ...args], {
    env: { ...process.env, ...clientEnv(gateway), ...env },
  });
}
