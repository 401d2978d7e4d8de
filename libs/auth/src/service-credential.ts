import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '@visitsarch/config';
import { sameDigest, sha256 } from './tokens';

/**
 * The service credential (decision 0020): one secret per deployment that every call between the
 * archive's own services carries (`x-visitsarch-peer`), and from which the Flight ticket key is
 * derived. Read from SERVICE_CREDENTIAL_FILE (a file holding it, e.g. a mounted Secret) or
 * SERVICE_CREDENTIAL (the value itself).
 */

/** The shortest credential accepted: a guessable one would open every internal service. */
export const MIN_CREDENTIAL_LENGTH = 16;

/**
 * The credential from SERVICE_CREDENTIAL (`value`) or the file SERVICE_CREDENTIAL_FILE names
 * (`file`; surrounding white space ignored). ConfigError, naming the variable, when neither or both
 * are set, the file cannot be read, or the credential is shorter than MIN_CREDENTIAL_LENGTH.
 */
export function readServiceCredential(value: string | undefined, file: string | undefined): string {
  if (value && file) throw new ConfigError('SERVICE_CREDENTIAL', 'set either SERVICE_CREDENTIAL or SERVICE_CREDENTIAL_FILE, not both');
  if (!value && !file) {
    throw new ConfigError(
      'SERVICE_CREDENTIAL_FILE',
      "is required: a file holding the deployment's service credential, the secret the archive's services present to each other (npm start creates $VISITSARCH_HOME/service-credential; or set SERVICE_CREDENTIAL)",
    );
  }
  let credential = value ?? '';
  let variable = 'SERVICE_CREDENTIAL';
  if (file) {
    variable = 'SERVICE_CREDENTIAL_FILE';
    try {
      credential = fs.readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${file}: ${(error as Error).message}`);
    }
  }
  if (credential.length < MIN_CREDENTIAL_LENGTH) {
    throw new ConfigError(variable, `the service credential${file ? ` in ${file}` : ''} is ${credential.length ? 'too short' : 'empty'}: at least ${MIN_CREDENTIAL_LENGTH} characters`);
  }
  if (!/^[!-~]+$/.test(credential)) throw new ConfigError(variable, 'the service credential must be printable ASCII without spaces (it travels in a gRPC header)');
  return credential;
}

/** Whether a presented credential is the service's own, in time independent of both. */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  // Digests have one length, so the comparison does not reveal the secret's.
  return sameDigest(sha256(presented), sha256(expected));
}

/**
 * The credential in the file at `file`, created first (32 random bytes, base64url, mode 0600)
 * if it does not exist: what `npm start` does under VISITSARCH_HOME.
 */
export function writeNewCredentialFile(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const credential = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${credential}\n`, { mode: 0o600, flag: 'wx' });
    return credential;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFileSync(file, 'utf8').trim();
  }
}
