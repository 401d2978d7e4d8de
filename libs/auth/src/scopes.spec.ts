import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { grants, METHOD_SCOPES, parseScopes, scopeOf } from './scopes';

/** Every RPC path of the services the gateway answers for, read from the protos. */
function publicPaths(): string[] {
  const contracts = [CONTRACTS.gateway, CONTRACTS.metadataService, CONTRACTS.stats, CONTRACTS.tokens];
  return contracts.flatMap((contract) => {
    const definition = protoLoader.loadSync(contract.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    return contract.serviceNames.flatMap((name) => Object.values(definition[name] as protoLoader.ServiceDefinition).map((method) => method.path));
  });
}

describe('METHOD_SCOPES', () => {
  const paths = publicPaths();

  it('has a scope for every public RPC', () => {
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((path) => !scopeOf(path))).toEqual([]);
  });

  it('names no RPC that is not public (a renamed or removed one, or an internal service)', () => {
    expect(Object.keys(METHOD_SCOPES).filter((path) => !paths.includes(path))).toEqual([]);
    expect(scopeOf('/visitsarch.metadata.v1.TokenVerificationService/VerifyToken')).toBeUndefined();
    expect(scopeOf('/visitsarch.metadata.v1.RegistryService/CreateVisitSequence')).toBeUndefined();
    expect(scopeOf('toString')).toBeUndefined();
  });

  it('asks admin for deletes, retention, the upstream import and tokens; write for changes; read for reads', () => {
    expect(scopeOf('/visitsarch.gateway.v1.GatewayService/DeleteVisitSequence')).toBe('admin');
    expect(scopeOf('/visitsarch.gateway.v1.GatewayService/PurgeVisits')).toBe('admin');
    expect(scopeOf('/visitsarch.metadata.v1.MetadataService/ImportUpstream')).toBe('admin');
    expect(scopeOf('/visitsarch.metadata.v1.TokenService/ListTokens')).toBe('admin');
    expect(scopeOf('/visitsarch.metadata.v1.MetadataService/AddComment')).toBe('write');
    expect(scopeOf('/visitsarch.gateway.v1.GatewayService/AddSimulation')).toBe('write');
    expect(scopeOf('/visitsarch.metadata.v1.MetadataService/ListVisitSequences')).toBe('read');
    expect(scopeOf('/visitsarch.gateway.v1.GatewayService/GetVisitsFlightEndpoint')).toBe('read');
  });
});

describe('scopes', () => {
  it('admin includes write, write includes read', () => {
    expect(grants(['admin'], 'read')).toBe(true);
    expect(grants(['admin'], 'write')).toBe(true);
    expect(grants(['write'], 'read')).toBe(true);
    expect(grants(['write'], 'admin')).toBe(false);
    expect(grants(['read'], 'write')).toBe(false);
    expect(grants([], 'read')).toBe(false);
  });

  it('parses scope names, refusing unknown ones by name', () => {
    expect(parseScopes(['write', 'read', 'write'])).toEqual(['read', 'write']);
    expect(() => parseScopes(['read', 'superuser'])).toThrow(/"superuser"/);
  });
});
