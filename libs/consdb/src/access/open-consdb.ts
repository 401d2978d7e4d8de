import { ConsdbConnection } from './consdb-connection';
import { HttpConsdb } from './http-consdb';
import { PostgresConsdb } from './postgres-consdb';
import { RetryPolicy } from './retry';

export interface OpenConsdbOptions {
  /** The RSP token for the HTTP API. */
  token: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** The HTTP API's row cap (tests lower it). */
  rowLimit?: number;
}

/** The access path an endpoint names: `http(s)://…` the HTTP API, `postgres(ql)://…` the database. */
export function openConsdb(endpoint: string, options: OpenConsdbOptions): ConsdbConnection {
  const scheme = endpoint.slice(0, endpoint.indexOf(':')).toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    return new HttpConsdb({ baseUrl: endpoint, token: options.token, timeoutMs: options.timeoutMs, retry: options.retry, rowLimit: options.rowLimit });
  }
  if (scheme === 'postgresql' || scheme === 'postgres') return new PostgresConsdb({ url: endpoint, timeoutMs: options.timeoutMs, retry: options.retry });
  throw new TypeError(`a ConsDB endpoint is an http(s):// URL of its API or a postgresql:// URL of its database, not ${JSON.stringify(endpoint)}`);
}
