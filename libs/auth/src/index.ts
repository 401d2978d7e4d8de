/**
 * Identity, scopes and the credentials of the archive's calls (decision 0020): the scope of every
 * public RPC, bearer tokens, the headers that carry a caller, the service credential between the
 * archive's own services, and signed Flight tickets. The interceptors that apply them are in
 * libs/grpc-server (auth-interceptor.ts).
 */
export * from './scopes';
export * from './tokens';
export * from './headers';
export * from './service-credential';
export * from './flight-ticket';
