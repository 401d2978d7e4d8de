import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CommanderError } from 'commander';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { buildProgram } from '../program';
import { expiryArgument } from './tokens';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;

describe('--expires', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');

  it('takes an age from now or an ISO 8601 date or time', () => {
    expect(expiryArgument('30d', now).toISOString()).toBe(new Date(now + 30 * DAY_MS).toISOString());
    expect(expiryArgument('12h', now).getTime()).toBe(now + 12 * 3_600_000);
    expect(expiryArgument('2027-06-30', now).toISOString()).toBe('2027-06-30T00:00:00.000Z');
    expect(expiryArgument('2027-01-01T08:00:00Z', now).toISOString()).toBe('2027-01-01T08:00:00.000Z');
  });

  it('refuses anything else, and times past, as usage errors', () => {
    for (const value of ['soon', '30m', '12/31/2027', '2026-01-01']) {
      expect(() => expiryArgument(value, now)).toThrow(CliError);
      try {
        expiryArgument(value, now);
      } catch (error) {
        expect((error as CliError).exitCode).toBe(2);
      }
    }
  });
});

/** A TokenService standing where the gateway would be: records the requests, answers from `answers`. */
async function fakeTokenService(answers: Record<string, (request: any) => any>) {
  const definition = protoLoader.loadSync(CONTRACTS.tokens.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const service = (grpc.loadPackageDefinition(definition) as any).visitsarch.metadata.v1.TokenService.service;
  const requests: { method: string; request: any }[] = [];
  const server = new grpc.Server();
  const implementation = Object.fromEntries(
    ['CreateToken', 'ListTokens', 'RevokeToken'].map((method) => [
      method,
      (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
        requests.push({ method, request: call.request });
        try {
          callback(null, answers[method](call.request));
        } catch (error) {
          callback(error as grpc.ServiceError);
        }
      },
    ]),
  );
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, requests, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** Runs `visitsarch <args>` in this process as main.ts does: its exit code, output and errors. */
async function visitsarch(gateway: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  process.exitCode = undefined;
  let code = 0;
  try {
    await buildProgram().parseAsync(['node', 'visitsarch', '--gateway', gateway, '--format', 'tsv', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof CliError) {
      stderr += `visitsarch: ${error.message}\n`;
      code = error.exitCode;
    } else throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

// The contracts make protobufjs carry google.protobuf.Timestamp as a Date.
const timestamp = (date: Date) => date;
const record = (overrides: Record<string, unknown> = {}) => ({
  tokenId: '0123456789abcdef',
  name: 'briefing',
  owner: 'svc',
  scopes: ['read', 'write'],
  createTime: timestamp(new Date('2026-12-04T10:00:00Z')),
  createdBy: 'alice',
  ...overrides,
});

describe('visitsarch token', () => {
  const secretToken = `vsa_0123456789abcdef_${'s'.repeat(43)}`;
  let fake: Awaited<ReturnType<typeof fakeTokenService>>;
  const pages = [
    { tokens: [record({ tokenId: 'aaaaaaaaaaaaaaaa' })], nextPageToken: 'next' },
    { tokens: [record({ tokenId: 'bbbbbbbbbbbbbbbb', revokeTime: timestamp(new Date('2026-12-04T11:00:00Z')) })], nextPageToken: '' },
  ];
  beforeAll(async () => {
    fake = await fakeTokenService({
      CreateToken: (request) => ({ token: record({ name: request.name, owner: request.owner || 'alice', scopes: request.scopes, expireTime: request.expireTime }), secretToken }),
      ListTokens: (request) => (request.pageToken ? pages[1] : pages[0]),
      RevokeToken: (request) => {
        if (request.tokenId !== '0123456789abcdef') throw Object.assign(new Error('no token'), { code: grpc.status.NOT_FOUND, details: `no token has the id "${request.tokenId}"` });
        return { token: record({ revokeTime: timestamp(new Date('2026-12-04T12:00:00Z')) }) };
      },
    });
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.requests.splice(0));

  it('create prints the secret once on stdout, the rest on stderr', async () => {
    const result = await visitsarch(fake.address, ['token', 'create', 'briefing', '--scope', 'write', '--scope', 'admin', '--owner', 'svc', '--expires', '30d']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${secretToken}\n`);
    expect(result.stderr).toMatch(/^visitsarch: created token 0123456789abcdef \(briefing\) for svc, scopes write,admin, expires .*only time it is shown.*token revoke 0123456789abcdef/);
    expect(result.stderr).not.toContain(secretToken);
    const { request } = fake.requests[0];
    expect(request).toMatchObject({ name: 'briefing', owner: 'svc', scopes: ['write', 'admin'] });
    expect(request.expireTime.getTime()).toBeGreaterThan(Date.now() + 29 * DAY_MS);
  });

  it('create grants read, to the caller, for ever, unless told otherwise; refuses an unknown scope before calling', async () => {
    expect((await visitsarch(fake.address, ['token', 'create', 'reader'])).code).toBe(0);
    expect(fake.requests[0].request).toMatchObject({ name: 'reader', owner: '', scopes: ['read'], expireTime: null });
    const refused = await visitsarch(fake.address, ['token', 'create', 'x', '--scope', 'root']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('visitsarch: --scope must be read, write or admin, got "root"\n');
    expect(fake.requests).toHaveLength(1);
  });

  it('list shows the active tokens of every page, or all of them with --all', async () => {
    const result = await visitsarch(fake.address, ['token', 'list']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(lines[0]).toEqual(['token_id', 'name', 'owner', 'scopes', 'state', 'create_time', 'created_by', 'expire_time', 'revoke_time']);
    expect(lines.slice(1).map((fields) => [fields[0], fields[4]])).toEqual([
      ['aaaaaaaaaaaaaaaa', 'active'],
      ['bbbbbbbbbbbbbbbb', 'revoked'],
    ]);
    expect(fake.requests.map(({ request }) => [request.activeOnly, request.pageToken])).toEqual([
      [true, ''],
      [true, 'next'],
    ]);
    await visitsarch(fake.address, ['token', 'list', '--all']);
    expect(fake.requests.slice(2).every(({ request }) => request.activeOnly === false)).toBe(true);
  });

  it('revoke says what it revoked; an unknown id is one line and exit code 1', async () => {
    const result = await visitsarch(fake.address, ['token', 'revoke', '0123456789abcdef']);
    expect(result).toEqual({ code: 0, stdout: 'revoked 0123456789abcdef (briefing, svc) at 2026-12-04T12:00:00.000Z\n', stderr: '' });
    const unknown = await visitsarch(fake.address, ['token', 'revoke', 'ffffffffffffffff']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no token has the id "ffffffffffffffff"/);
  });
});
