/** What both ways of reaching ConsDB (its HTTP API, or PostgreSQL directly) look like. */

/** A query's answer as ConsDB's HTTP API gives it: column names and rows of JSON values. */
export interface ConsdbResult {
  columns: string[];
  rows: unknown[][];
}

export interface ConsdbConnection {
  /** Where it talks to, for messages (never with credentials). */
  readonly description: string;
  /** The most rows one query can return before being silently truncated (Infinity if none). */
  readonly rowLimit: number;
  query(sql: string, signal?: AbortSignal): Promise<ConsdbResult>;
  close(): Promise<void>;
}

/**
 * Why a ConsDB call failed, which decides the gRPC status the service answers with:
 * - `rejected`: ConsDB refused the query itself (SQL error, unknown column…); retrying is useless;
 * - `unavailable`: ConsDB could not be reached or failed transiently (after our retries);
 * - `unauthorized`: the token (or database credentials) were refused;
 * - `truncated`: one night alone has more rows than ConsDB returns from one query;
 * - `timeout`: ConsDB did not answer in time.
 */
export type ConsdbFailure = 'rejected' | 'unavailable' | 'unauthorized' | 'truncated' | 'timeout';

export class ConsdbError extends Error {
  constructor(
    readonly failure: ConsdbFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ConsdbError';
  }
}
