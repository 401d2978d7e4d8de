/**
 * PostgreSQL connection strings as libpq takes them: a `postgresql://` URI, or keyword/value
 * pairs (`host=db.example port=5432 dbname=opsim user=reader password='a b'`), parsed into the
 * settings of a `pg` client, and held to an operator's allow-list of endpoints before anything is
 * dialled (so a caller cannot make a service connect wherever it likes, nor probe ports).
 */

/** What a connection string says, in `pg`'s terms. */
export interface PostgresDsn {
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** libpq's sslmode, when given (disable, allow, prefer, require, verify-ca, verify-full). */
  sslmode?: string;
}

/** The connection string cannot be used; the message says why, without quoting secrets. */
export class DsnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DsnError';
  }
}

/** The endpoint is not on the allow-list. */
export class DsnNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DsnNotAllowedError';
  }
}

const KEYWORDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'connect_timeout', 'application_name', 'options']);
const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** Parses a libpq connection string (URI or keyword/value form). */
export function parsePostgresDsn(text: string): PostgresDsn {
  const dsn = text.trim();
  if (!dsn) throw new DsnError('the connection string is empty');
  const fields = /^postgres(ql)?:\/\//.test(dsn) ? uriFields(dsn) : keywordFields(dsn);
  const host = fields.hostaddr ?? fields.host ?? '';
  if (!host) throw new DsnError('the connection string names no host');
  if (host.includes(',')) throw new DsnError('several hosts in one connection string are not supported');
  if (host.startsWith('/')) throw new DsnError('Unix-domain socket connections are not supported: name a host');
  const port = fields.port === undefined || fields.port === '' ? 5432 : Number(fields.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DsnError(`port must be a number from 1 to 65535`);
  if (fields.sslmode !== undefined && !SSL_MODES.has(fields.sslmode)) throw new DsnError(`sslmode must be one of ${[...SSL_MODES].join(', ')}`);
  return { host, port, database: fields.dbname || undefined, user: fields.user || undefined, password: fields.password, sslmode: fields.sslmode };
}

function uriFields(dsn: string): Record<string, string | undefined> {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new DsnError('the postgresql:// URI is malformed');
  }
  const fields: Record<string, string | undefined> = {
    host: decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')),
    port: url.port,
    dbname: decodeURIComponent(url.pathname.replace(/^\//, '')),
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
  for (const [key, value] of url.searchParams) {
    if (!KEYWORDS.has(key)) throw new DsnError(`unknown connection parameter ${JSON.stringify(key)}`);
    fields[key] = value;
  }
  return fields;
}

/** libpq's keyword/value syntax: `key = value`, values bare or single-quoted with \' and \\ escapes. */
function keywordFields(dsn: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  const skipSpace = () => {
    while (i < dsn.length && /\s/.test(dsn[i])) i++;
  };
  while (true) {
    skipSpace();
    if (i >= dsn.length) break;
    const keyStart = i;
    while (i < dsn.length && /[A-Za-z0-9_]/.test(dsn[i])) i++;
    const key = dsn.slice(keyStart, i);
    skipSpace();
    if (!key || dsn[i] !== '=') throw new DsnError('the connection string is neither a postgresql:// URI nor libpq key=value pairs');
    if (!KEYWORDS.has(key)) throw new DsnError(`unknown connection parameter ${JSON.stringify(key)}`);
    i++;
    skipSpace();
    let value = '';
    if (dsn[i] === "'") {
      i++;
      for (;;) {
        if (i >= dsn.length) throw new DsnError(`the quoted value of ${key} is not closed`);
        const c = dsn[i++];
        if (c === "'") break;
        if (c === '\\' && i < dsn.length) value += dsn[i++];
        else value += c;
      }
    } else {
      while (i < dsn.length && !/\s/.test(dsn[i])) {
        const c = dsn[i++];
        if (c === '\\' && i < dsn.length) value += dsn[i++];
        else value += c;
      }
    }
    fields[key] = value;
  }
  return fields;
}

/**
 * Parses an allow-list setting: comma-separated `host` (any port) or `host:port` entries
 * (`[v6]:port` for IPv6). Empty: nothing is allowed.
 */
export function parseEndpointAllowList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** Throws DsnNotAllowedError unless the DSN's host (and port) is on the list. */
export function requireAllowedEndpoint(dsn: PostgresDsn, allowed: readonly string[], setting: string): void {
  const host = dsn.host.toLowerCase();
  const shown = host.includes(':') ? `[${host}]:${dsn.port}` : `${host}:${dsn.port}`;
  if (allowed.some((entry) => entry === host || entry === `[${host}]` || entry === shown)) return;
  throw new DsnNotAllowedError(
    allowed.length === 0
      ? `connecting to ${shown} is not allowed: this archive allows no upstream endpoints (the operator lists them in ${setting})`
      : `connecting to ${shown} is not allowed: it is not in ${setting}`,
  );
}
