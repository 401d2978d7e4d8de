import * as grpc from '@grpc/grpc-js';
import {
  bearerTokenOf,
  CALLER_BINDING_HEADER,
  first,
  PEER_HEADER,
  sameSecret,
  scopeOf,
  scopeRefusal,
  setCaller,
  sha256,
  stripClientAuthHeaders,
  stripOwnHeaders,
  type Caller,
} from '@visitsarch/auth';
import { boundText, type Logger } from '@visitsarch/logging';
import { boundMessage, GrpcError, statusMetadata } from './errors';
import { statusName } from './status-name';

/*
 * Who may call a server (decision 0020), as a grpc-js server interceptor, so that it runs before
 * anything else sees the call: NestJS handlers, the gateway's forwarding, health and reflection.
 *
 * - `peer` (metadata, blob-archive, consdb-ingest, stats): only the archive's own services, which
 *   present the service credential (`x-visitsarch-peer`). Identity headers are kept only on their
 *   calls, so that a service may trust them.
 * - `public` (the gateway): clients, each authenticated by `authenticate` (a bearer token, or the
 *   ingress's user) and allowed the methods its scopes grant (METHOD_SCOPES). What a client sent
 *   about itself is removed and replaced by the identity found.
 *
 * Health (probes) and reflection (the contract is public) are open under both.
 */

/**
 * Finds the caller of a public call from its metadata: undefined when it presents no
 * credentials; rejects with a gRPC error (UNAUTHENTICATED for a bad token, UNAVAILABLE when the
 * tokens cannot be checked) otherwise.
 */
export type Authenticate = (metadata: grpc.Metadata) => Promise<Caller | undefined>;

export type AccessControl =
  | {
      policy: 'peer';
      /** The deployment's service credential. */
      credential: string;
      /** Paths (`/package.Service/Method`) also admitted without it: their handlers check something else (the blob archive's DoGet: a signed ticket). */
      admitWithoutCredential?: readonly string[];
    }
  | {
      policy: 'public';
      authenticate: Authenticate;
    };

/** Paths open to anyone, under either policy. */
const OPEN_PREFIXES = ['/grpc.health.v1.', '/grpc.reflection.'];

/** What a refused client is told about getting credentials. */
export const NO_CREDENTIALS_MESSAGE =
  'no credentials: send `authorization: Bearer <token>` (visitsarch token create; npm start writes one to $VISITSARCH_HOME/token)';

export function accessInterceptor(access: AccessControl, logger: Logger): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const path = descriptor.path;
    if (OPEN_PREFIXES.some((prefix) => path.startsWith(prefix))) return new grpc.ServerInterceptingCall(call);
    const refuse = (code: grpc.status, message: string, reason: string, facts: Record<string, unknown> = {}) => {
      logger.info({ rpc: rpcName(path), code: statusName(code), reason, peer: call.getPeer(), ...facts }, 'rpc refused');
      const details = boundMessage(message);
      call.sendStatus({ code, details, metadata: statusMetadata(code, details, { reason }) });
    };
    const onMetadata =
      access.policy === 'peer'
        ? (metadata: grpc.Metadata, next: (metadata: grpc.Metadata) => void) => {
            if (sameSecret(first(metadata, PEER_HEADER), access.credential)) return next(metadata);
            // Whatever else it says about itself, a call without the credential is nobody's.
            stripOwnHeaders(metadata);
            if (access.admitWithoutCredential?.includes(path)) return next(metadata);
            refuse(
              grpc.status.UNAUTHENTICATED,
              `${rpcName(path).split('.')[0]} accepts only calls from the archive's own services (service credential); clients call the gateway`,
              'PEER_CREDENTIAL_REQUIRED',
            );
          }
        : (metadata: grpc.Metadata, next: (metadata: grpc.Metadata) => void) => {
            // The Flight tickets the gateway signs on this call are bound to the token, which is removed below.
            const token = bearerTokenOf(metadata);
            access.authenticate(metadata).then(
              (caller) => {
                if (!caller) return refuse(grpc.status.UNAUTHENTICATED, NO_CREDENTIALS_MESSAGE, 'NO_CREDENTIALS');
                const needed = scopeOf(path);
                if (!needed) {
                  return refuse(grpc.status.PERMISSION_DENIED, `${rpcName(path)} is not a public method: no scope is declared for it`, 'METHOD_NOT_PUBLIC', { identity: caller.identity });
                }
                const refusal = scopeRefusal(caller, needed, rpcName(path));
                if (refusal) return refuse(grpc.status.PERMISSION_DENIED, refusal, 'SCOPE_REQUIRED', { identity: caller.identity, needed });
                stripClientAuthHeaders(metadata);
                setCaller(metadata, caller);
                metadata.set(CALLER_BINDING_HEADER, token ? sha256(token).toString('hex') : `identity:${caller.identity}`);
                next(metadata);
              },
              (error: unknown) => {
                const { code, details, reason } = asStatus(error);
                refuse(code, details, reason ?? (code === grpc.status.UNAUTHENTICATED ? 'INVALID_CREDENTIALS' : 'CREDENTIALS_NOT_CHECKED'));
              },
            ).catch((error: unknown) => logger.error({ err: error, rpc: rpcName(path) }, 'access control failed'));
          };
    const listener = new grpc.ServerListenerBuilder().withOnReceiveMetadata(onMetadata).build();
    return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

/** `Service.Method` of a path, as logs name RPCs. */
function rpcName(path: string): string {
  const [service = '', method = ''] = path.slice(1).split('/');
  return `${service.split('.').pop()}.${method}`;
}

/** The status of an authentication failure: its own gRPC code, else UNAVAILABLE (the check itself failed). */
function asStatus(error: unknown): { code: grpc.status; details: string; reason?: string } {
  if (error instanceof GrpcError) return { code: error.code, details: error.message, reason: error.details.reason };
  const { code, details, message } = (error ?? {}) as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof code === 'number' && code in grpc.status && code !== grpc.status.OK) return { code, details: String(details ?? message ?? '') };
  return { code: grpc.status.UNAVAILABLE, details: `the credentials could not be checked (${boundText(String(message ?? error))}); retry later` };
}
