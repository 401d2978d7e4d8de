import { DsnError, DsnNotAllowedError, parseEndpointAllowList, parsePostgresDsn, requireAllowedEndpoint } from './postgres-dsn';

describe('PostgreSQL connection strings', () => {
  it('reads URIs, with escapes, IPv6 hosts, default port and parameters', () => {
    expect(parsePostgresDsn('postgresql://reader:p%40ss@db.example:6543/opsim_log?sslmode=require')).toEqual({
      host: 'db.example',
      port: 6543,
      database: 'opsim_log',
      user: 'reader',
      password: 'p@ss',
      sslmode: 'require',
    });
    expect(parsePostgresDsn('postgres://[::1]/x')).toMatchObject({ host: '::1', port: 5432, database: 'x' });
  });

  it('reads libpq keyword/value strings, quoted values and escapes included', () => {
    expect(parsePostgresDsn("host=usdf-db.slac.stanford.edu port=5432 dbname=opsim_log user=writer password='it\\'s secret '")).toEqual({
      host: 'usdf-db.slac.stanford.edu',
      port: 5432,
      database: 'opsim_log',
      user: 'writer',
      password: "it's secret ",
      sslmode: undefined,
    });
    expect(parsePostgresDsn("host = 127.0.0.1  password='a b\\\\c' dbname=d").password).toBe('a b\\c');
    expect(parsePostgresDsn('hostaddr=10.1.2.3 dbname=d')).toMatchObject({ host: '10.1.2.3', port: 5432 });
  });

  it('refuses what it cannot use, with a reason and without echoing the string', () => {
    const secret = "host=h password='never shown";
    expect(() => parsePostgresDsn(secret)).toThrow(DsnError);
    expect(() => parsePostgresDsn(secret)).toThrow(/quoted value of password is not closed/);
    expect(() => parsePostgresDsn('nonsense')).toThrow(/neither a postgresql:\/\/ URI nor libpq key=value pairs/);
    expect(() => parsePostgresDsn('dbname=x')).toThrow(/names no host/);
    expect(() => parsePostgresDsn('host=a,b')).toThrow(/several hosts/);
    expect(() => parsePostgresDsn('host=/var/run/postgresql')).toThrow(/Unix-domain socket/);
    expect(() => parsePostgresDsn('host=h port=99999')).toThrow(/port must be/);
    expect(() => parsePostgresDsn('host=h sslcert=/etc/x')).toThrow(/unknown connection parameter "sslcert"/);
    expect(() => parsePostgresDsn('postgresql://h/d?target_session_attrs=any')).toThrow(/unknown connection parameter/);
  });

  it('allows only the endpoints an operator listed: a host (any port) or host:port', () => {
    const allowed = parseEndpointAllowList(' usdf-db.slac.stanford.edu , 127.0.0.1:5433,[::1]');
    const check = (dsn: string) => requireAllowedEndpoint(parsePostgresDsn(dsn), allowed, 'UPSTREAM_ALLOWED_ENDPOINTS');
    expect(() => check('host=USDF-DB.slac.stanford.edu port=6000')).not.toThrow();
    expect(() => check('postgresql://u@127.0.0.1:5433/d')).not.toThrow();
    expect(() => check('postgresql://u@[::1]:7/d')).not.toThrow();
    expect(() => check('postgresql://u@127.0.0.1:5432/d')).toThrow(DsnNotAllowedError);
    expect(() => check('host=10.0.0.1')).toThrow('connecting to 10.0.0.1:5432 is not allowed: it is not in UPSTREAM_ALLOWED_ENDPOINTS');
    expect(() => requireAllowedEndpoint(parsePostgresDsn('host=h'), [], 'UPSTREAM_ALLOWED_ENDPOINTS')).toThrow(/allows no upstream endpoints/);
  });
});
