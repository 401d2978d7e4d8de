import { flightLocationOf } from './flight-location';

describe('flightLocationOf', () => {
  const plain = { BLOB_ARCHIVE_FLIGHT_LOCATION: '', BLOB_ARCHIVE_SERVICE_ADDRESS: 'dns:///blob-archive:50053', TLS_CERT_FILE: '' };
  const tls = { ...plain, TLS_CERT_FILE: '/etc/tls/tls.crt' };

  it("is the blob archive's own address by default, or the location set (none: none)", () => {
    expect(flightLocationOf(plain)).toBe('grpc://blob-archive:50053');
    expect(flightLocationOf({ ...plain, BLOB_ARCHIVE_FLIGHT_LOCATION: 'grpc+tls://flight.example.org:443' })).toBe('grpc+tls://flight.example.org:443');
    expect(flightLocationOf({ ...plain, BLOB_ARCHIVE_FLIGHT_LOCATION: 'none' })).toBe('none');
  });

  it('is required, and must be TLS, when the gateway serves TLS: its callers send their tokens there', () => {
    expect(flightLocationOf({ ...tls, BLOB_ARCHIVE_FLIGHT_LOCATION: 'grpc+tls://127.0.0.1:20443' })).toBe('grpc+tls://127.0.0.1:20443');
    expect(flightLocationOf({ ...tls, BLOB_ARCHIVE_FLIGHT_LOCATION: 'none' })).toBe('none');
    expect(() => flightLocationOf(tls)).toThrow(/^BLOB_ARCHIVE_FLIGHT_LOCATION: the gateway serves TLS, .* got "\(unset: grpc:\/\/blob-archive:50053\)"$/);
    expect(() => flightLocationOf({ ...tls, BLOB_ARCHIVE_FLIGHT_LOCATION: 'grpc://blob-archive:50053' })).toThrow(/must be TLS too/);
  });
});
