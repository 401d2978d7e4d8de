import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { StackProcess, startStackProcess } from '@visitsarch/grpc-client';
import { buildProgram } from './program';
import { CliContext } from './context';
import { describeGrpcError } from './gateway';

jest.setTimeout(120_000);

const CLI = path.resolve(__dirname, '..', 'dist', 'main.js');

/** Runs the built CLI as a user does (finding its token in the stack's home); resolves with its exit code, output and how long it took. */
function visitsarch(args: string[], target: StackProcess | string): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(typeof target === 'string' ? { VISITSARCH_GATEWAY: target } : { VISITSARCH_GATEWAY: target.gateway, VISITSARCH_HOME: target.home }) };
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** One line on stderr, with none of grpc-js's diagnostics. */
function expectOneCleanLine(stderr: string): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/remote_addr|LB pick|name resolution|metadata filters|Deadline exceeded after/);
}

describe('deadlines and timeouts', () => {
  it('rejects a --timeout that is not a positive number, in one line with exit code 2', async () => {
    const bad = ['abc', '0', '-3', '1s'];
    const results = await Promise.all(bad.map((value) => visitsarch(['--timeout', value, 'list'], '127.0.0.1:1')));
    results.forEach((result, index) => {
      expect(result.code).toBe(2);
      expectOneCleanLine(result.stderr);
      expect(result.stderr).toBe(`visitsarch: --timeout must be a positive number of seconds, got ${JSON.stringify(bad[index])}\n`);
    });
  });

  it('gives every call a deadline that outlasts the server limit for it', () => {
    const deadlineIn = (args: string[], pick: (context: CliContext) => number) => {
      const program = buildProgram();
      program.parseOptions(args);
      return (pick(new CliContext(program)) - Date.now()) / 1000;
    };
    // A query without --timeout gets the deployment's QUERY_DEFAULT_TIMEOUT_S (10 s by default), at most
    // QUERY_MAX_TIMEOUT_S (300 s by default), and the service's own timer fires 1 s later: the deadline
    // outlasts the longest default a deployment can set without raising the maximum.
    expect(deadlineIn([], (context) => context.queryTimeout().options.deadline)).toBeGreaterThan(302);
    // The metadata service's own reads (query_night, prenight_sims) run for at most 60 s.
    expect(deadlineIn([], (context) => context.deadline().deadline)).toBeGreaterThan(62);
    expect(deadlineIn([], (context) => context.deadline('transfer').deadline)).toBeGreaterThan(3602);
    expect(deadlineIn(['--timeout', '600'], (context) => context.queryTimeout().options.deadline)).toBeGreaterThan(602);
    expect(deadlineIn(['--timeout', '2.5'], (context) => context.queryTimeout().options.deadline)).toBeGreaterThan(4.5);
    expect(deadlineIn(['--timeout', '2.5'], (context) => context.deadline().deadline)).toBeCloseTo(2.5, 1);
    const program = buildProgram();
    program.parseOptions(['--timeout', '2.5']);
    expect(new CliContext(program).queryTimeout().timeout).toEqual({ seconds: 2, nanos: 500_000_000 });
    // Without --timeout, none is asked for: the server applies its deployment's default.
    const unset = buildProgram();
    unset.parseOptions([]);
    expect(new CliContext(unset).queryTimeout().timeout).toBeUndefined();
  });

  it("turns grpc-js's deadline message into one human line", () => {
    const error = { code: 4, details: 'Deadline exceeded after 60.003s,name resolution: 0.009s,metadata filters: 0.001s,LB pick: 0.008s,remote_addr=127.0.0.1:50051' };
    expect(describeGrpcError(error, '127.0.0.1:50051', 66)?.message).toBe('the archive did not answer within 66 s (use --timeout to wait longer)');
    expect(describeGrpcError(error, '127.0.0.1:50051', 0.001)?.message).toBe('the archive did not answer within 0.001 s (use --timeout to wait longer)');
    const relayed = { code: 14, details: 'MetadataService is unavailable: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50052. Resolution note: ' };
    expect(describeGrpcError(relayed, '127.0.0.1:50051')?.message).toBe('the archive cannot answer right now (retry later): MetadataService is unavailable: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50052');
  });

  describe('against a running archive', () => {
    let stack: StackProcess;
    beforeAll(async () => {
      // A deployment's own default statement timeout for queries that ask for none (10 s unless set).
      stack = await startStackProcess({ env: { LOG_LEVEL: 'warn', QUERY_DEFAULT_TIMEOUT_S: '2' } });
    });
    afterAll(() => stack?.stop());

    it("shows the server's message when the query's own timeout (--timeout) fires first", async () => {
      const result = await visitsarch(['--timeout', '1', 'query', 'SELECT pg_sleep(30)'], stack);
      expect(result.code).toBe(1);
      expectOneCleanLine(result.stderr);
      expect(result.stderr).toBe('visitsarch: the query ran longer than its timeout of 1 s and was cancelled\n');
      expect(result.seconds).toBeLessThan(5); // well before the client's deadline of 1 + 5 s
      const quick = await visitsarch(['--timeout', '5', 'query', 'SELECT pg_sleep(0.2) AS slept'], stack);
      expect(quick.stderr).toBe('');
      expect(quick.stdout.split('\n')[0]).toBe('slept');
    });

    it("gives a query without --timeout the deployment's default statement timeout, and shows the server's message", async () => {
      const result = await visitsarch(['query', 'SELECT pg_sleep(30)'], stack);
      expect(result.code).toBe(1);
      expectOneCleanLine(result.stderr);
      expect(result.stderr).toBe('visitsarch: the query ran longer than its timeout of 2 s and was cancelled\n');
      expect(result.seconds).toBeLessThan(10);
    });

    it('ends with one human line when the archive does not answer before the deadline', async () => {
      const metadata = stack.servicePid('metadata');
      process.kill(metadata, 'SIGSTOP'); // the gateway still answers; the service behind it does not
      let query, list;
      try {
        [query, list] = await Promise.all([
          visitsarch(['--timeout', '1', 'query', 'SELECT pg_sleep(30)'], stack),
          visitsarch(['list', '--timeout', '1.5'], stack),
        ]);
      } finally {
        process.kill(metadata, 'SIGCONT');
      }
      expect(query.code).toBe(1);
      expectOneCleanLine(query.stderr);
      expect(query.stderr).toBe('visitsarch: the archive did not answer within 6 s (use --timeout to wait longer)\n');
      expect(query.seconds).toBeGreaterThanOrEqual(6);
      expect(list.code).toBe(1);
      expectOneCleanLine(list.stderr);
      expect(list.stderr).toBe('visitsarch: the archive did not answer within 1.5 s (use --timeout to wait longer)\n');
      expect(list.seconds).toBeLessThan(5);
    });
  });
});
