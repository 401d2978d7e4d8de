import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { TestCertificateAuthority } from '@visitsarch/grpc-client';
import { createLogger, type Logger } from '@visitsarch/logging';
import { metadataClient, ProbeModule } from './testing/probe-service';
import { RunningGrpcService, startGrpcService } from './bootstrap';
import { tlsFilesOf } from './tls';

jest.setTimeout(30_000);


/** GetVisitSequence at `address` over `credentials`: the status it ends with (NOT_FOUND: the call reached the service), and its details. */
function probe(address: string, credentials: grpc.ChannelCredentials): Promise<{ code: number; details: string }> {
  const client = metadataClient(address, credentials);
  return new Promise((resolve) =>
    client.GetVisitSequence({ visitseqUuid: 'x' }, { deadline: Date.now() + 5000 }, (error: grpc.ServiceError | null) => {
      client.close();
      resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '' });
    }),
  );
}

/** The serial number of the certificate a TLS handshake with 127.0.0.1:`port` shows (ALPN h2, as gRPC). */
function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2'] }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tlsFilesOf', () => {
  const settings = { TLS_CERT_FILE: '', TLS_KEY_FILE: '', TLS_RELOAD_INTERVAL_MS: 60_000, TLS_ADDRESS: '' };

  it('wants both files or neither, naming the one missing', () => {
    expect(tlsFilesOf(settings)).toBeUndefined();
    expect(tlsFilesOf({ ...settings, TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' })).toEqual({ certFile: 'c.pem', keyFile: 'k.pem', reloadIntervalMs: 60_000 });
    expect(() => tlsFilesOf({ ...settings, TLS_CERT_FILE: 'c.pem' })).toThrow(new ConfigError('TLS_KEY_FILE', 'is required with TLS_CERT_FILE (the private key of the certificate, PEM)'));
    expect(() => tlsFilesOf({ ...settings, TLS_KEY_FILE: 'k.pem' })).toThrow(/^TLS_CERT_FILE: is required with TLS_KEY_FILE/);
    expect(() => tlsFilesOf({ ...settings, TLS_ADDRESS: '127.0.0.1:0' })).toThrow(/^TLS_ADDRESS: needs TLS_CERT_FILE and TLS_KEY_FILE/);
  });
});

describe('a service serving TLS', () => {
  let dir: string;
  let ca: TestCertificateAuthority;
  let caPem: Buffer;
  const warnings: string[] = [];
  const logger = createLogger('test', 'silent');
  const recording = new Proxy(logger, {
    get: (target, name) =>
      name === 'warn'
        ? (_fields: object, message: string) => warnings.push(message)
        : Reflect.get(target, name),
  }) as Logger;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-server-tls-'));
    ca = new TestCertificateAuthority(dir);
    caPem = fs.readFileSync(ca.caFile);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('on its address', () => {
    let service: RunningGrpcService;
    let files: { certFile: string; keyFile: string };
    let address: string;

    beforeAll(async () => {
      files = ca.issue('served');
      service = await startGrpcService({ contract: CONTRACTS.metadata, module: ProbeModule, address: '127.0.0.1:0', logger: recording, tls: { ...files, reloadIntervalMs: 100 } });
      address = `127.0.0.1:${service.port}`;
    });
    afterAll(() => service?.shutdown());

    it('answers a client that trusts its CA, by IP address and by name', async () => {
      expect((await probe(address, grpc.credentials.createSsl(caPem))).code).toBe(grpc.status.NOT_FOUND);
      expect((await probe(`localhost:${service.port}`, grpc.credentials.createSsl(caPem))).code).toBe(grpc.status.NOT_FOUND);
    });

    it('is not answered by a client that does not trust the certificate, nor by a plain one', async () => {
      const untrusting = await probe(address, grpc.credentials.createSsl());
      expect(untrusting.code).toBe(grpc.status.UNAVAILABLE);
      expect(untrusting.details).toMatch(/unable to verify the first certificate/);
      const otherCa = new TestCertificateAuthority(path.join(dir, 'other'), 'another CA');
      expect((await probe(address, grpc.credentials.createSsl(fs.readFileSync(otherCa.caFile)))).code).toBe(grpc.status.UNAVAILABLE);
      expect((await probe(address, grpc.credentials.createInsecure())).code).toBe(grpc.status.UNAVAILABLE);
    });

    it('serves a renewed certificate once its files change, and keeps the last good one when they cannot be used', async () => {
      const before = await servedSerial(service.port, caPem);
      const renewed = ca.issue('renewed');
      fs.copyFileSync(renewed.keyFile, files.keyFile);
      fs.copyFileSync(renewed.certFile, files.certFile);
      const after = new X509Certificate(fs.readFileSync(renewed.certFile)).serialNumber;
      expect(after).not.toBe(before);
      await eventually(async () => (await servedSerial(service.port, caPem)) === after);
      expect((await probe(address, grpc.credentials.createSsl(caPem))).code).toBe(grpc.status.NOT_FOUND);

      // A key of another certificate (a renewal half done): refused, the renewed pair still served.
      warnings.length = 0; // (the two copies above are not atomic: a reload between them may have warned already)
      fs.copyFileSync(ca.issue('mismatched').keyFile, files.keyFile);
      await eventually(async () => warnings.some((warning) => /cannot be served .*: serving the last good pair/.test(warning)));
      await new Promise((resolve) => setTimeout(resolve, 500)); // five more reloads
      expect(await servedSerial(service.port, caPem)).toBe(after);
      expect((await probe(address, grpc.credentials.createSsl(caPem))).code).toBe(grpc.status.NOT_FOUND);
      expect(warnings).toHaveLength(1); // said once, not at every reload
    });
  });

  it('with tlsAddress, serves TLS there and stays plain on its address (for its peers)', async () => {
    const files = ca.issue('second');
    const service = await startGrpcService({ contract: CONTRACTS.metadata, module: ProbeModule, address: '127.0.0.1:0', logger, tls: { ...files, reloadIntervalMs: 60_000 }, tlsAddress: '127.0.0.1:0' });
    try {
      expect(service.tlsPort).toBeGreaterThan(0);
      expect(service.tlsPort).not.toBe(service.port);
      expect((await probe(`127.0.0.1:${service.port}`, grpc.credentials.createInsecure())).code).toBe(grpc.status.NOT_FOUND);
      expect((await probe(`127.0.0.1:${service.tlsPort}`, grpc.credentials.createSsl(caPem))).code).toBe(grpc.status.NOT_FOUND);
      expect((await probe(`127.0.0.1:${service.tlsPort}`, grpc.credentials.createInsecure())).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      await service.shutdown();
    }
  });

  it('does not start with files it cannot serve, naming the variable', async () => {
    const files = ca.issue('broken');
    const start = (certFile: string, keyFile: string) =>
      startGrpcService({ contract: CONTRACTS.metadata, module: ProbeModule, address: '127.0.0.1:0', logger, tls: { certFile, keyFile, reloadIntervalMs: 60_000 } });
    await expect(start(path.join(dir, 'missing.pem'), files.keyFile)).rejects.toThrow(/^TLS_CERT_FILE: cannot read .*missing\.pem: ENOENT/);
    await expect(start(files.certFile, path.join(dir, 'missing.key'))).rejects.toThrow(/^TLS_KEY_FILE: cannot read/);
    await expect(start(files.certFile, ca.issue('other').keyFile)).rejects.toThrow(/^TLS_CERT_FILE: .* cannot be served: .*key values mismatch/);
  });
});
