import { newSecretToken, parseSecretToken, sameDigest, sha256 } from './tokens';

describe('bearer tokens', () => {
  it('have the form vsa_<16 hex>_<43 base64url> and parse back to their id and digest', () => {
    const token = newSecretToken();
    expect(token.secretToken).toMatch(/^vsa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token.secretToken.startsWith(`vsa_${token.tokenId}_`)).toBe(true);
    const parsed = parseSecretToken(token.secretToken)!;
    expect(parsed.tokenId).toBe(token.tokenId);
    expect(sameDigest(parsed.secretSha256, token.secretSha256)).toBe(true);
    expect(token.secretSha256.equals(sha256(token.secretToken.slice(21)))).toBe(true);
  });

  it('are all different', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newSecretToken().secretToken));
    expect(tokens.size).toBe(100);
  });

  it('refuse anything else', () => {
    const { secretToken } = newSecretToken();
    for (const bad of ['', 'vsa_', secretToken.slice(0, -1), `${secretToken}x`, secretToken.replace('vsa_', 'vsb_'), `Bearer ${secretToken}`, ` ${secretToken}`]) {
      expect(parseSecretToken(bad)).toBeUndefined();
    }
  });

  it('compares digests of different lengths as different', () => {
    expect(sameDigest(Buffer.from('ab'), Buffer.from('abc'))).toBe(false);
    expect(sameDigest(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
  });
});
