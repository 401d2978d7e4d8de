import type { metadataV1 } from '@visitsarch/contracts';

/** A row of `api_token` as the service reads it (the digest only where it is compared). */
export interface TokenRow {
  token_id: string;
  name: string;
  owner: string;
  scopes: string[];
  create_time: Date;
  create_time_key: string;
  created_by: string;
  expire_time: Date | null;
  revoke_time: Date | null;
}

/** The columns of TokenRow; `create_time_key` is create_time as exact text, for page tokens. */
export const TOKEN_COLUMNS = 'token_id, name, owner, scopes, create_time, create_time::text AS create_time_key, created_by, expire_time, revoke_time';

/** A token as the contract lists it: everything but its secret. */
export function toToken(row: TokenRow): metadataV1.Token {
  return {
    tokenId: row.token_id,
    name: row.name,
    owner: row.owner,
    scopes: row.scopes,
    createTime: row.create_time,
    createdBy: row.created_by,
    expireTime: row.expire_time ?? undefined,
    revokeTime: row.revoke_time ?? undefined,
  };
}
