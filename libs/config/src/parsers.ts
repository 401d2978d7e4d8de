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

/** A gRPC address `host:port` (IPv6 hosts in brackets), as used to listen on or to dial. */
export const grpcAddress: Parser<string> = (raw, variable) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(raw.replace(/^dns:\/{0,3}/, ''));
  if (!match || Number(match[2]) > 65535) {
    throw new ConfigError(variable, `expected host:port (e.g. 127.0.0.1:50051), got ${JSON.stringify(raw)}`);
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
  grpcAddress(match[2], variable);
  return raw;
};
