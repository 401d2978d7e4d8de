import * as grpc from '@grpc/grpc-js';
import type { OnApplicationShutdown } from '@nestjs/common';
import { bearerTokenOf, first, INGRESS_USER_HEADER, parseScopes, parseSecretToken, sha256, type Caller, type Scope } from '@visitsarch/auth';
import { ConfigError } from '@visitsarch/config';
import { CONTRACTS, type metadataV1 } from '@visitsarch/contracts';
import { ServiceClient } from '@visitsarch/grpc-client';
import { errorReason, GrpcError, type Authenticate } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';

/*
 * How the gateway finds the caller of a public call (decision 0020): a bearer token, verified by
 * the metadata service (TokenVerificationService.VerifyToken) and remembered for
 * AUTH_CACHE_TTL_MS; or, with AUTH_MODE=ingress, the user the ingress (Gafaelfawr) authenticated.
 */

export interface AuthenticationSettings {
  METADATA_SERVICE_ADDRESS: string;
  AUTH_MODE: 'tokens' | 'ingress';
  AUTH_CACHE_TTL_MS: number;
  INGRESS_SCOPES: Scope[];
  INGRESS_ADMIN_USERS: string[];
}

/** INGRESS_SCOPES: scope names separated by commas. */
export function scopeList(raw: string, variable: string): Scope[] {
  try {
    const scopes = parseScopes(raw.split(',').filter((scope) => scope.trim()));
    if (!scopes.length) throw new Error('no scope given');
    return scopes;
  } catch (error) {
    throw new ConfigError(variable, `${(error as Error).message} (expected e.g. read,write)`);
  }
}

/** INGRESS_ADMIN_USERS: user names separated by commas. */
export function userList(raw: string): string[] {
  return raw.split(',').map((user) => user.trim()).filter(Boolean);
}

/** At most this many verified tokens are remembered: a flood of distinct tokens cannot fill the memory. */
const MAX_CACHED = 10_000;
/** How long a refused token stays refused without asking again: a client retrying a bad token costs one call per this. */
const REFUSAL_TTL_MS = 2_000;
/** How long a verification may take: an answer from a database lookup on the same network. */
const VERIFY_DEADLINE_MS = 10_000;

/** A verified token's caller, and when the token expires (ms since epoch). */
type Verified = Caller & { expires?: number };

interface Remembered {
  /** The caller, or the refusal. */
  outcome: Promise<Verified>;
  /** Until when it holds (ms since epoch); Infinity while the verification is in flight. */
  until: number;
}

/** The gateway's authenticator and the client it verifies tokens with. */
export class GatewayAuthentication implements OnApplicationShutdown {
  private readonly verifier: ServiceClient<metadataV1.TokenVerificationServiceClient>;
  private readonly remembered = new Map<string, Remembered>();
  private readonly adminUsers: ReadonlySet<string>;

  constructor(
    private readonly settings: AuthenticationSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.verifier = new ServiceClient(CONTRACTS.tokenVerification, settings.METADATA_SERVICE_ADDRESS);
    this.adminUsers = new Set(settings.INGRESS_ADMIN_USERS);
  }

  readonly authenticate: Authenticate = async (metadata) => {
    const token = bearerTokenOf(metadata);
    if (this.settings.AUTH_MODE === 'ingress') {
      const user = first(metadata, INGRESS_USER_HEADER)?.trim();
      // The ingress may pass on a token of its own: only the archive's tokens are the archive's to check.
      if (user && !(token && parseSecretToken(token))) return this.ingressCaller(user);
    }
    return token === undefined ? undefined : this.verified(token);
  };

  onApplicationShutdown(): void {
    this.verifier.close();
  }

  private ingressCaller(user: string): Caller {
    return { identity: user, scopes: this.adminUsers.has(user) ? ['admin'] : this.settings.INGRESS_SCOPES };
  }

  /** The caller a token stands for, from the cache or the metadata service; rejects as the interceptor answers. */
  private verified(token: string): Promise<Caller> {
    if (!parseSecretToken(token)) return Promise.reject(unauthenticated('the bearer token is not a visitsarch token (vsa_<id>_<secret>)'));
    const key = sha256(token).toString('hex');
    const now = this.now();
    let entry = this.remembered.get(key);
    if (!entry || entry.until <= now) entry = this.verifyAndRemember(key, token);
    return entry.outcome.then(({ identity, scopes }) => ({ identity, scopes }));
  }

  private verifyAndRemember(key: string, token: string): Remembered {
    this.remembered.delete(key);
    const entry: Remembered = { outcome: this.verify(token), until: Infinity };
    this.remember(key, entry);
    entry.outcome.then(
      (caller) => (entry.until = Math.min(this.now() + this.settings.AUTH_CACHE_TTL_MS, caller.expires ?? Infinity)),
      (error: { code?: number }) => {
        // A refusal is remembered briefly; a failure to check, not at all.
        if (error.code === grpc.status.UNAUTHENTICATED) entry.until = this.now() + Math.min(REFUSAL_TTL_MS, this.settings.AUTH_CACHE_TTL_MS);
        else if (this.remembered.get(key) === entry) this.remembered.delete(key);
      },
    );
    return entry;
  }

  private remember(key: string, entry: Remembered): void {
    // Oldest first: Maps keep insertion order.
    while (this.remembered.size >= MAX_CACHED) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(key, entry);
  }

  private async verify(token: string): Promise<Verified> {
    let response: metadataV1.VerifyTokenResponse;
    try {
      response = await this.verifier.unary('verifyToken', { secretToken: token }, { deadline: Date.now() + VERIFY_DEADLINE_MS });
    } catch (error) {
      throw this.translated(error as grpc.ServiceError);
    }
    const record = response.token;
    if (!record?.owner) throw unauthenticated('the token names no owner');
    let scopes: Scope[];
    try {
      scopes = parseScopes(record.scopes);
    } catch (error) {
      this.logger.warn({ tokenId: record.tokenId, err: error }, 'a token has a scope this gateway does not know');
      throw unauthenticated(`the token's scopes are not known to this gateway: ${(error as Error).message}`);
    }
    return { identity: record.owner, scopes, expires: record.expireTime ? new Date(record.expireTime).getTime() : undefined };
  }

  /** VerifyToken's failure as the caller sees it: a refused token as it is; anything else as UNAVAILABLE, the gateway's fault. */
  private translated(error: grpc.ServiceError): GrpcError {
    if (error.code === grpc.status.UNAUTHENTICATED) {
      const reason = errorReason(error);
      if (reason !== 'PEER_CREDENTIAL_REQUIRED') return unauthenticated(error.details, reason);
      this.logger.error({ err: error }, "the metadata service refuses the gateway's service credential: SERVICE_CREDENTIAL_FILE must be the same for every service");
      return new GrpcError(grpc.status.UNAVAILABLE, "the gateway cannot check tokens: the metadata service refuses its service credential (see the gateway's log)", { reason: 'TOKENS_NOT_CHECKED' });
    }
    this.logger.warn({ err: error }, 'cannot verify a token');
    return new GrpcError(grpc.status.UNAVAILABLE, `the gateway cannot check tokens now (${error.details || error.message}); retry later`, { reason: 'TOKENS_NOT_CHECKED' });
  }
}

function unauthenticated(message: string, reason = 'INVALID_TOKEN'): GrpcError {
  return new GrpcError(grpc.status.UNAUTHENTICATED, message, { reason });
}
