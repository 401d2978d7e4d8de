import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { newSecretToken, parseSecretToken, type Caller } from '@visitsarch/auth';
import type { metadataV1 } from '@visitsarch/contracts';
import { startService } from '@visitsarch/grpc-server';
import { TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { metadataService } from '../service';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-tokens-'));
/** In a directory that does not exist yet: the service makes it. */
const bootstrapFile = path.join(home, 'state', 'token');
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const archive = specArchive({ BOOTSTRAP_TOKEN_FILE: bootstrapFile, BOOTSTRAP_TOKEN_OWNER: 'archive-admin' });
const admin: Caller = { identity: 'alice', scopes: ['admin'] };
const asAdmin = () => archive.as(admin);

describe('TokenService', () => {
  it('creates a token, shows its secret once, keeps only its SHA-256, and verifies it', async () => {
    const created = await asAdmin().call('createToken', { name: 'prenight-briefing', owner: 'briefing-service', scopes: ['read', 'write', 'read'] });
    expect(created.secretToken).toMatch(/^vsa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.token).toMatchObject({ name: 'prenight-briefing', owner: 'briefing-service', scopes: ['read', 'write'], createdBy: 'alice' });
    expect(created.token!.tokenId).toBe(parseSecretToken(created.secretToken)!.tokenId);
    expect(created.token!.expireTime).toBeNull();
    expect(created.token!.revokeTime).toBeNull();
    const { rows } = await archive.sql.query('SELECT secret_sha256 FROM api_token WHERE token_id = $1', [created.token!.tokenId]);
    expect(rows[0].secret_sha256).toEqual(parseSecretToken(created.secretToken)!.secretSha256);
    expect(JSON.stringify(rows)).not.toContain(created.secretToken.split('_').pop());

    const verified = await archive.call('verifyToken', { secretToken: created.secretToken });
    expect(verified.token).toMatchObject({ tokenId: created.token!.tokenId, owner: 'briefing-service', scopes: ['read', 'write'] });
  });

  it("makes the caller the owner when none is given, and records an expiry", async () => {
    const expireTime = new Date(Date.now() + 86_400_000);
    const created = await asAdmin().call('createToken', { name: 'mine', scopes: ['admin'], expireTime });
    expect(created.token).toMatchObject({ owner: 'alice', createdBy: 'alice', scopes: ['admin'] });
    expect(created.token!.expireTime!.getTime()).toBe(expireTime.getTime());
  });

  it('refuses bad requests naming the field', async () => {
    const violations = async (request: Record<string, unknown>) => {
      const failure = await asAdmin().fail('createToken', request);
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      return failure.violations;
    };
    expect(await violations({ name: '', scopes: ['read'] })).toEqual(['name']);
    expect(await violations({ name: 'x'.repeat(101), scopes: ['read'] })).toEqual(['name']);
    expect(await violations({ name: 'x', scopes: [] })).toEqual(['scopes']);
    expect(await violations({ name: 'x', scopes: ['read', 'root'] })).toEqual(['scopes[1]']);
    expect(await violations({ name: 'x', scopes: ['read'], owner: 'o'.repeat(201) })).toEqual(['owner']);
    expect(await violations({ name: 'x', scopes: ['read'], expireTime: new Date(Date.now() - 1000) })).toEqual(['expire_time']);
  });

  it('refuses callers without the admin scope, and calls that name no caller', async () => {
    const writer = archive.as({ identity: 'bob', scopes: ['write'] });
    for (const [method, request] of [
      ['createToken', { name: 'x', scopes: ['admin'] }],
      ['listTokens', {}],
      ['revokeToken', { tokenId: '0123456789abcdef' }],
    ] as const) {
      const refused = await writer.fail(method, request);
      expect(refused.code).toBe(status.PERMISSION_DENIED);
      expect(refused.details).toMatch(/admin scope/);
      expect((await archive.fail(method, request)).code).toBe(status.UNAUTHENTICATED);
    }
  });

  it('lists newest first, pages, and leaves out revoked and expired tokens with active_only', async () => {
    const names = ['page-1', 'page-2', 'page-3'];
    const made: metadataV1.Token[] = [];
    for (const name of names) made.push((await asAdmin().call('createToken', { name, scopes: ['read'] })).token!);
    await asAdmin().call('revokeToken', { tokenId: made[1].tokenId });
    await archive.sql.query(`UPDATE api_token SET expire_time = now() - interval '1 minute' WHERE token_id = $1`, [made[2].tokenId]);

    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await asAdmin().call('listTokens', { pageSize: 2, pageToken });
      expect(page.tokens.length).toBeLessThanOrEqual(2);
      seen.push(...page.tokens.map((token) => token.tokenId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const { rows } = await archive.sql.query('SELECT token_id FROM api_token ORDER BY create_time DESC, token_id DESC');
    expect(seen).toEqual(rows.map((row) => row.token_id));

    const active = (await asAdmin().call('listTokens', { activeOnly: true, pageSize: 1000 })).tokens.map((token) => token.tokenId);
    expect(active).toContain(made[0].tokenId);
    expect(active).not.toContain(made[1].tokenId);
    expect(active).not.toContain(made[2].tokenId);
    const listed = (await asAdmin().call('listTokens', { pageSize: 1000 })).tokens;
    expect(listed.find((token) => token.tokenId === made[1].tokenId)!.revokeTime).toBeInstanceOf(Date);
    expect(JSON.stringify(listed)).not.toMatch(/secret/i);

    const first = await asAdmin().call('listTokens', { pageSize: 1 });
    expect((await asAdmin().fail('listTokens', { pageSize: 1, pageToken: first.nextPageToken, activeOnly: true })).violations).toEqual(['page_token']);
    expect((await asAdmin().fail('listTokens', { pageToken: 'garbage' })).violations).toEqual(['page_token']);
    expect((await asAdmin().fail('listTokens', { pageSize: -1 })).violations).toEqual(['page_size']);
  });

  it('revokes idempotently, and NOT_FOUND for an unknown id', async () => {
    const created = await asAdmin().call('createToken', { name: 'short-lived', scopes: ['read'] });
    const first = await asAdmin().call('revokeToken', { tokenId: created.token!.tokenId });
    expect(first.token!.revokeTime).toBeInstanceOf(Date);
    const again = await asAdmin().call('revokeToken', { tokenId: created.token!.tokenId });
    expect(again.token!.revokeTime!.getTime()).toBe(first.token!.revokeTime!.getTime());
    expect((await asAdmin().fail('revokeToken', { tokenId: 'ffffffffffffffff' })).code).toBe(status.NOT_FOUND);
    expect((await asAdmin().fail('revokeToken', { tokenId: '' })).violations).toEqual(['token_id']);
  });
});

describe('TokenVerificationService.VerifyToken', () => {
  /** Fails with UNAUTHENTICATED, saying `why`, never quoting the secret. */
  const refused = async (secretToken: string, why: RegExp) => {
    const failure = await archive.fail('verifyToken', { secretToken });
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(why);
    const secret = secretToken.split('_').pop()!;
    if (secret.length > 8) expect(failure.details).not.toContain(secret);
  };

  it('refuses malformed, unknown, wrong-secret, revoked and expired tokens, saying which', async () => {
    await refused('', /malformed/);
    await refused('Bearer nothing', /malformed/);
    await refused(`vsa_0123456789abcdef_${'A'.repeat(42)}`, /malformed/);
    await refused(newSecretToken().secretToken, /unknown/);

    const created = await asAdmin().call('createToken', { name: 'to-verify', scopes: ['write'] });
    const forged = `${created.secretToken.slice(0, -1)}${created.secretToken.endsWith('A') ? 'B' : 'A'}`;
    await refused(forged, /unknown/);

    await archive.sql.query(`UPDATE api_token SET expire_time = now() - interval '1 second' WHERE token_id = $1`, [created.token!.tokenId]);
    await refused(created.secretToken, /expired/);
    await asAdmin().call('revokeToken', { tokenId: created.token!.tokenId });
    await refused(created.secretToken, /revoked/);
  });
});

describe('the bootstrap token (BOOTSTRAP_TOKEN_FILE)', () => {
  it('is made at the first start: an admin token in a 0600 file of a 0700 directory', async () => {
    expect(fs.statSync(path.dirname(bootstrapFile)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(bootstrapFile).mode & 0o777).toBe(0o600);
    const secretToken = fs.readFileSync(bootstrapFile, 'utf8').trim();
    const { token } = await archive.call('verifyToken', { secretToken });
    expect(token).toMatchObject({ name: 'bootstrap', owner: 'archive-admin', scopes: ['admin'], createdBy: 'visitsarch-metadata' });
    expect(await archive.count('audit_log', `action = 'BootstrapToken' AND detail->>'token_id' = $1`, [token!.tokenId])).toBe(1);
  });

  it('is registered again after the database was reset, and left alone when it is known', async () => {
    const secretToken = fs.readFileSync(bootstrapFile, 'utf8').trim();
    const { tokenId } = parseSecretToken(secretToken)!;
    const start = () => startService(metadataService, { DATABASE_URL: archive.postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL, BOOTSTRAP_TOKEN_FILE: bootstrapFile });

    // Known: a second start changes nothing, not even the file.
    await (await start()).shutdown();
    expect(fs.readFileSync(bootstrapFile, 'utf8').trim()).toBe(secretToken);
    expect(await archive.count('api_token', 'token_id = $1', [tokenId])).toBe(1);

    // Reset: the schema is gone; the next start migrates from nothing and registers the file's token again.
    await archive.sql.query('DROP SCHEMA visitsarch CASCADE');
    const fresh = await start();
    try {
      expect(await archive.count('api_token', 'token_id = $1 AND $2 = ANY(scopes)', [tokenId, 'admin'])).toBe(1);
      expect(fs.readFileSync(bootstrapFile, 'utf8').trim()).toBe(secretToken);
    } finally {
      await fresh.shutdown();
    }
  });

  it('refuses to start on a file that holds no token, and makes a file others could read 0600', async () => {
    const bad = path.join(home, 'bad-token');
    fs.writeFileSync(bad, 'not a token\n', { mode: 0o600 });
    await expect(startService(metadataService, { DATABASE_URL: archive.postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL, BOOTSTRAP_TOKEN_FILE: bad })).rejects.toThrow(
      /does not hold a visitsarch token/,
    );

    const open = path.join(home, 'open-token');
    const { secretToken, tokenId } = newSecretToken();
    fs.writeFileSync(open, `${secretToken}\n`);
    fs.chmodSync(open, 0o644);
    const running = await startService(metadataService, { DATABASE_URL: archive.postgres.url, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL, BOOTSTRAP_TOKEN_FILE: open });
    await running.shutdown();
    expect(fs.statSync(open).mode & 0o777).toBe(0o600);
    expect(await archive.count('api_token', 'token_id = $1', [tokenId])).toBe(1);
  });
});
