import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { visitsarchHome } from '@visitsarch/config';

/** How a user-facing client (the CLI, tests, benchmarks) presents itself to the gateway. */
export interface ClientCredentials {
  /** The bearer token sent on every call as `authorization: Bearer <token>`; none: the server answers UNAUTHENTICATED. */
  token?: string;
  /** Dial with TLS, verifying the server against `ca` (PEM), or against the system's roots without it. */
  tls?: { ca?: Buffer };
}

/** A credential setting that cannot be used (an unreadable file, a bad VISITSARCH_TLS): its message is one line naming the variable. */
export class ClientCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientCredentialsError';
  }
}

/**
 * The credentials the environment gives a client (docs/configuration.md, "The CLI"): the token
 * of `VISITSARCH_TOKEN`, else of the file `VISITSARCH_TOKEN_FILE`, else of `$VISITSARCH_HOME/token`
 * (what `npm start` writes; home as visitsarchHome says), trimmed; and TLS when
 * `VISITSARCH_TLS_CA_FILE` names a CA bundle or `VISITSARCH_TLS=1` (the system's roots).
 */
export function clientCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientCredentials {
  return { token: clientTokenFromEnv(env), tls: clientTlsFromEnv(env) };
}

/**
 * The bearer token of the environment (see clientCredentialsFromEnv). No token anywhere, a
 * missing token file included, is no error here: the server answers UNAUTHENTICATED, saying how
 * to get one. A file that exists but cannot be read is (ClientCredentialsError).
 */
export function clientTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.VISITSARCH_TOKEN?.trim()) return env.VISITSARCH_TOKEN.trim();
  const variable = env.VISITSARCH_TOKEN_FILE ? 'VISITSARCH_TOKEN_FILE' : 'VISITSARCH_HOME';
  const file = env.VISITSARCH_TOKEN_FILE ? path.resolve(env.VISITSARCH_TOKEN_FILE) : path.join(visitsarchHome(env), 'token');
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClientCredentialsError(`cannot read the token file ${file} (${variable}): ${reason(error)}`);
  }
}

/** Whether and how to dial with TLS (see clientCredentialsFromEnv); a CA file turns it on whatever VISITSARCH_TLS says. */
export function clientTlsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientCredentials['tls'] {
  if (env.VISITSARCH_TLS_CA_FILE) {
    try {
      return { ca: fs.readFileSync(env.VISITSARCH_TLS_CA_FILE) };
    } catch (error) {
      throw new ClientCredentialsError(`cannot read the CA file ${env.VISITSARCH_TLS_CA_FILE} (VISITSARCH_TLS_CA_FILE): ${reason(error)}`);
    }
  }
  const tls = (env.VISITSARCH_TLS ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(tls)) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(tls)) return {};
  throw new ClientCredentialsError(`VISITSARCH_TLS: expected 1 (TLS, verified against the system's CAs) or 0, got ${JSON.stringify(env.VISITSARCH_TLS)}`);
}

/** The channel credentials of `tls`: TLS verifying the server (against `ca`, else the system's roots), or plain. */
export function channelCredentialsOf(tls: ClientCredentials['tls']): grpc.ChannelCredentials {
  return tls ? grpc.credentials.createSsl(tls.ca ?? null) : grpc.credentials.createInsecure();
}

/**
 * A client interceptor adding `authorization: Bearer <token>` to every call that has none. In
 * metadata rather than as call credentials, which grpc-js refuses on plain channels (a stack on a
 * laptop, a gateway behind a TLS-terminating ingress).
 */
export function bearerTokenInterceptor(token: string): grpc.Interceptor {
  const value = `Bearer ${token}`;
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (!metadata.get('authorization').length) metadata.set('authorization', value);
        next(metadata, listener);
      },
    });
}

function reason(error: unknown): string {
  const failure = error as NodeJS.ErrnoException;
  return failure.code === 'EACCES' ? 'permission denied' : failure.code === 'EISDIR' ? 'it is a directory' : failure.message;
}
