import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { ClientCredentialsError, clientCredentialsFromEnv, clientTlsFromEnv, clientTokenFromEnv } from './client-credentials';
import { ServiceClient } from './service-client';

describe('clientCredentialsFromEnv', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-credentials-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the token from VISITSARCH_TOKEN, else VISITSARCH_TOKEN_FILE, else $VISITSARCH_HOME/token, trimmed', () => {
    fs.writeFileSync(path.join(dir, 'token'), 'vsa_home_secret\n');
    fs.writeFileSync(path.join(dir, 'named'), '  vsa_file_secret \n');
    const env = { VISITSARCH_HOME: dir, VISITSARCH_TOKEN_FILE: path.join(dir, 'named'), VISITSARCH_TOKEN: 'vsa_env_secret' };
    expect(clientTokenFromEnv(env)).toBe('vsa_env_secret');
    expect(clientTokenFromEnv({ ...env, VISITSARCH_TOKEN: '' })).toBe('vsa_file_secret');
    expect(clientTokenFromEnv({ VISITSARCH_HOME: dir })).toBe('vsa_home_secret');
    // The home as visitsarchHome finds it: $XDG_DATA_HOME/visitsarch without VISITSARCH_HOME.
    fs.mkdirSync(path.join(dir, 'visitsarch'));
    fs.writeFileSync(path.join(dir, 'visitsarch', 'token'), 'vsa_xdg_secret');
    expect(clientTokenFromEnv({ XDG_DATA_HOME: dir })).toBe('vsa_xdg_secret');
  });

  it('gives no token, and no error, when there is none; an unreadable file is one line naming it', () => {
    expect(clientCredentialsFromEnv({ VISITSARCH_HOME: dir })).toEqual({ token: undefined, tls: undefined });
    expect(clientTokenFromEnv({ VISITSARCH_TOKEN_FILE: path.join(dir, 'missing') })).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'token'), '\n');
    expect(clientTokenFromEnv({ VISITSARCH_HOME: dir })).toBeUndefined();
    const unreadable = () => clientTokenFromEnv({ VISITSARCH_TOKEN_FILE: dir });
    expect(unreadable).toThrow(ClientCredentialsError);
    expect(unreadable).toThrow(`cannot read the token file ${dir} (VISITSARCH_TOKEN_FILE): it is a directory`);
  });

  it('turns TLS on with a CA file (whatever VISITSARCH_TLS says) or VISITSARCH_TLS=1', () => {
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, 'PEM');
    expect(clientTlsFromEnv({})).toBeUndefined();
    expect(clientTlsFromEnv({ VISITSARCH_TLS: '0' })).toBeUndefined();
    expect(clientTlsFromEnv({ VISITSARCH_TLS: '1' })).toEqual({});
    expect(clientTlsFromEnv({ VISITSARCH_TLS_CA_FILE: ca, VISITSARCH_TLS: '0' })).toEqual({ ca: Buffer.from('PEM') });
    expect(() => clientTlsFromEnv({ VISITSARCH_TLS: 'maybe' })).toThrow('VISITSARCH_TLS: expected 1');
    expect(() => clientTlsFromEnv({ VISITSARCH_TLS_CA_FILE: path.join(dir, 'missing.pem') })).toThrow(/^cannot read the CA file .*missing\.pem \(VISITSARCH_TLS_CA_FILE\): ENOENT/);
  });
});

describe('ServiceClient with a token', () => {
  it('sends it as `authorization: Bearer …` on every call, streaming ones included, unless the call sets its own', async () => {
    const seen: string[] = [];
    const definition = protoLoader.loadSync(CONTRACTS.metadataService.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const service = definition['visitsarch.metadata.v1.MetadataService'] as grpc.ServiceDefinition;
    const refuse = (call: { metadata: grpc.Metadata; getPath(): string }) => {
      seen.push(`${call.getPath()} ${String(call.metadata.get('authorization')[0])}`);
      return { code: grpc.status.UNAUTHENTICATED, details: 'seen' };
    };
    const server = new grpc.Server();
    server.addService(service, {
      GetVisitSequence: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(refuse(call)),
      Query: (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', refuse(call)),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const client = new ServiceClient<any>(CONTRACTS.metadataService, `127.0.0.1:${port}`, { token: 'vsa_test_secret' });
    try {
      await expect(client.unary('getVisitSequence', { visitseqUuid: 'x' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      const own = new grpc.Metadata();
      own.set('authorization', 'Bearer other');
      await expect(client.unary('getVisitSequence', { visitseqUuid: 'x' }, { metadata: own })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      await expect(
        (async () => {
          for await (const _ of client.serverStream('query', { sql: 'SELECT 1' })) void _;
        })(),
      ).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      client.close();
      server.forceShutdown();
    }
    expect(seen).toEqual([
      '/visitsarch.metadata.v1.MetadataService/GetVisitSequence Bearer vsa_test_secret',
      '/visitsarch.metadata.v1.MetadataService/GetVisitSequence Bearer other',
      '/visitsarch.metadata.v1.MetadataService/Query Bearer vsa_test_secret',
    ]);
  });
});
