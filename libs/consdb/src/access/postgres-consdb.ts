/**
 * ConsDB reached directly as the PostgreSQL database it is (`postgresql://…`), for services
 * running next to it. Values are decoded to what the HTTP API would send, so both paths feed
 * the same conversion: BIGINT as a number (visit_id ≈ 2e12 < 2^53), TIMESTAMP as ISO text
 * without a zone (ConsDB's timestamps are TAI: reading them as local or UTC instants would
 * be wrong). Queries run in a READ ONLY transaction with pqserver's 600 s statement timeout.
 */
import { Client, types } from 'pg';
import { ConsdbConnection, ConsdbError, ConsdbResult } from './consdb-connection';
import { DEFAULT_RETRY, RetryPolicy, withRetries } from './retry';

const TYPE_PARSERS: Record<number, (value: string) => unknown> = {
  20: (value) => Number(value), // int8
  1700: (value) => Number(value), // numeric
  1114: (value) => value.replace(' ', 'T'), // timestamp without time zone: keep TAI text
  1184: (value) => value.replace(' ', 'T'), // timestamptz (not in ConsDB's schema; kept as text too)
};

export interface PostgresConsdbOptions {
  url: string;
  /** Statement timeout; pqserver's is 600 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
}

export class PostgresConsdb implements ConsdbConnection {
  readonly description: string;
  readonly rowLimit = Infinity;

  constructor(private readonly options: PostgresConsdbOptions) {
    const url = new URL(options.url);
    this.description = `ConsDB database ${url.hostname}:${url.port || 5432}${url.pathname}`;
  }

  query(sql: string, signal?: AbortSignal): Promise<ConsdbResult> {
    return withRetries(this.options.retry ?? DEFAULT_RETRY, () => this.attempt(sql, signal), signal);
  }

  async close(): Promise<void> {
    // one client per query: nothing held between calls
  }

  private async attempt(sql: string, signal?: AbortSignal): Promise<ConsdbResult> {
    const timeoutMs = this.options.timeoutMs ?? 600_000;
    const client = new Client({
      connectionString: this.options.url,
      statement_timeout: timeoutMs,
      connectionTimeoutMillis: 30_000,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => TYPE_PARSERS[oid] ?? types.getTypeParser(oid, format)) as typeof types.getTypeParser },
    });
    const onAbort = () => void client.end().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      await client.query('BEGIN READ ONLY');
      const result = await client.query({ text: sql, rowMode: 'array' });
      await client.query('ROLLBACK');
      return { columns: result.fields.map((field) => field.name), rows: result.rows as unknown[][] };
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.failureOf(error, timeoutMs);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => undefined);
    }
  }

  /** SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention, 28 authorization. */
  private failureOf(error: unknown, timeoutMs: number): ConsdbError {
    const { code, message } = error as { code?: string; message: string };
    if (code === '57014') return new ConsdbError('timeout', `${this.description} did not answer within ${timeoutMs / 1000} s`);
    if (code?.startsWith('28')) return new ConsdbError('unauthorized', `${this.description} refused the credentials: ${message}`);
    if (!code || /^(08|53|57|58|40)/.test(code) || code.length !== 5 || /^E[A-Z]/.test(code)) {
      return new ConsdbError('unavailable', `cannot query ${this.description}: ${message || code}`);
    }
    return new ConsdbError('rejected', `${this.description} rejected the query: ${message}`);
  }
}
