/**
 * TLS on the public ports (decision 0020), end to end: a stack whose gateway serves TLS on its
 * address and whose blob archive serves Arrow Flight with TLS on a second listener (TLS_ADDRESS),
 * both with certificates of a test CA made with openssl. The CLI and the Python client verify the
 * gateway against the CA; clients that do not trust it, or speak plain gRPC, are refused at the
 * handshake; a renewed certificate is served without a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { freeAddress, GatewayClients, hasOpenssl, TestCertificateAuthority } from '@visitsarch/grpc-client';
import { cli, REPO_ROOT, run } from './support/run';
import { makeHome, SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

/** The serial number of the certificate the server at `address` shows in a TLS handshake (ALPN h2, as gRPC clients). */
function servedSerial(address: string, ca: Buffer): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ca, ALPNProtocols: ['h2'] }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/** The Python client over TLS: adds the sample's visits, reads them by Arrow Flight (grpc+tls://) and through the gateway. */
const PYTHON_CLIENT = `
import json, sys
import pyarrow.flight as flight
from visitsarch import VisitSequenceArchive
from visitsarch.gateway.v1 import gateway_service_pb2 as gw
gateway, ca_file, db = sys.argv[1:4]
with VisitSequenceArchive(gateway, tls_ca_file=ca_file) as archive:
    uuid = archive.add_simulation(db, label="python over tls", telescope="simonyi")
    request = gw.GetVisitsFlightEndpointRequest(visitseq_uuid=uuid, columns=["observationStartMJD", "band"])
    location = archive._call("GetVisitsFlightEndpoint", request).location
    by_flight = archive._flight_table(request)  # None if Flight failed (download would then fall back silently)
    downloaded = archive.download(uuid, "visits")
    with VisitSequenceArchive(gateway, tls_ca_file=ca_file, flight=False) as relayed:
        same = relayed.download(uuid, "visits").equals(downloaded)
# Plain pyarrow without the CA: the handshake fails.
try:
    flight.connect(location).do_get(flight.Ticket(b"x")).read_all()
    untrusted = "read"
except flight.FlightError as error:
    untrusted = type(error).__name__ + ": " + str(error).splitlines()[0]
print(json.dumps({"uuid": uuid, "location": location, "flight_rows": None if by_flight is None else by_flight.num_rows,
                  "rows": len(downloaded), "same": bool(same), "untrusted": untrusted}))
`;

describe('TLS on the public ports', () => {
  let work: string;
  let ca: TestCertificateAuthority;
  let caPem: Buffer;
  let gatewayFiles: { certFile: string; keyFile: string };
  let flightAddress: string;
  let stack: TestStack;
  /** The environment of a client that trusts the test CA. */
  let trusting: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!hasOpenssl()) throw new Error('the openssl CLI is needed to make the test certificates');
    work = makeHome('visitsarch-tls-');
    ca = new TestCertificateAuthority(path.join(work, 'ca'));
    caPem = fs.readFileSync(ca.caFile);
    gatewayFiles = ca.issue('gateway', { certFile: path.join(work, 'gateway.pem'), keyFile: path.join(work, 'gateway.key') });
    const flightFiles = ca.issue('blob-archive');
    flightAddress = await freeAddress();
    stack = await startTestStack({
      serviceEnv: {
        gateway: { TLS_CERT_FILE: gatewayFiles.certFile, TLS_KEY_FILE: gatewayFiles.keyFile, TLS_RELOAD_INTERVAL_MS: '200', BLOB_ARCHIVE_FLIGHT_LOCATION: `grpc+tls://${flightAddress}` },
        'blob-archive': { TLS_CERT_FILE: flightFiles.certFile, TLS_KEY_FILE: flightFiles.keyFile, TLS_ADDRESS: flightAddress },
      },
    });
    trusting = { VISITSARCH_TLS_CA_FILE: ca.caFile };
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the CLI with VISITSARCH_TLS_CA_FILE adds and downloads a sequence, and `status` works over TLS', async () => {
    expect(stack.token).toBeDefined();
    const added = await cli(['add_simulation', SAMPLE_OPSIM_DB, 'cli over tls'], stack.gateway, trusting);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const uuid = added.stdout.trim();
    const dest = path.join(work, 'visits.parquet');
    const downloaded = await cli(['download', uuid, 'visits', dest], stack.gateway, trusting);
    expect(downloaded.stderr).toBe('');
    expect(downloaded.code).toBe(0);
    const [original, copy] = await Promise.all([cli(['hash', SAMPLE_OPSIM_DB], stack.gateway), cli(['hash', dest], stack.gateway)]);
    expect(copy.stdout).toBe(original.stdout);

    const status = await cli(['status'], stack.gateway, trusting);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(['gateway', 'metadata', 'blob-archive', 'consdb-ingest', 'stats']);
  });

  it('a client that does not trust the certificate, or speaks plain gRPC, fails at the handshake with a clear message', async () => {
    // The system's CAs do not know the test CA.
    const untrusting = await cli(['list'], stack.gateway, { VISITSARCH_TLS: '1' });
    expect(untrusting.code).toBe(1);
    expect(untrusting.stderr.trim().split('\n')).toEqual([
      `visitsarch: cannot connect securely to the gateway at ${stack.gateway}: unable to verify the first certificate (set VISITSARCH_TLS_CA_FILE to the CA bundle that signed its certificate)`,
    ]);
    const plain = await cli(['list'], stack.gateway);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n')).toEqual([
      `visitsarch: cannot reach the gateway at ${stack.gateway}: it closed the connection (if it serves TLS, set VISITSARCH_TLS_CA_FILE, or VISITSARCH_TLS=1)`,
    ]);
    const unreadable = await cli(['list'], stack.gateway, { VISITSARCH_TLS_CA_FILE: path.join(work, 'missing.pem') });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^visitsarch: cannot read the CA file .*missing\.pem \(VISITSARCH_TLS_CA_FILE\): ENOENT[^\n]*\n$/);

    // A library client trusting another CA: UNAVAILABLE, naming the certificate.
    const otherCa = new TestCertificateAuthority(path.join(work, 'other-ca'), 'another CA');
    const wrong = new GatewayClients(stack.gateway, { token: stack.token, tls: { ca: fs.readFileSync(otherCa.caFile) } });
    try {
      await expect(wrong.gateway.unary('getDefaultConsdbQuery', { telescope: 'simonyi' }, { deadline: Date.now() + 10_000 })).rejects.toMatchObject({
        code: grpc.status.UNAVAILABLE,
        details: expect.stringMatching(/^GatewayService is unavailable: .*(unable to verify|self[- ]signed|unable to get local issuer)/),
      });
    } finally {
      wrong.close();
    }
    // The same client trusting the test CA is answered.
    const right = new GatewayClients(stack.gateway, { token: stack.token, tls: { ca: caPem } });
    try {
      expect((await right.gateway.unary('getDefaultConsdbQuery', { telescope: 'simonyi' }, { deadline: Date.now() + 10_000 })).query).toContain('cdb_lsstcam');
    } finally {
      right.close();
    }
  });

  it('serves a renewed certificate once its files are replaced, without a restart', async () => {
    const before = await servedSerial(stack.gateway, caPem);
    expect(before).toBe(new X509Certificate(fs.readFileSync(gatewayFiles.certFile)).serialNumber);
    // Renewed as cert-manager or a Secret update does: new files, moved into place.
    const renewed = ca.issue('gateway-renewed');
    fs.renameSync(renewed.keyFile, gatewayFiles.keyFile);
    fs.renameSync(renewed.certFile, gatewayFiles.certFile);
    const after = new X509Certificate(fs.readFileSync(gatewayFiles.certFile)).serialNumber;
    expect(after).not.toBe(before);
    const deadline = Date.now() + 10_000;
    let served = before;
    while (served !== after && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      served = await servedSerial(stack.gateway, caPem);
    }
    expect(served).toBe(after);
    const listed = await cli(['list'], stack.gateway, trusting);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
  });

  it('the Python client adds and reads visits over TLS, Arrow Flight (grpc+tls://) included', async () => {
    const result = await run(PYTHON, ['-c', PYTHON_CLIENT, stack.gateway, ca.caFile, SAMPLE_OPSIM_DB], {
      env: { ...process.env, VISITSARCH_TOKEN: stack.token, VISITSARCH_TLS_CA_FILE: '', VISITSARCH_TLS: '' },
      timeoutMs: 120_000,
    });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(outcome.location).toBe(`grpc+tls://${flightAddress}`);
    expect(outcome.rows).toBeGreaterThan(0);
    expect(outcome.flight_rows).toBe(outcome.rows); // read by Flight, not fallen back to the gateway
    expect(outcome.same).toBe(true);
    expect(outcome.untrusted).toMatch(/^FlightUnavailableError: .*(handshake|certificate|SSL)/i);
  }, 150_000);
});
