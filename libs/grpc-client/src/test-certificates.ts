import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A certificate and its key, as PEM files. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/**
 * For tests: a throwaway certificate authority made with the `openssl` CLI in `directory`: `caFile` is what
 * clients trust; `issue` signs server certificates for 127.0.0.1 and localhost. EC P-256 keys,
 * valid two days.
 */
export class TestCertificateAuthority {
  readonly caFile: string;
  private readonly caKey: string;
  private serial = 1;

  constructor(
    private readonly directory: string,
    name = 'visitsarch test CA',
  ) {
    fs.mkdirSync(directory, { recursive: true });
    this.caFile = path.join(directory, `${slug(name)}.pem`);
    this.caKey = path.join(directory, `${slug(name)}.key`);
    openssl(['req', '-x509', ...EC_KEY, '-nodes', '-keyout', this.caKey, '-out', this.caFile, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /** Signs a server certificate for 127.0.0.1 and localhost, written to `files` (default: new files named after `name`). */
  issue(name: string, files: CertificateFiles = { certFile: path.join(this.directory, `${name}.pem`), keyFile: path.join(this.directory, `${name}.key`) }): CertificateFiles {
    const request = path.join(this.directory, `${name}.csr`);
    const extensions = path.join(this.directory, `${name}.ext`);
    fs.writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
    openssl(['req', '-new', ...EC_KEY, '-nodes', '-keyout', files.keyFile, '-out', request, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', request, '-CA', this.caFile, '-CAkey', this.caKey, '-set_serial', String(this.serial++), '-days', '2', '-extfile', extensions, '-out', files.certFile]);
    return files;
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** Whether the `openssl` CLI is installed (the TLS tests need it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '-');
}
