import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../probe';

/** A real S3-protocol server (versitygw over a temporary directory) for tests. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>`, what S3_ENDPOINT_URL would be. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The directory the gateway stores buckets and objects in (bucket = directory, object = file). */
  dataDirectory: string;
  /** A client with the server's credentials. */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const REPOSITORY = path.resolve(__dirname, '..', '..', '..', '..');

/** Where the versitygw binary is: $VERSITYGW, `.tools/bin/` of the repository (tools/install-s3-server.sh), or $PATH. */
export function findVersitygw(): string {
  const candidates = [process.env.VERSITYGW, path.join(REPOSITORY, '.tools', 'bin', 'versitygw')];
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) if (directory) candidates.push(path.join(directory, 'versitygw'));
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('the S3 test server versitygw is not installed: run `bash tools/install-s3-server.sh` (it builds it into .tools/bin/ with Go)');
}

/** Starts versitygw on a free loopback port over a fresh temporary directory and creates `buckets`. */
export async function startS3TestServer(buckets: string[] = []): Promise<S3TestServer> {
  const binary = findVersitygw();
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-s3-'));
  const accessKeyId = 'visitsarch-test';
  const secretAccessKey = 'visitsarch-test-secret';
  let lastError: unknown;
  // The port is found free and then handed to the child: another process may take it in
  // between, so a failed start is retried on a new port.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['--access', accessKeyId, '--secret', secretAccessKey, '--port', `127.0.0.1:${port}`, '--quiet', 'posix', dataDirectory], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    try {
      await waitForPort(port, child, () => stderr);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      continue;
    }
    const endpoint = `http://127.0.0.1:${port}`;
    const client = createS3Client({ endpoint, credentials: { accessKeyId, secretAccessKey } });
    const server: S3TestServer = {
      endpoint,
      accessKeyId,
      secretAccessKey,
      dataDirectory,
      client,
      createBucket: async (name) => {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      },
      stop: () => stopChild(child, client, dataDirectory),
    };
    for (const bucket of buckets) await server.createBucket(bucket);
    return server;
  }
  fs.rmSync(dataDirectory, { recursive: true, force: true });
  throw lastError;
}

async function stopChild(child: ChildProcess, client: S3Client, dataDirectory: string): Promise<void> {
  client.destroy();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dataDirectory, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`versitygw exited with code ${child.exitCode}: ${stderr().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`versitygw did not listen on port ${port} within 15 s: ${stderr().trim()}`);
}
