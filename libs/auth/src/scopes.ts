/**
 * What a caller may do (decision 0020): `read` for reads, `write` for adds, tags, comments and
 * every other change, `admin` for deletes, purge, gc, the upstream import and the archive's
 * tokens. `write` includes `read`; `admin` includes both.
 */
export type Scope = 'read' | 'write' | 'admin';

/** Every scope, weakest first. */
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** The scopes named in `values` (duplicates dropped, in SCOPES order); an Error naming an unknown one. */
export function parseScopes(values: readonly string[]): Scope[] {
  const found = new Set<Scope>();
  for (const value of values) {
    const scope = value.trim();
    if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown scope ${JSON.stringify(value)}: expected ${SCOPES.join(', ')}`);
    found.add(scope as Scope);
  }
  return SCOPES.filter((scope) => found.has(scope));
}

/** Whether `scopes` grant `needed`: admin ⊇ write ⊇ read. */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  const rank = SCOPES.indexOf(needed);
  return scopes.some((scope) => SCOPES.indexOf(scope) >= rank);
}

/**
 * Why `caller` may not do `what` (e.g. `MetadataService.DeleteVisitSequence`), which needs
 * `needed`; undefined if its scopes grant it. One wording wherever a scope is checked.
 */
export function scopeRefusal(caller: { identity: string; scopes: readonly Scope[] }, needed: Scope, what: string): string | undefined {
  return grants(caller.scopes, needed) ? undefined : `${what} needs the ${needed} scope; ${caller.identity} has ${caller.scopes.join(', ') || 'none'}`;
}

const GATEWAY = '/visitsarch.gateway.v1.GatewayService/';
const METADATA = '/visitsarch.metadata.v1.MetadataService/';
const STATS = '/visitsarch.stats.v1.StatsService/';
const TOKENS = '/visitsarch.metadata.v1.TokenService/';

function table(prefix: string, scopes: Record<string, Scope>): Record<string, Scope> {
  return Object.fromEntries(Object.entries(scopes).map(([method, scope]) => [`${prefix}${method}`, scope]));
}

/**
 * The scope each public RPC needs, by its gRPC path: every RPC the gateway answers for
 * (GatewayService, and MetadataService, StatsService and TokenService, which it forwards). The one
 * table of the policy; `scopes.spec.ts` fails when a public RPC has no entry or an entry names no RPC.
 */
export const METHOD_SCOPES: Readonly<Record<string, Scope>> = Object.freeze({
  ...table(GATEWAY, {
    AddSimulation: 'write',
    AddCompleted: 'write',
    AddMixed: 'write',
    ArchiveVisits: 'write',
    AdoptStoredVisits: 'write',
    AddFile: 'write',
    DownloadVisits: 'read',
    GetVisitsFlightEndpoint: 'read',
    ExportVisits: 'read',
    DownloadFile: 'read',
    DeleteVisitSequence: 'admin',
    DeleteFile: 'admin',
    GetDefaultConsdbQuery: 'read',
    // Records what it queried: a change.
    QueryConsdb: 'write',
    PurgeVisits: 'admin',
    CollectGarbage: 'admin',
  }),
  ...table(METADATA, {
    GetVisitSequence: 'read',
    ListVisitSequences: 'read',
    UpdateVisitSequence: 'write',
    AddTags: 'write',
    RemoveTags: 'write',
    CheckTag: 'read',
    AddComment: 'write',
    ListComments: 'read',
    GetFile: 'read',
    ListFiles: 'read',
    RecordCondaEnv: 'write',
    GetCondaEnv: 'read',
    ListCondaPackages: 'read',
    UpsertNightlyStats: 'write',
    ListNightlyStats: 'read',
    UpsertMafMetrics: 'write',
    UpsertMafMetricSets: 'write',
    UpsertMafSummaryMetrics: 'write',
    UpsertMafHealpixStats: 'write',
    ListMafSummary: 'read',
    Query: 'read',
    QueryNight: 'read',
    PrenightSims: 'read',
    ImportUpstream: 'admin',
  }),
  ...table(STATS, {
    // Computing is a read; storing what it computes (store = true) needs write, which the stats
    // service checks once it has the request (requireScopeFor, libs/grpc-server).
    ComputeNightlyStats: 'read',
    PlotNightlyStats: 'read',
    ImportMafResults: 'write',
  }),
  ...table(TOKENS, {
    CreateToken: 'admin',
    ListTokens: 'admin',
    RevokeToken: 'admin',
  }),
});

/** The scope the RPC at `path` (`/package.Service/Method`) needs; undefined for one that is not public. */
export function scopeOf(path: string): Scope | undefined {
  return Object.prototype.hasOwnProperty.call(METHOD_SCOPES, path) ? METHOD_SCOPES[path] : undefined;
}
