import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AUTHORIZATION, INGRESS_USER_HEADER, newSecretToken, PEER_HEADER } from '@visitsarch/auth';
import { ConfigError } from '@visitsarch/config';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { freeAddress, setPeerCredential, TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { statusMetadata } from '@visitsarch/grpc-server';
import { createLogger } from '@visitsarch/logging';
import { GatewayAuthentication, scopeList, type AuthenticationSettings } from './authentication';

jest.setTimeout(30_000);

const reader = newSecretToken();
const revoked = newSecretToken();
const peerRefused = newSecretToken();

/** A stand-in of the metadata service's TokenVerificationService: counts its calls, checks the credential. */
async function startVerifier(address: string) {
  const calls: string[] = [];
  const definition = protoLoader.loadSync(CONTRACTS.tokenVerification.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const server = new grpc.Server();
  server.addService(definition['visitsarch.metadata.v1.TokenVerificationService'] as grpc.ServiceDefinition, {
    VerifyToken: (call: grpc.ServerUnaryCall<{ secretToken: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      calls.push(call.request.secretToken);
      if (call.metadata.get(PEER_HEADER)[0] !== TEST_SERVICE_CREDENTIAL) return callback({ code: grpc.status.INTERNAL, details: 'no credential' });
      if (call.request.secretToken === peerRefused.secretToken) {
        return callback({ code: grpc.status.UNAUTHENTICATED, details: 'refused', metadata: statusMetadata(grpc.status.UNAUTHENTICATED, 'refused', { reason: 'PEER_CREDENTIAL_REQUIRED' }) });
      }
      if (call.request.secretToken !== reader.secretToken) return callback({ code: grpc.status.UNAUTHENTICATED, details: 'the token is revoked' });
      callback(null, { token: { tokenId: reader.tokenId, owner: 'alice', scopes: ['read'], name: 'n', createdBy: 'x' } });
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
  return { calls, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

function metadataOf(headers: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

const bearer = (token: string) => metadataOf({ [AUTHORIZATION]: `Bearer ${token}` });

async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error('authenticated, a failure was expected');
}

describe('the gateway authentication', () => {
  let verifier: Awaited<ReturnType<typeof startVerifier>>;
  let address: string;
  let now = 1_000_000;
  const authentications: GatewayAuthentication[] = [];
  const make = (settings: Partial<AuthenticationSettings> = {}) => {
    const made = new GatewayAuthentication(
      { METADATA_SERVICE_ADDRESS: address, AUTH_MODE: 'tokens', AUTH_CACHE_TTL_MS: 10_000, INGRESS_SCOPES: ['read', 'write'], INGRESS_ADMIN_USERS: ['root'], ...settings },
      createLogger('test', 'silent'),
      () => now,
    );
    authentications.push(made);
    return made;
  };

  beforeAll(async () => {
    setPeerCredential(TEST_SERVICE_CREDENTIAL);
    address = await freeAddress();
    verifier = await startVerifier(address);
  });
  afterAll(async () => {
    authentications.forEach((made) => made.onApplicationShutdown());
    await verifier.stop();
    setPeerCredential(undefined);
  });

  it('asks the metadata service once per token and cache lifetime', async () => {
    const { authenticate } = make();
    verifier.calls.length = 0;
    const [first, second] = await Promise.all([authenticate(bearer(reader.secretToken)), authenticate(bearer(reader.secretToken))]);
    expect(first).toEqual({ identity: 'alice', scopes: ['read'] });
    expect(second).toEqual(first);
    expect(await authenticate(bearer(reader.secretToken))).toEqual(first);
    expect(verifier.calls).toHaveLength(1);
    now += 10_001;
    await authenticate(bearer(reader.secretToken));
    expect(verifier.calls).toHaveLength(2);
  });

  it("passes on the metadata service's refusal, and remembers it briefly", async () => {
    const { authenticate } = make();
    verifier.calls.length = 0;
    expect(await failure(authenticate(bearer(revoked.secretToken)))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, message: 'the token is revoked' });
    await failure(authenticate(bearer(revoked.secretToken)));
    expect(verifier.calls).toHaveLength(1);
    now += 2_001;
    await failure(authenticate(bearer(revoked.secretToken)));
    expect(verifier.calls).toHaveLength(2);
  });

  it('refuses what is not an archive token without asking, and finds no caller without a token', async () => {
    const { authenticate } = make();
    verifier.calls.length = 0;
    expect(await failure(authenticate(bearer('not-a-token')))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await authenticate(new grpc.Metadata())).toBeUndefined();
    expect(verifier.calls).toHaveLength(0);
  });

  it('answers UNAVAILABLE when the tokens cannot be checked, and does not remember it', async () => {
    const { authenticate } = make({ METADATA_SERVICE_ADDRESS: await freeAddress() });
    expect(await failure(authenticate(bearer(reader.secretToken)))).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const peer = make();
    verifier.calls.length = 0;
    expect(await failure(peer.authenticate(bearer(peerRefused.secretToken)))).toMatchObject({ code: grpc.status.UNAVAILABLE, message: expect.stringMatching(/service credential/) });
    await failure(peer.authenticate(bearer(peerRefused.secretToken)));
    expect(verifier.calls).toHaveLength(2);
  });

  it("in the ingress mode, takes the ingress's user, with admin for the listed ones; archive tokens still count", async () => {
    const { authenticate } = make({ AUTH_MODE: 'ingress' });
    expect(await authenticate(metadataOf({ [INGRESS_USER_HEADER]: 'bob' }))).toEqual({ identity: 'bob', scopes: ['read', 'write'] });
    expect(await authenticate(metadataOf({ [INGRESS_USER_HEADER]: 'root', [AUTHORIZATION]: 'Bearer gafaelfawr-token' }))).toEqual({ identity: 'root', scopes: ['admin'] });
    expect(await authenticate(metadataOf({ [INGRESS_USER_HEADER]: 'bob', [AUTHORIZATION]: `Bearer ${reader.secretToken}` }))).toEqual({ identity: 'alice', scopes: ['read'] });
  });

  it('ignores the ingress header in the tokens mode', async () => {
    const { authenticate } = make();
    expect(await authenticate(metadataOf({ [INGRESS_USER_HEADER]: 'root' }))).toBeUndefined();
  });

  it('reads INGRESS_SCOPES, refusing unknown or no scopes', () => {
    expect(scopeList('read', 'INGRESS_SCOPES')).toEqual(['read']);
    expect(() => scopeList('read,root', 'INGRESS_SCOPES')).toThrow(ConfigError);
    expect(() => scopeList(',', 'INGRESS_SCOPES')).toThrow(/^INGRESS_SCOPES: no scope given/);
  });
});
