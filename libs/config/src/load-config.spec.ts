import { archiveUrl, ConfigError, flightLocation, grpcAddress, integer, loadConfig, oneOf, postgresUrl } from './index';

describe('loadConfig', () => {
  const schema = {
    DATABASE_URL: { parse: postgresUrl, description: 'the metadata database' },
    VISITSARCH_ARCHIVE_URL: { parse: archiveUrl, default: 'file:///var/archive/', description: 'the blob archive' },
    GRPC_ADDRESS: { parse: grpcAddress, default: '127.0.0.1:50052', description: 'listen address' },
    POOL_SIZE: { parse: integer(1, 100), default: 10, description: 'pool size' },
    LOG_LEVEL: { parse: oneOf('debug', 'info'), default: 'info', description: 'log level' },
  };

  it('applies defaults and parses values', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgresql://u:p@db:5432/visitsarch', POOL_SIZE: '4' });
    expect(config).toEqual({
      DATABASE_URL: 'postgresql://u:p@db:5432/visitsarch',
      VISITSARCH_ARCHIVE_URL: 'file:///var/archive/',
      GRPC_ADDRESS: '127.0.0.1:50052',
      POOL_SIZE: 4,
      LOG_LEVEL: 'info',
    });
  });

  it.each([
    [{}, /^DATABASE_URL: is required/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL: not a URL/],
    [{ DATABASE_URL: 'mysql://db/x' }, /^DATABASE_URL: unsupported scheme "mysql:"/],
    [{ DATABASE_URL: 'postgresql://db:5432' }, /^DATABASE_URL: the URL names no database/],
    [{ DATABASE_URL: 'postgresql://db/x', VISITSARCH_ARCHIVE_URL: 'gs://bucket/' }, /^VISITSARCH_ARCHIVE_URL: unknown archive scheme "gs:\/\/"/],
    [{ DATABASE_URL: 'postgresql://db/x', VISITSARCH_ARCHIVE_URL: 'file://relative/' }, /^VISITSARCH_ARCHIVE_URL: a file:\/\/ archive URL must be absolute/],
    [{ DATABASE_URL: 'postgresql://db/x', GRPC_ADDRESS: 'localhost' }, /^GRPC_ADDRESS: expected host:port/],
    [{ DATABASE_URL: 'postgresql://db/x', GRPC_ADDRESS: 'localhost:70000' }, /^GRPC_ADDRESS: expected host:port/],
    [{ DATABASE_URL: 'postgresql://db/x', POOL_SIZE: '0' }, /^POOL_SIZE: expected an integer from 1 to 100, got 0/],
    [{ DATABASE_URL: 'postgresql://db/x', POOL_SIZE: 'ten' }, /^POOL_SIZE: expected an integer/],
    [{ DATABASE_URL: 'postgresql://db/x', LOG_LEVEL: 'loud' }, /^LOG_LEVEL: expected one of debug, info/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(schema, env)).toThrow(message);
  });

  it('accepts S3 archive URLs with Ceph tenant-style bucket names', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://db/x',
      VISITSARCH_ARCHIVE_URL: 's3://rubin:rubin-scheduler-prenight/opsim/vseq/',
    });
    expect(config.VISITSARCH_ARCHIVE_URL).toBe('s3://rubin:rubin-scheduler-prenight/opsim/vseq/');
  });

  it('accepts Arrow Flight locations or none, and names the variable otherwise', () => {
    for (const location of ['grpc://blob-archive:50052', 'grpc+tcp://127.0.0.1:50052', 'grpc+tls://[::1]:443', 'none']) {
      expect(flightLocation(location, 'BLOB_ARCHIVE_FLIGHT_LOCATION')).toBe(location);
    }
    for (const bad of ['blob-archive:50052', 'http://blob-archive:50052', 'grpc://blob-archive']) {
      expect(() => flightLocation(bad, 'BLOB_ARCHIVE_FLIGHT_LOCATION')).toThrow(/BLOB_ARCHIVE_FLIGHT_LOCATION/);
    }
  });
});
