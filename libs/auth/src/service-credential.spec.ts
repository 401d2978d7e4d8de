import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@visitsarch/config';
import { readServiceCredential, sameSecret, writeNewCredentialFile } from './service-credential';

describe('the service credential', () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-credential-'));
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('is created once, 0600, and read back from its file', () => {
    const file = path.join(directory, 'home', 'service-credential');
    const created = writeNewCredentialFile(file);
    expect(created).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(writeNewCredentialFile(file)).toBe(created);
    expect(readServiceCredential(undefined, file)).toBe(created);
    expect(readServiceCredential('', file)).toBe(created);
  });

  it('may be given as a value', () => {
    expect(readServiceCredential('0123456789abcdefXYZ', undefined)).toBe('0123456789abcdefXYZ');
  });

  it('is required, and a ConfigError names SERVICE_CREDENTIAL_FILE', () => {
    expect(() => readServiceCredential(undefined, undefined)).toThrow(ConfigError);
    expect(() => readServiceCredential('', '')).toThrow(/^SERVICE_CREDENTIAL_FILE: is required/);
  });

  it('refuses a missing or empty file, a short credential, and both variables at once', () => {
    expect(() => readServiceCredential(undefined, path.join(directory, 'absent'))).toThrow(/^SERVICE_CREDENTIAL_FILE: cannot read/);
    const empty = path.join(directory, 'empty');
    fs.writeFileSync(empty, '\n');
    expect(() => readServiceCredential(undefined, empty)).toThrow(/^SERVICE_CREDENTIAL_FILE: .* is empty/);
    expect(() => readServiceCredential('short', undefined)).toThrow(/^SERVICE_CREDENTIAL: .*too short/);
    expect(() => readServiceCredential('0123456789abcdef', empty)).toThrow(/not both/);
    expect(() => readServiceCredential('0123456789 abcdef', undefined)).toThrow(/printable ASCII/);
  });

  it('is compared whole', () => {
    expect(sameSecret('0123456789abcdef', '0123456789abcdef')).toBe(true);
    expect(sameSecret('0123456789abcdeF', '0123456789abcdef')).toBe(false);
    expect(sameSecret('0123456789abcdef0', '0123456789abcdef')).toBe(false);
    expect(sameSecret(undefined, '0123456789abcdef')).toBe(false);
  });
});
