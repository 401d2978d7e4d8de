/**
 * ConsDB's HTTP API ("pqserver"): `POST <base>/query` with `{"query": sql}`, answered with
 * `{"columns": [...], "data": [[...], ...]}`. It runs behind the RSP's Gafaelfawr ingress,
 * which takes the RSP token as HTTP Basic auth (user "user", password the token), the way
 * rubin_scheduler, schedview and rubin_nights send it.
 */
import { ConsdbConnection, ConsdbError, ConsdbResult } from './consdb-connection';
import { DEFAULT_RETRY, RetryPolicy, withRetries } from './retry';

/** pqserver's `max_rows`: rows past it are dropped without notice. */
export const CONSDB_API_ROW_LIMIT = 1_000_000;

export interface HttpConsdbOptions {
  /** Base URL, e.g. `https://usdf-rsp.slac.stanford.edu/consdb`. */
  baseUrl: string;
  /** The RSP token; empty sends no credentials (inside the cluster). */
  token: string;
  /** How long one HTTP request may take; pqserver's own statement timeout is 600 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  rowLimit?: number;
}

export class HttpConsdb implements ConsdbConnection {
  readonly description: string;
  readonly rowLimit: number;
  private readonly queryUrl: string;

  constructor(private readonly options: HttpConsdbOptions) {
    this.queryUrl = `${options.baseUrl.replace(/\/+$/, '')}/query`;
    this.description = `ConsDB at ${options.baseUrl}`;
    this.rowLimit = options.rowLimit ?? CONSDB_API_ROW_LIMIT;
  }

  query(sql: string, signal?: AbortSignal): Promise<ConsdbResult> {
    return withRetries(this.options.retry ?? DEFAULT_RETRY, () => this.attempt(sql, signal), signal);
  }

  async close(): Promise<void> {
    // fetch keeps no per-connection state to release
  }

  private async attempt(sql: string, signal?: AbortSignal): Promise<ConsdbResult> {
    const timeoutMs = this.options.timeoutMs ?? 600_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.token) headers.authorization = `Basic ${Buffer.from(`user:${this.options.token}`).toString('base64')}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.queryUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: sql }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) throw new ConsdbError('timeout', `${this.description} did not answer within ${timeoutMs / 1000} s`);
      if (signal?.aborted) throw error;
      throw new ConsdbError('unavailable', `cannot reach ${this.description}: ${causeOf(error)}`);
    }
    if (response.ok) return parseResult(text, this.description);
    throw failureOf(response.status, text, this.description);
  }
}

function parseResult(text: string, description: string): ConsdbResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConsdbError('unavailable', `${description} answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
  const { columns, data } = (body ?? {}) as { columns?: unknown; data?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(data)) throw new ConsdbError('unavailable', `${description} answered without "columns" and "data"`);
  return { columns: columns.map(String), rows: data as unknown[][] };
}

/** Maps an HTTP error to a failure kind, keeping ConsDB's own message. */
function failureOf(status: number, text: string, description: string): ConsdbError {
  const message = messageOf(text);
  if (status === 401) return new ConsdbError('unauthorized', `${description} refused the token (HTTP 401${message ? `: ${message}` : ''}); check ACCESS_TOKEN_FILE`);
  if (status === 403) return new ConsdbError('unauthorized', `${description} refused the token (HTTP 403${message ? `: ${message}` : ''}); it needs the read:image scope`);
  // pqserver reports every SQLAlchemy error as 500; an idle connection sometimes fails once
  // with OperationalError, which its clients retry.
  if (status === 500 && /OperationalError/.test(message)) return new ConsdbError('unavailable', `${description} failed transiently: ${message}`);
  if (status === 500 || status === 404 || status === 422 || status === 400) return new ConsdbError('rejected', `${description} rejected the query: ${message || `HTTP ${status}`}`);
  if (status === 502 || status === 503 || status === 504 || status === 429) return new ConsdbError('unavailable', `${description} is unavailable (HTTP ${status}${message ? `: ${message}` : ''})`);
  return new ConsdbError('unavailable', `${description} answered HTTP ${status}${message ? `: ${message}` : ''}`);
}

/** pqserver errors are `{"message": …}`; FastAPI validation errors are `{"detail": …}`. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; detail?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (body.detail !== undefined) return typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
  } catch {
    // not JSON: an ingress error page
  }
  return text.trim().slice(0, 500);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
