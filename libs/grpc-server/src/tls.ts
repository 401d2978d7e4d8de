import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, hostPort, integer, text } from '@visitsarch/config';
import type { Logger } from '@visitsarch/logging';

type CertificateProvider = grpc.experimental.CertificateProvider;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;
type Identity = { certificate: Buffer; privateKey: Buffer };

/** Where a service's TLS certificate and key are (PEM), and how often they are re-read. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** How often the files are re-read; a changed, valid pair is served from then on. */
  reloadIntervalMs: number;
}

/** The TLS settings every service reads (part of run-service.ts's common schema). */
export const TLS_SETTINGS = {
  TLS_CERT_FILE: { parse: text, default: '', description: 'PEM certificate chain to serve TLS with (with TLS_KEY_FILE); re-read every TLS_RELOAD_INTERVAL_MS; empty: plain gRPC' },
  TLS_KEY_FILE: { parse: text, default: '', description: 'PEM private key of TLS_CERT_FILE' },
  TLS_RELOAD_INTERVAL_MS: { parse: integer(100, 86_400_000), default: 60_000, description: 'how often the TLS certificate and key are re-read (a changed, valid pair is served to new connections)' },
  TLS_ADDRESS: {
    parse: hostPort,
    default: '',
    description: 'host:port of a second listener serving the same services with TLS, GRPC_ADDRESS staying plain for peers (the blob archive: public Flight, internal API); empty: GRPC_ADDRESS itself serves TLS',
  },
};

/**
 * The TLS files of a service from its settings: both TLS_CERT_FILE and TLS_KEY_FILE, or neither
 * (no TLS). One without the other is a ConfigError naming the missing one.
 */
export function tlsFilesOf(config: { TLS_CERT_FILE: string; TLS_KEY_FILE: string; TLS_RELOAD_INTERVAL_MS: number; TLS_ADDRESS: string }): TlsFiles | undefined {
  if (!config.TLS_CERT_FILE && !config.TLS_KEY_FILE) {
    if (config.TLS_ADDRESS) throw new ConfigError('TLS_ADDRESS', 'needs TLS_CERT_FILE and TLS_KEY_FILE (the certificate to serve there)');
    return undefined;
  }
  if (!config.TLS_KEY_FILE) throw new ConfigError('TLS_KEY_FILE', 'is required with TLS_CERT_FILE (the private key of the certificate, PEM)');
  if (!config.TLS_CERT_FILE) throw new ConfigError('TLS_CERT_FILE', 'is required with TLS_KEY_FILE (the certificate chain, PEM)');
  return { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, reloadIntervalMs: config.TLS_RELOAD_INTERVAL_MS };
}

/**
 * Server credentials serving the certificate and key of `files`, re-read every `reloadIntervalMs`
 * (grpc-js's FileWatcherCertificateProvider): a renewed certificate (cert-manager, a rotated
 * Secret) is served to new connections without a restart. The files are read once here: unreadable
 * or not a matching certificate and key, the service does not start (ConfigError). A later pair
 * that cannot be used (a half-written file, a key of another certificate) is logged and the last
 * good one kept, so a botched renewal never leaves the port refusing every handshake.
 */
export function tlsServerCredentials(files: TlsFiles, logger: Logger): grpc.ServerCredentials {
  const provider = new ValidatedIdentityProvider(files, logger);
  // grpc-js 1.14 declares (ca, identity, …) but hands its first argument to the credentials as the
  // identity provider, the second as the CA one (client certificates; none here).
  return grpc.experimental.createCertificateProviderServerCredentials(provider, null, false);
}

/** Serves the identity (certificate and key) of the files, passing on only pairs Node's TLS accepts. */
class ValidatedIdentityProvider implements CertificateProvider {
  private readonly files: grpc.experimental.FileWatcherCertificateProvider;
  private readonly listeners = new Set<IdentityListener>();
  private current: Identity;
  /** What was last warned about (an unreadable file, or a pair refused), so it is said once, not at every reload. */
  private warned?: string;

  constructor(
    private readonly paths: TlsFiles,
    private readonly logger: Logger,
  ) {
    this.current = readIdentity(paths);
    const problem = unusable(this.current);
    if (problem) throw new ConfigError('TLS_CERT_FILE', `${paths.certFile} and ${paths.keyFile} cannot be served: ${problem}`);
    this.files = new grpc.experimental.FileWatcherCertificateProvider({ certificateFile: paths.certFile, privateKeyFile: paths.keyFile, refreshIntervalMs: paths.reloadIntervalMs });
  }

  addCaCertificateListener(): void {}
  removeCaCertificateListener(): void {}

  addIdentityCertificateListener(listener: IdentityListener): void {
    if (this.listeners.size === 0) this.files.addIdentityCertificateListener(this.onFiles);
    this.listeners.add(listener);
    // After the current call, as grpc-js's own providers do: the server watches for updates only once this returns.
    process.nextTick(listener, this.current);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.files.removeIdentityCertificateListener(this.onFiles);
  }

  private readonly onFiles = (update: Identity | null): void => {
    if (!update) return this.warn('cannot read the TLS certificate or key: serving the last good pair');
    if (update.certificate.equals(this.current.certificate) && update.privateKey.equals(this.current.privateKey)) {
      this.warned = undefined;
      return;
    }
    const problem = unusable(update);
    if (problem) return this.warn(`the changed TLS certificate and key cannot be served (${problem}): serving the last good pair`);
    this.current = update;
    this.warned = undefined;
    this.logger.info({ certFile: this.paths.certFile, notAfter: notAfter(update.certificate) }, 'TLS certificate reloaded');
    for (const listener of this.listeners) listener(update);
  };

  private warn(message: string): void {
    if (this.warned === message) return;
    this.warned = message;
    this.logger.warn({ certFile: this.paths.certFile, keyFile: this.paths.keyFile }, message);
  }
}

function readIdentity(files: TlsFiles): Identity {
  const read = (file: string, variable: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  return { certificate: read(files.certFile, 'TLS_CERT_FILE'), privateKey: read(files.keyFile, 'TLS_KEY_FILE') };
}

/** Why Node's TLS would refuse to serve this pair (not PEM, a key of another certificate), if it would. */
function unusable(identity: Identity): string | undefined {
  try {
    tls.createSecureContext({ cert: identity.certificate, key: identity.privateKey });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function notAfter(certificate: Buffer): string | undefined {
  try {
    return new X509Certificate(certificate).validTo;
  } catch {
    return undefined;
  }
}
