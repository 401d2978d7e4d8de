import { Metadata } from '@grpc/grpc-js';
import { AUTHORIZATION, bearerTokenOf, callerOf, IDENTITY_HEADER, INGRESS_USER_HEADER, PEER_HEADER, SCOPES_HEADER, setCaller, stripClientAuthHeaders } from './headers';

describe('caller headers', () => {
  it('carry an identity and its scopes, any characters included', () => {
    const metadata = new Metadata();
    setCaller(metadata, { identity: 'Zoë 100% <zoe@example.org>', scopes: ['read', 'write'] });
    expect(metadata.get(SCOPES_HEADER)).toEqual(['read,write']);
    expect(callerOf(metadata)).toEqual({ identity: 'Zoë 100% <zoe@example.org>', scopes: ['read', 'write'] });
  });

  it('name no caller without an identity or with unknown scopes', () => {
    expect(callerOf(new Metadata())).toBeUndefined();
    const metadata = new Metadata();
    metadata.set(IDENTITY_HEADER, 'alice');
    metadata.set(SCOPES_HEADER, 'read,root');
    expect(callerOf(metadata)).toBeUndefined();
    metadata.set(SCOPES_HEADER, '');
    expect(callerOf(metadata)).toEqual({ identity: 'alice', scopes: [] });
  });

  it('read a bearer token', () => {
    const metadata = new Metadata();
    expect(bearerTokenOf(metadata)).toBeUndefined();
    metadata.set(AUTHORIZATION, 'Bearer vsa_x');
    expect(bearerTokenOf(metadata)).toBe('vsa_x');
    metadata.set(AUTHORIZATION, 'bearer   vsa_y ');
    expect(bearerTokenOf(metadata)).toBe('vsa_y');
    metadata.set(AUTHORIZATION, 'Basic dXNlcjpwYXNz');
    expect(bearerTokenOf(metadata)).toBeUndefined();
  });

  it('strip what a client must not choose, and only that', () => {
    const metadata = new Metadata();
    for (const key of [AUTHORIZATION, PEER_HEADER, IDENTITY_HEADER, SCOPES_HEADER, 'x-visitsarch-anything', INGRESS_USER_HEADER]) metadata.set(key, 'x');
    metadata.set('x-request-id', 'r1');
    metadata.set('traceparent', 't');
    stripClientAuthHeaders(metadata);
    expect(Object.keys(metadata.getMap()).sort()).toEqual(['traceparent', 'x-request-id']);
  });
});
