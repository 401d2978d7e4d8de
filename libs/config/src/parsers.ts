import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './errors';

/**
 * A parser turns the raw text of one environment variable into a typed value,
 * or throws ConfigError naming the variable and what is wrong with it.
 */
export type Parser<T> = (raw: string, variable: string) => T;

export const text: Parser<string> = (raw) => raw;

export function integer(min: number, max: number): Parser<number> {
  return (raw, variable) => {
    if (!/^-?\d+$/.test(raw.trim())) {
      throw new ConfigError(variable, `expected an integer, got ${JSON.stringify(raw)}`);
    }
    const value = Number(raw);
    if (value < min || value > max) {
      throw new ConfigError(variable, `expected an integer from ${min} to ${max}, got ${value}`);
    }
    return value;
  };
}

export function oneOf<T extends string>(...choices: T[]): Parser<T> {
  return (raw, variable) => {
    if (!(choices as string[]).includes(raw)) {
      throw new ConfigError(variable, `expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };
}

/** One `host:port` (IPv6 hosts in brackets), optionally `dns:`-prefixed: where a server listens, or one location handed to clients. */
export const hostPort: Parser<string> = (raw, variable) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(raw.replace(/^dns:\/{0,3}/, ''));
  if (!match || Number(match[2]) > 65535) {
    throw new ConfigError(variable, `expected host:port (e.g. 127.0.0.1:50051), got ${JSON.stringify(raw)}`);
  }
  return raw;
};

/**
 * A gRPC address to dial: one `host:port` (`dns:` prefix allowed; a name may resolve to several
 * replicas), or several replicas of one service as gRPC's `ipv4:` or `ipv6:` address list,
 * `ipv4:10.0.0.1:50052,10.0.0.2:50052` / `ipv6:[fd00::1]:50052,[fd00::2]:50052`, every address with
 * its port (clients spread calls over such a list round robin; ServiceClient).
 */
export const grpcAddress: Parser<string> = (raw, variable) => {
  const list = /^(ipv4|ipv6):(.*)$/.exec(raw);
  if (!list) {
    if (raw.includes(',')) {
      throw new ConfigError(
        variable,
        /^dns:/.test(raw)
          ? `a dns: target names one host (which may resolve to several replicas); list replicas by IP as ipv4:127.0.0.1:50051,127.0.0.1:50061, got ${JSON.stringify(raw)}`
          : `several addresses must be written as gRPC's address list, ipv4:127.0.0.1:50051,127.0.0.1:50061 (or ipv6:[::1]:50051,[::1]:50061), got ${JSON.stringify(raw)}`,
      );
    }
    return hostPort(raw, variable);
  }
  const [, scheme, addresses] = list;
  for (const address of addresses.split(',')) {
    const match = /^(\[([0-9a-fA-F:.]+)\]|[0-9.]+):(\d{1,5})$/.exec(address);
    const host = match?.[2] ?? match?.[1];
    const valid = match && Number(match[3]) <= 65535 && (scheme === 'ipv4' ? isIPv4(host as string) : match[2] !== undefined && isIPv6(host as string));
    if (!valid) {
      const example = scheme === 'ipv4' ? '127.0.0.1:50051' : '[::1]:50051';
      throw new ConfigError(variable, `${scheme}: lists ${scheme === 'ipv4' ? 'IPv4' : 'bracketed IPv6'} addresses with ports separated by commas (e.g. ${scheme}:${example}); ${JSON.stringify(address)} is not one, in ${JSON.stringify(raw)}`);
    }
  }
  return raw;
};

/** A PostgreSQL connection URL (`postgresql://user:password@host:port/database`). */
export const postgresUrl: Parser<string> = (raw, variable) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `not a URL: expected postgresql://user:password@host:port/database`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConfigError(variable, `unsupported scheme ${JSON.stringify(url.protocol)}: expected postgresql://`);
  }
  if (!url.pathname || url.pathname === '/') {
    throw new ConfigError(variable, 'the URL names no database: expected postgresql://user:password@host:port/database');
  }
  return raw;
};

/** The base URL of a blob archive: a local directory (`file:///path/`) or an S3 prefix (`s3://bucket/prefix/`). */
export const archiveUrl: Parser<string> = (raw, variable) => {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new ConfigError(variable, `expected file:///path/ or s3://bucket/prefix/, got ${JSON.stringify(raw)}`);
  }
  if (scheme !== 'file' && scheme !== 's3') {
    throw new ConfigError(variable, `unknown archive scheme "${scheme}://": expected file:// or s3://`);
  }
  if (scheme === 's3' && !/^s3:\/\/[^/]+/.test(raw)) {
    throw new ConfigError(variable, 'an s3:// archive URL must name a bucket: s3://bucket/prefix/');
  }
  if (scheme === 'file' && !/^file:\/\/\//.test(raw)) {
    throw new ConfigError(variable, 'a file:// archive URL must be absolute: file:///path/to/archive/');
  }
  return raw;
};

/** An http(s) URL, e.g. an S3 endpoint. */
export const httpUrl: Parser<string> = (raw, variable) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `expected an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
};

export const boolean: Parser<boolean> = (raw, variable) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(variable, `expected true or false, got ${JSON.stringify(raw)}`);
};

/** An Arrow Flight location URI (`grpc://host:port`, `grpc+tcp://…`, `grpc+tls://…`), or `none`. */
export const flightLocation: Parser<string> = (raw, variable) => {
  if (raw === 'none') return raw;
  const match = /^grpc(\+tcp|\+tls)?:\/\/(.*)$/.exec(raw);
  if (!match) throw new ConfigError(variable, `expected an Arrow Flight location such as grpc://blob-archive:50052, or none; got ${JSON.stringify(raw)}`);
  hostPort(match[2], variable); // one address: a location handed to clients is not a replica list
  return raw;
};
