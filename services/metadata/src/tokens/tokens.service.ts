import { status } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { newSecretToken, parseSecretToken, sameDigest, SCOPES, type Scope } from '@visitsarch/auth';
import type { metadataV1 } from '@visitsarch/contracts';
import { GrpcError, invalidArgument, notFound } from '@visitsarch/grpc-server';
import { checkText, MAX_AUTHOR_CHARS } from '@visitsarch/validation';
import { ArchiveDatabase } from '../database/archive-database';
import { decodePageToken, keysetPage } from '../common/page-token';
import { pageSize, requireText } from '../common/validation';
import { TOKEN_COLUMNS, TokenRow, toToken } from './token-row';

/** The longest token name (TokenService: 1 to 100 characters). */
export const MAX_TOKEN_NAME_CHARS = 100;

/** A token whose secret is known to whoever registers it (the bootstrap token). */
export interface TokenToRegister {
  tokenId: string;
  secretSha256: Buffer;
  name: string;
  owner: string;
  scopes: Scope[];
  createdBy: string;
}

/** An identity as a token's owner or creator: text of at most MAX_AUTHOR_CHARS (it becomes comment authors). */
function requireIdentity(value: string | undefined, field: string): string {
  return checkText(requireText(value?.trim(), field), field, MAX_AUTHOR_CHARS);
}

function requireScopes(values: string[] | undefined): Scope[] {
  if (!values?.length) throw invalidArgument(`scopes is empty: give one or more of ${SCOPES.join(', ')}`, 'scopes');
  values.forEach((value, index) => {
    if (!(SCOPES as readonly string[]).includes(value)) throw invalidArgument(`scopes[${index}]: unknown scope ${JSON.stringify(value.slice(0, 64))}; expected ${SCOPES.join(', ')}`, `scopes[${index}]`);
  });
  return SCOPES.filter((scope) => values.includes(scope));
}

function unauthenticated(message: string, reason: string): GrpcError {
  return new GrpcError(status.UNAUTHENTICATED, message, { reason });
}

/**
 * The archive's bearer tokens (TokenService, TokenVerificationService; decision 0020): created with
 * a random secret shown once, kept as the secret's SHA-256 in `api_token`, listed, revoked, and
 * verified for the gateway.
 */
@Injectable()
export class TokensService {
  constructor(private readonly database: ArchiveDatabase) {}

  /** Creates a token for `owner` (the creator's own identity when empty), returning its secret once. */
  async create(request: metadataV1.CreateTokenRequest, creator: string): Promise<metadataV1.CreateTokenResponse> {
    const name = checkText(requireText(request.name?.trim(), 'name'), 'name', MAX_TOKEN_NAME_CHARS);
    const owner = request.owner ? requireIdentity(request.owner, 'owner') : requireIdentity(creator, 'owner');
    const scopes = requireScopes(request.scopes);
    if (request.expireTime && !(request.expireTime.getTime() > Date.now())) {
      throw invalidArgument(`expire_time ${request.expireTime.toISOString()} is not in the future`, 'expire_time');
    }
    const { secretToken, tokenId, secretSha256 } = newSecretToken();
    const row = (await this.database.rows<TokenRow>(
      `INSERT INTO api_token (token_id, name, owner, scopes, secret_sha256, created_by, expire_time)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7::timestamptz) RETURNING ${TOKEN_COLUMNS}`,
      [tokenId, name, owner, scopes, secretSha256, requireIdentity(creator, 'created_by'), request.expireTime?.toISOString() ?? null],
    ))[0];
    return { token: toToken(row), secretToken };
  }

  /** Tokens newest first, keyset-paged on (create_time, token_id); with active_only, neither revoked nor expired. */
  async list(request: metadataV1.ListTokensRequest): Promise<metadataV1.ListTokensResponse> {
    const size = pageSize(request.pageSize, 'page_size', 100, 1000);
    const after = decodePageToken(request.pageToken, request, 2);
    if (after && !after.every((value) => typeof value === 'string')) throw invalidArgument('page_token is not a token this service issued', 'page_token');
    const rows = await this.database.rows<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_token
       WHERE ($1::timestamptz IS NULL OR (create_time, token_id) < ($1::timestamptz, $2::text))
         AND (NOT $3::boolean OR (revoke_time IS NULL AND (expire_time IS NULL OR expire_time > now())))
       ORDER BY create_time DESC, token_id DESC LIMIT ${size + 1}`,
      [after?.[0] ?? null, after?.[1] ?? null, Boolean(request.activeOnly)],
    );
    const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.create_time_key, last.token_id]);
    return { tokens: page.map(toToken), nextPageToken };
  }

  /** Revokes a token now, or leaves it as it is when it already is (NOT_FOUND for an unknown id). */
  async revoke(request: metadataV1.RevokeTokenRequest): Promise<metadataV1.RevokeTokenResponse> {
    const tokenId = requireText(request.tokenId?.trim(), 'token_id');
    // In a transaction for its structured result: TypeORM's plain query() answers an UPDATE with [rows, count].
    const row = await this.database.transaction((tx) => tx.one<TokenRow>(`UPDATE api_token SET revoke_time = COALESCE(revoke_time, now()) WHERE token_id = $1 RETURNING ${TOKEN_COLUMNS}`, [tokenId]));
    if (!row) throw notFound('Token', tokenId, `no token has the id ${JSON.stringify(tokenId.slice(0, 64))}`);
    return { token: toToken(row) };
  }

  /**
   * The record of a presented bearer token, if it is one the archive issued and still accepts;
   * UNAUTHENTICATED saying why otherwise (malformed, unknown, revoked, expired), never quoting the
   * secret. The digests are compared in constant time.
   */
  async verify(request: metadataV1.VerifyTokenRequest): Promise<metadataV1.VerifyTokenResponse> {
    const presented = parseSecretToken(request.secretToken ?? '');
    if (!presented) throw unauthenticated('the token is malformed: expected vsa_<token_id>_<secret>', 'TOKEN_MALFORMED');
    const row = (
      await this.database.rows<TokenRow & { secret_sha256: Buffer; expired: boolean }>(
        `SELECT ${TOKEN_COLUMNS}, secret_sha256, (expire_time IS NOT NULL AND expire_time <= now()) AS expired FROM api_token WHERE token_id = $1`,
        [presented.tokenId],
      )
    )[0];
    // An unknown id and a wrong secret read the same: the caller learns nothing about which ids exist.
    if (!row || !sameDigest(row.secret_sha256, presented.secretSha256)) throw unauthenticated(`the token ${presented.tokenId} is unknown`, 'TOKEN_UNKNOWN');
    if (row.revoke_time) throw unauthenticated(`the token ${row.token_id} was revoked at ${row.revoke_time.toISOString()}`, 'TOKEN_REVOKED');
    if (row.expired) throw unauthenticated(`the token ${row.token_id} expired at ${row.expire_time!.toISOString()}`, 'TOKEN_EXPIRED');
    return { token: toToken(row) };
  }

  /** Adds a token whose secret's digest is known, unless a token with its id exists; whether it was added. */
  async register(token: TokenToRegister): Promise<boolean> {
    const added = await this.database.rows(
      `INSERT INTO api_token (token_id, name, owner, scopes, secret_sha256, created_by) VALUES ($1, $2, $3, $4::text[], $5, $6)
       ON CONFLICT (token_id) DO NOTHING RETURNING token_id`,
      [token.tokenId, token.name, token.owner, token.scopes, token.secretSha256, token.createdBy],
    );
    return added.length > 0;
  }
}
