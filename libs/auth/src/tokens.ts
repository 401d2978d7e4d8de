import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The archive's bearer tokens (decision 0020): `vsa_<token_id>_<secret>`, where the token id (16
 * hex digits, public: listed, revoked by) names the record and the secret (32 random bytes,
 * base64url, 43 characters) is shown once; the archive keeps only its SHA-256.
 */
const TOKEN_PATTERN = /^vsa_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewSecretToken {
  /** The whole bearer token, to hand to its owner once. */
  secretToken: string;
  tokenId: string;
  /** SHA-256 of the secret part: what is stored. */
  secretSha256: Buffer;
}

export function newSecretToken(): NewSecretToken {
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { secretToken: `vsa_${tokenId}_${secret}`, tokenId, secretSha256: sha256(secret) };
}

/** The id and the secret's SHA-256 of a bearer token; undefined if it does not have the token's form. */
export function parseSecretToken(token: string): { tokenId: string; secretSha256: Buffer } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { tokenId: match[1], secretSha256: sha256(match[2]) } : undefined;
}

/** Whether two digests are equal, in time independent of where they differ. */
export function sameDigest(a: Buffer | Uint8Array, b: Buffer | Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sha256(text: string | Uint8Array): Buffer {
  return createHash('sha256').update(text).digest();
}
