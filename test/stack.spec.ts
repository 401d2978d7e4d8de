import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Client } from 'pg';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { bearerTokenInterceptor, checkHealth, clientTokenFromEnv } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses as freeAddresses, startStack } from '@visitsarch/stack';

import { cli, REPO_ROOT, run } from './support/run';

const SERVICE_ENV = {
  gateway: 'VISITSARCH_GATEWAY',
  metadata: 'METADATA_SERVICE_ADDRESS',
  'blob-archive': 'BLOB_ARCHIVE_SERVICE_ADDRESS',
  'consdb-ingest': 'CONSDB_INGEST_SERVICE_ADDRESS',
  stats: 'STATS_SERVICE_ADDRESS',
} as const;

/** The launcher's variables that make the services listen at `addresses`. */
function addressEnv(addresses: Awaited<ReturnType<typeof freeAddresses>>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(SERVICE_ENV).map(([name, variable]) => [variable, addresses[name as keyof typeof addresses]]));
}

function makeHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-e2e-'));
  return home;
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr: ${seen.slice(-2000)}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; stderr: ${seen.slice(-2000)}`));
    });
  });
}

describe('npm start (tools/stack)', () => {
  let home: string;
  let addresses: Awaited<ReturnType<typeof freeAddresses>>;
  let stack: ChildProcess;

  beforeAll(async () => {
    home = makeHome();
    addresses = await freeAddresses();
    const env: NodeJS.ProcessEnv = { ...process.env, VISITSARCH_HOME: home, LOG_LEVEL: 'warn', ...addressEnv(addresses) };
    delete env.DATABASE_URL;
    delete env.VISITSARCH_ARCHIVE_URL;
    stack = spawn(process.execPath, [path.join(REPO_ROOT, 'tools', 'stack', 'dist', 'main.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForOutput(stack, /visitsarch is running: gateway at 127\.0\.0\.1:\d+/, 120_000);
  });

  afterAll(() => {
    if (stack.exitCode === null) stack.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('brings up all five services, each SERVING through grpc.health.v1', async () => {
    for (const address of Object.values(addresses)) expect(await checkHealth(address)).toBe('SERVING');
    expect(await checkHealth(addresses.gateway, 'visitsarch.gateway.v1.GatewayService')).toBe('SERVING');
    expect(fs.existsSync(path.join(home, 'archive'))).toBe(true);
  });

  it('`visitsarch status` reports every service SERVING', async () => {
    const result = await cli(['status'], addresses.gateway);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(['gateway', 'metadata', 'blob-archive', 'consdb-ingest', 'stats']);
    for (const line of lines) expect(line).toMatch(/ SERVING$/);
  });

  it('answers through the gateway: a fresh archive lists no sequences; consdb-ingest answers through it', async () => {
    const definition = protoLoader.loadSync([...CONTRACTS.gateway.protoFiles, ...CONTRACTS.metadata.protoFiles], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const loaded = grpc.loadPackageDefinition(definition) as any;
    // With the admin token `npm start` wrote to $VISITSARCH_HOME/token.
    const token = clientTokenFromEnv({ VISITSARCH_HOME: home });
    expect(token).toMatch(/^vsa_/);
    const withToken = { interceptors: [bearerTokenInterceptor(token!)] };
    const client = new loaded.visitsarch.gateway.v1.GatewayService(addresses.gateway, grpc.credentials.createInsecure(), withToken);
    // MetadataService, which the gateway forwards, at the gateway's address.
    const records = new loaded.visitsarch.metadata.v1.MetadataService(addresses.gateway, grpc.credentials.createInsecure(), withToken);
    const callOn = (target: any, method: string, request: object) =>
      new Promise<{ error: grpc.ServiceError | null; response: any }>((resolve) =>
        target[method](request, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null, response: any) => resolve({ error, response })),
      );
    const call = (method: string, request: object) => callOn(client, method, request);
    const listed = await callOn(records, 'ListVisitSequences', {});
    expect(listed.error).toBeNull();
    expect(listed.response.visitSequences).toEqual([]);
    const delegated = await call('GetDefaultConsdbQuery', { telescope: 'simonyi' });
    expect(delegated.error).toBeNull();
    expect(delegated.response.query).toContain('cdb_lsstcam');
    const refused = await call('GetDefaultConsdbQuery', { telescope: 'hubble' });
    expect(refused.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    client.close();
    records.close();
  });

  it('lists the gateway services through server reflection (grpcurl)', async () => {
    const grpcurl = process.env.GRPCURL || 'grpcurl';
    const result = await run(grpcurl, ['-plaintext', addresses.gateway, 'list']).catch((error) => {
      throw new Error(`grpcurl is needed for this test (set GRPCURL or put it on PATH; .ci/run installs it): ${error.message}`);
    });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining(['visitsarch.gateway.v1.GatewayService', 'visitsarch.metadata.v1.MetadataService', 'visitsarch.stats.v1.StatsService', 'grpc.health.v1.Health']),
    );
    expect(result.stdout).not.toContain('RegistryService'); // internal: not reachable through the gateway
    // What an operator does next: describe, check health and call, all through reflection alone (no .proto files).
    const described = await run(grpcurl, ['-plaintext', addresses.gateway, 'describe', 'visitsarch.gateway.v1.AddSimulationHeader']);
    expect(described.stderr).toBe('');
    expect(described.stdout).toContain('optional string first_day_obs = 3;');
    expect(described.stdout).toContain('// The label of the simulation'); // the contract's comments
    const internal = await run(grpcurl, ['-plaintext', addresses.gateway, 'describe', 'visitsarch.metadata.v1.RegistryService']);
    expect(internal.stderr).toContain('Symbol not found'); // only the services the gateway serves are described
    const health = await run(grpcurl, ['-plaintext', addresses.gateway, 'grpc.health.v1.Health/Check']);
    expect({ code: health.code, stdout: health.stdout, stderr: health.stderr }).toEqual({ code: 0, stdout: expect.stringContaining('"status": "SERVING"'), stderr: '' });
    const query = await run(grpcurl, ['-plaintext', '-d', '{"telescope": "auxtel"}', addresses.gateway, 'visitsarch.gateway.v1.GatewayService/GetDefaultConsdbQuery']);
    expect(query.stderr).toContain('Unauthenticated'); // reached the gateway's own access control: the request was encoded from reflection
  });

  it('stops every service and PostgreSQL cleanly on Ctrl-C (SIGINT)', async () => {
    const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const address of Object.values(addresses)) expect(await checkHealth(address, '', 500)).toBe('UNREACHABLE');
    expect(fs.existsSync(path.join(home, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});

describe('startStack', () => {
  it('reuses the same data on a second start', async () => {
    const home = makeHome();
    const logger = createLogger('e2e', 'silent');
    try {
      const first = await startStack({ home, addresses: await freeAddresses(), logger, serviceLogs: 'ignore' });
      let client = new Client({ connectionString: first.databaseUrl });
      await client.connect();
      await client.query("CREATE TABLE e2e_marker (note text); INSERT INTO e2e_marker VALUES ('kept')");
      await client.end();
      await first.stop();

      const second = await startStack({ home, addresses: await freeAddresses(), logger, serviceLogs: 'ignore' });
      client = new Client({ connectionString: second.databaseUrl });
      await client.connect();
      expect((await client.query('SELECT note FROM e2e_marker')).rows).toEqual([{ note: 'kept' }]);
      await client.end();
      await second.stop();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('configuration errors', () => {
  const service = (name: string) => path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');

  it.each([
    ['metadata', { DATABASE_URL: 'postgres//oops' }, 'DATABASE_URL: not a URL'],
    ['metadata', { DATABASE_URL: '' }, 'DATABASE_URL: is required'],
    ['blob-archive', { VISITSARCH_ARCHIVE_URL: 'gs://bucket/prefix/' }, 'VISITSARCH_ARCHIVE_URL: unknown archive scheme "gs://"'],
    ['gateway', { METADATA_SERVICE_ADDRESS: 'metadata' }, 'METADATA_SERVICE_ADDRESS: expected host:port'],
    ['stats', { GRPC_ADDRESS: '127.0.0.1:99999' }, 'GRPC_ADDRESS: expected host:port'],
    ['consdb-ingest', { LOG_LEVEL: 'chatty' }, 'LOG_LEVEL: expected one of'],
  ])('%s stops at start-up with one line naming the variable (%j)', async (name, env, message) => {
    const result = await run(process.execPath, [service(name)], { env: { ...process.env, DATABASE_URL: 'postgresql://x@127.0.0.1:1/x', VISITSARCH_ARCHIVE_URL: `file://${os.tmpdir()}/x/`, ...env } });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`visitsarch-${name}: configuration error: ${message}`);
  });

  it('npm start refuses a bad DATABASE_URL with one line', async () => {
    const result = await run(process.execPath, [path.join(REPO_ROOT, 'tools', 'stack', 'dist', 'main.js')], {
      env: { ...process.env, DATABASE_URL: 'mysql://db/x' },
    });
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toBe('visitsarch: configuration error: DATABASE_URL: unsupported scheme "mysql:": expected postgresql://');
  });

  it('npm start refuses a bad LOG_LEVEL with one line, as the services do', async () => {
    const result = await run(process.execPath, [path.join(REPO_ROOT, 'tools', 'stack', 'dist', 'main.js')], { env: { ...process.env, LOG_LEVEL: 'loud' } });
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toBe('visitsarch: configuration error: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, got "loud"');
  });

  it('npm start passes a service its variables: a bad one stops the start with that service\'s one line, exit code 78', async () => {
    const home = makeHome();
    try {
      const result = await run(process.execPath, [path.join(REPO_ROOT, 'tools', 'stack', 'dist', 'main.js')], {
        env: { ...process.env, VISITSARCH_HOME: home, QUERY_MAX_ROWS: '0', ...addressEnv(await freeAddresses()) },
        timeoutMs: 120_000,
      });
      expect(result.code).toBe(78);
      expect(result.stderr.trim().split('\n')).toEqual(['visitsarch-metadata: configuration error: QUERY_MAX_ROWS: expected an integer from 1 to 100000000, got 0']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('the visitsarch CLI without a server', () => {
  it('--help works offline', async () => {
    const result = await cli(['--help'], '127.0.0.1:1');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: visitsarch');
    expect(result.stdout).toContain('status');
  });

  it('status says the gateway is unreachable, in one line, with exit code 1', async () => {
    const result = await cli(['status'], '127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'visitsarch: cannot reach the gateway at 127.0.0.1:1: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.',
    ]);
    expect(result.stdout).toMatch(/^gateway\s+127\.0\.0\.1:1\s+UNREACHABLE$/m);
  });

  it('an unknown command is a usage error (exit 2), not a stack trace', async () => {
    const result = await cli(['frobnicate'], '127.0.0.1:1');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("visitsarch: unknown command 'frobnicate' (run `visitsarch --help` for usage)\n");
    // Asking the help of a command that does not exist says so too (commander printed the main help, exit 0).
    for (const args of [['frobnicate', '--help'], ['--gateway', '127.0.0.1:1', 'tagg', '-h']]) {
      const help = await cli(args, '127.0.0.1:1');
      expect([help.code, help.stdout, help.stderr]).toEqual([2, '', `visitsarch: unknown command '${args.at(-2)}'${args.at(-2) === 'tagg' ? ' (Did you mean tag?)' : ''} (run \`visitsarch --help\` for usage)\n`]);
    }
    const tagHelp = await cli(['tag', '--help'], '127.0.0.1:1');
    expect([tagHelp.code, tagHelp.stdout.split('\n')[0]]).toEqual([0, 'Usage: visitsarch tag [options] <uuid> <tags...>']);
    const missing = await cli(['tag'], '127.0.0.1:1');
    expect([missing.code, missing.stderr]).toEqual([2, "visitsarch: missing required argument 'uuid' (run `visitsarch tag --help` for usage)\n"]);
  });

  it('stops quietly when its reader is gone (`visitsarch --help | true`, as `visitsarch list | head`)', async () => {
    const main = path.join(REPO_ROOT, 'cli', 'dist', 'main.js');
    // `true` exits before the CLI has started: its first write finds the pipe closed (EPIPE).
    const result = await run('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${main}" --help | true`]);
    expect([result.code, result.stdout, result.stderr]).toEqual([141, '', '']); // as a tool killed by SIGPIPE
  });
});
