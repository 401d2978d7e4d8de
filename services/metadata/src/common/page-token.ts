import { createHash } from 'node:crypto';
import { invalidArgument } from '@visitsarch/grpc-server';

/**
 * Opaque AIP-158 page tokens. A token holds the sort key of the last row sent (keyset pagination, so
 * concurrent inserts never shift or repeat rows) and a digest of the request's other fields, so a token
 * presented with different filters is refused instead of silently paging through another result.
 */
export function encodePageToken(request: object, after: unknown[]): string {
  return Buffer.from(JSON.stringify({ f: filterDigest(request), a: after })).toString('base64url');
}

/**
 * The key after which the page starts, or undefined for the first page; with `keyLength`, a
 * token whose key has another number of columns is refused.
 */
export function decodePageToken(token: string | undefined, request: object, keyLength?: number): unknown[] | undefined {
  if (!token) return undefined;
  let parsed: { f?: unknown; a?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument('page_token is not a token this service issued', 'page_token');
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.a) || typeof parsed.f !== 'string') {
    throw invalidArgument('page_token is not a token this service issued', 'page_token');
  }
  if (parsed.f !== filterDigest(request)) {
    throw invalidArgument('page_token belongs to a request with other filters; the fields other than page_size must not change between pages', 'page_token');
  }
  if (keyLength !== undefined && parsed.a.length !== keyLength) throw invalidArgument('page_token is not a token this service issued', 'page_token');
  return parsed.a;
}

/**
 * A page of a keyset-paged read that asked for `size + 1` rows: the first `size` rows, and the
 * token of the next page (the sort key of the last row sent), empty when none is left.
 */
export function keysetPage<Row>(rows: Row[], size: number, request: object, keyOf: (last: Row) => unknown[]): { page: Row[]; nextPageToken: string } {
  const page = rows.slice(0, size);
  return { page, nextPageToken: rows.length > size ? encodePageToken(request, keyOf(page[page.length - 1])) : '' };
}

function filterDigest(request: object): string {
  const filters = Object.fromEntries(
    Object.entries(request)
      .filter(([key]) => key !== 'pageToken' && key !== 'pageSize')
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(JSON.stringify(filters, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value))).digest('base64url').slice(0, 22);
}
