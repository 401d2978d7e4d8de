/**
 * ConsDB's HTTP API for tests, served by node:http in front of a real PostgreSQL database and
 * following pqserver's documented contract: `POST <prefix>/query` with `{"query": …}` runs
 * the SQL in a transaction (committed unless `?commit=0`) and answers
 * `{"columns": […], "data": […]}`, silently truncated at `rowLimit` rows; SQL errors are HTTP
 * 500 `{"message": …}`; a body without `query` is 422 `{"detail": […]}`. In front of it, as
 * Gafaelfawr does, a request without the token (Basic auth with the token as user or password,
 * or a Bearer token) is 401 and one with a token lacking the scope is 403.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool, types } from 'pg';

export interface TestConsdbServerOptions {
  databaseUrl: string;
  /** The token that is let through. */
  token: string;
  /** A token that is known but lacks `read:image` (403). */
  tokenWithoutScope?: string;
  /** pqserver's max_rows (1,000,000); tests lower it. */
  rowLimit?: number;
  /** URL prefix, `/consdb` as at USDF. */
  prefix?: string;
}

export interface TestConsdbServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT/consdb`. */
  url: string;
  /** Every SQL text received, in order (to check paging). */
  readonly queries: string[];
  /** Makes the next `count` queries fail as an idle connection does (500 OperationalError). */
  failNext(count: number): void;
  /** Delays every answer (to test timeouts). */
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

const TYPE_PARSERS: Record<number, (value: string) => unknown> = {
  20: Number,
  1700: Number,
  1114: (value) => value.replace(' ', 'T'),
};

export async function startTestConsdbServer(options: TestConsdbServerOptions): Promise<TestConsdbServer> {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: 4,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => TYPE_PARSERS[oid] ?? types.getTypeParser(oid, format)) as typeof types.getTypeParser },
  });
  // pool.end() does not wait for its idle connections' sockets to close: one still closing when the
  // test stops PostgreSQL gets "terminating connection", which without a listener crashes the suite.
  pool.on('error', () => undefined);
  const prefix = options.prefix ?? '/consdb';
  const rowLimit = options.rowLimit ?? 1_000_000;
  const queries: string[] = [];
  let failures = 0;
  let delayMs = 0;

  const server = http.createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const url = new URL(request.url ?? '/', 'http://localhost');
        const token = tokenOf(request.headers.authorization);
        if (token !== options.token && token !== options.tokenWithoutScope) {
          response.writeHead(401, { 'www-authenticate': 'Bearer realm="testconsdb"', 'content-type': 'text/plain' });
          response.end('Authentication required');
          return;
        }
        if (token === options.tokenWithoutScope) {
          response.writeHead(403, { 'content-type': 'text/plain' });
          response.end('Token does not have required scope read:image');
          return;
        }
        if (request.method !== 'POST' || url.pathname !== `${prefix}/query`) return send(404, { detail: 'Not Found' });
        let sql: unknown;
        try {
          sql = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: unknown }).query;
        } catch {
          sql = undefined;
        }
        if (typeof sql !== 'string') return send(422, { detail: [{ type: 'missing', loc: ['body', 'query'], msg: 'Field required' }] });
        queries.push(sql);
        if (failures > 0) {
          failures -= 1;
          return send(500, { message: '(psycopg2.OperationalError) server closed the connection unexpectedly' });
        }
        const client = await pool.connect();
        try {
          await client.query("BEGIN; SET LOCAL statement_timeout = '600s'");
          const result = await client.query({ text: sql, rowMode: 'array' });
          await client.query(url.searchParams.get('commit') === '0' ? 'ROLLBACK' : 'COMMIT');
          const rows = (result.rows as unknown[][]).slice(0, rowLimit);
          if (!result.fields?.length) return send(200, { columns: ['commit'], data: [[url.searchParams.get('commit') !== '0']] });
          return send(200, { columns: result.fields.map((field) => field.name), data: rows.map((row) => row.map(jsonValue)) });
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          return send(500, { message: `(psycopg2.errors.${(error as { code?: string }).code ?? 'Error'}) ${(error as Error).message}` });
        } finally {
          client.release();
        }
      })().catch((error: Error) => send(500, { message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    queries,
    failNext: (count) => (failures = count),
    setDelayMs: (ms) => (delayMs = ms),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** The token of a Basic (in either field) or Bearer Authorization header, as Gafaelfawr accepts. */
function tokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const [user, password = ''] = Buffer.from(value, 'base64').toString('utf8').split(':', 2);
  return user.startsWith('gt-') ? user : password;
}

/** FastAPI's JSON: NaN has no JSON form and arrives as null. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
