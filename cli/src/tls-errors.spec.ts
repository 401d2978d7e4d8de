import { describeGrpcError } from './gateway';

/** What grpc-js reports (through ServiceClient, which names the gateway) when a TLS handshake with it fails. */
const unavailable = (lastError: string) => ({ code: 14, details: `GatewayService is unavailable: No connection established. Last error: ${lastError}. Resolution note: ` });

describe('describeGrpcError for TLS handshakes', () => {
  it('says the certificate is not trusted, and which variable names the CA', () => {
    expect(describeGrpcError(unavailable('Error: unable to verify the first certificate'), 'archive.example.org:443')?.message).toBe(
      'cannot connect securely to the gateway at archive.example.org:443: unable to verify the first certificate (set VISITSARCH_TLS_CA_FILE to the CA bundle that signed its certificate)',
    );
    expect(describeGrpcError(unavailable("Error: Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1"), 'h:1')?.message).toMatch(
      /^cannot connect securely to the gateway at h:1: Hostname\/IP does not match certificate's altnames: .* \(set VISITSARCH_TLS_CA_FILE/,
    );
  });

  it('says a gateway does not serve TLS to a TLS client, and may serve it to a plain one', () => {
    const wrongVersion = 'Error: 805C4136CA7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
    expect(describeGrpcError(unavailable(wrongVersion), 'h:1')?.message).toBe('cannot connect securely to the gateway at h:1: it does not serve TLS (check the address, or unset VISITSARCH_TLS_CA_FILE and VISITSARCH_TLS)');
    expect(describeGrpcError(unavailable('Failed to connect (2026-12-04T03:24:19.024Z)'), 'h:1')?.message).toBe(
      'cannot reach the gateway at h:1: it closed the connection (if it serves TLS, set VISITSARCH_TLS_CA_FILE, or VISITSARCH_TLS=1)',
    );
    expect(describeGrpcError(unavailable('Error: connect ECONNREFUSED 127.0.0.1:1'), 'h:1')?.message).toBe(
      'cannot reach the gateway at h:1: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.',
    );
  });
});
