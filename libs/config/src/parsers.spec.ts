import { ConfigError, flightLocation, grpcAddress, hostPort } from './index';

describe('grpcAddress', () => {
  it.each([
    '127.0.0.1:50052',
    'metadata.visitsarch.svc:50052',
    '[::1]:50052',
    'dns:metadata:50052',
    'dns:///metadata:50052',
    'ipv4:127.0.0.1:50052',
    'ipv4:127.0.0.1:50052,127.0.0.1:50062',
    'ipv4:10.0.0.1:50052,10.0.0.2:50052,10.0.0.3:65535',
    'ipv6:[::1]:50052,[fd00::2]:50052',
  ])('accepts %s as it is', (raw) => {
    expect(grpcAddress(raw, 'METADATA_SERVICE_ADDRESS')).toBe(raw);
  });

  it.each([
    ['metadata', /^METADATA_SERVICE_ADDRESS: expected host:port \(e\.g\. 127\.0\.0\.1:50051\), got "metadata"$/],
    ['127.0.0.1:70000', /expected host:port/],
    ['127.0.0.1:50052,127.0.0.1:50062', /several addresses must be written as gRPC's address list, ipv4:127\.0\.0\.1:50051,127\.0\.0\.1:50061 .*got "127\.0\.0\.1:50052,127\.0\.0\.1:50062"/],
    ['dns:metadata:50052,metadata-2:50052', /a dns: target names one host \(which may resolve to several replicas\); list replicas by IP as ipv4:/],
    ['ipv4:127.0.0.1', /ipv4: lists IPv4 addresses with ports separated by commas \(e\.g\. ipv4:127\.0\.0\.1:50051\); "127\.0\.0\.1" is not one/],
    ['ipv4:127.0.0.1:50052,', /"" is not one/],
    ['ipv4:127.0.0.1:50052,metadata:50052', /"metadata:50052" is not one/],
    ['ipv4:127.0.0.300:50052', /"127\.0\.0\.300:50052" is not one/],
    ['ipv4:127.0.0.1:99999', /"127\.0\.0\.1:99999" is not one/],
    ['ipv4:[::1]:50052', /"\[::1\]:50052" is not one/],
    ['ipv6:::1:50052', /ipv6: lists bracketed IPv6 addresses with ports .*e\.g\. ipv6:\[::1\]:50051/],
    ['ipv6:[127.0.0.1]:50052', /is not one/],
  ])('refuses %s with a message naming the variable', (raw, message) => {
    expect(() => grpcAddress(raw, 'METADATA_SERVICE_ADDRESS')).toThrow(ConfigError);
    expect(() => grpcAddress(raw, 'METADATA_SERVICE_ADDRESS')).toThrow(message);
    expect(() => grpcAddress(raw, 'METADATA_SERVICE_ADDRESS')).toThrow(/^METADATA_SERVICE_ADDRESS: /);
  });
});

describe('hostPort (one address: where a server listens, a location handed to clients)', () => {
  it('takes one address, never a list', () => {
    expect(hostPort('127.0.0.1:50051', 'GRPC_ADDRESS')).toBe('127.0.0.1:50051');
    expect(() => hostPort('ipv4:127.0.0.1:50051,127.0.0.1:50061', 'GRPC_ADDRESS')).toThrow(/^GRPC_ADDRESS: expected host:port/);
  });

  it('is what a Flight location holds', () => {
    expect(() => flightLocation('grpc://ipv4:127.0.0.1:50053,127.0.0.1:50063', 'BLOB_ARCHIVE_FLIGHT_LOCATION')).toThrow(/^BLOB_ARCHIVE_FLIGHT_LOCATION: expected host:port/);
  });
});
