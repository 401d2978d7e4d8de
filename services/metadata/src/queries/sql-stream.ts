import { status } from '@grpc/grpc-js';
import { GrpcError, invalidArgument } from '@visitsarch/grpc-server';
import { Observable } from 'rxjs';
import { ArchiveDatabase, QueryPool } from '../database/archive-database';
import { isPgError } from '../common/database-errors';
import { ArrowStreamEncoder, IpcChunk, TextRow } from './arrow-encoder';

export interface SqlStreamOptions {
  sql: string;
  params?: unknown[];
  /** Rows beyond this are dropped and reported as truncation. */
  maxRows: number;
  timeoutMs: number;
  /** The pool to run on: clients' SQL on `free-sql` (the default), the archive's own reads on `reads`. */
  pool?: QueryPool;
  /**
   * Whether to read through a cursor, a batch at a time (the default, for clients' SQL, whose result
   * may be of any size), or run the statement as it is and take its rows at once: one round trip to
   * PostgreSQL instead of five, for the archive's own reads, whose results are bounded (the sequences
   * covering a night). Read-only and the statement timeout then come from the `reads` pool's session.
   */
  cursor?: boolean;
}

/**
 * What the stream yields: Arrow chunks, then one last item with the totals and the stream's last
 * chunk (so that a small result is one message: its schema, rows and end marker, and its totals).
 */
export type SqlStreamItem = { chunk: IpcChunk; done?: undefined } | { done: true; truncated: boolean; totalRows: number; chunk: IpcChunk };

const FETCH_ROWS = 1000;
const CURSOR = 'visitsarch_result';
const textValues = { getTypeParser: () => (value: string) => value };

/**
 * What starts the transaction a cursor runs in, in one round trip: read-only, the statement
 * timeout, the archive's schema, and cursor_tuple_fraction = 1. The cursor is read to its end (or
 * max_rows), so it is planned for every row, as a plain query is; at the default of 0.1 the planner
 * plans for the first tenth of the rows and prefers walking an index in ORDER BY order, reading
 * every sequence, over a selective index and a sort (queries/query-plans.spec.ts).
 */
export function cursorTransaction(timeoutMs: number): string {
  return (
    `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}; ` +
    'SET LOCAL search_path = visitsarch; SET LOCAL cursor_tuple_fraction = 1'
  );
}

/**
 * Runs one statement as the least-privilege Query role, in a READ ONLY transaction with a statement
 * timeout, through a cursor so that rows are fetched, encoded and sent a batch at a time. DECLARE CURSOR
 * accepts only a SELECT or VALUES query (and rejects data-modifying WITH clauses), and the extended
 * protocol rejects a second statement, so the SQL cannot escape into another command. A timer cancels
 * the backend if the statement outlives its timeout anyway (a query may raise its own statement_timeout
 * with set_config), and unsubscribing (the client cancelled) cancels it too. With `cursor: false` (the
 * archive's own statements only, never a client's) the statement runs as it is, in one round trip.
 */
export function streamSql(database: ArchiveDatabase, options: SqlStreamOptions): Observable<SqlStreamItem> {
  return new Observable<SqlStreamItem>((subscriber) => {
    let stopped = false;
    let finished = false;
    let timedOut = false;
    let backendPid: number | undefined;
    const cancel = () => {
      if (backendPid !== undefined) void database.cancelBackend(backendPid).catch(() => undefined);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      cancel();
    }, options.timeoutMs + 1000);

    void (async () => {
      const client = await database.queryConnection(options.pool);
      backendPid = (client as unknown as { processID?: number }).processID;
      let broken: Error | undefined;
      const cursor = options.cursor ?? true;
      try {
        let encoder: ArrowStreamEncoder | undefined;
        let sent = 0;
        let truncated = false;
        /** Encodes and sends rows of the result; whether the stream is complete. */
        const take = (fields: { name: string; dataTypeID: number }[], fetched: TextRow[]): boolean => {
          encoder ??= new ArrowStreamEncoder(fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })));
          let rows = fetched;
          if (sent + rows.length > options.maxRows) {
            truncated = true;
            rows = rows.slice(0, options.maxRows - sent);
          }
          sent += rows.length;
          for (const chunk of encoder.add(rows)) subscriber.next({ chunk });
          return truncated;
        };
        if (cursor) {
          await client.query(cursorTransaction(options.timeoutMs));
          await client.query({ text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${options.sql}`, values: options.params ?? [], queryMode: 'extended' } as any);
          while (!stopped) {
            const want = Math.min(FETCH_ROWS, options.maxRows + 1 - sent);
            const result = await client.query({ text: `FETCH FORWARD ${want} FROM ${CURSOR}`, rowMode: 'array', types: textValues });
            if (take(result.fields, result.rows as TextRow[]) || result.rows.length < want) break;
          }
        } else {
          const result = await client.query({ text: options.sql, values: options.params ?? [], rowMode: 'array', types: textValues, queryMode: 'extended' } as any);
          take(result.fields, result.rows as TextRow[]);
        }
        if (stopped || !encoder) return;
        const last = encoder.finish();
        for (const chunk of last.slice(0, -1)) subscriber.next({ chunk });
        subscriber.next({ done: true, truncated, totalRows: sent, chunk: last[last.length - 1] });
        finished = true;
        subscriber.complete();
      } catch (error) {
        broken = error as Error;
        finished = true;
        if (!stopped) subscriber.error(translate(error, timedOut, options.timeoutMs));
      } finally {
        clearTimeout(timer);
        if (cursor) await client.query('ROLLBACK').catch((error: Error) => (broken = error));
        client.release(broken && !isPgError(broken) ? broken : undefined);
      }
    })().catch((error) => {
      clearTimeout(timer);
      finished = true;
      if (!stopped) subscriber.error(error);
    });

    return () => {
      if (!finished) {
        stopped = true;
        clearTimeout(timer);
        cancel();
      }
    };
  });
}

/** PostgreSQL's verdict on a statement, as the contract's status codes. */
function translate(error: unknown, timedOut: boolean, timeoutMs: number): unknown {
  if (!isPgError(error)) return error;
  const code = error.code!;
  if (code === '57014' || timedOut) {
    return new GrpcError(status.DEADLINE_EXCEEDED, `the query ran longer than its timeout of ${timeoutMs / 1000} s and was cancelled`, { reason: 'QUERY_TIMEOUT' });
  }
  if (code === '25006' || code === '42501' || (code === '0A000' && /data-modifying/.test(error.message))) {
    return new GrpcError(status.PERMISSION_DENIED, `Query runs read-only statements only: ${error.message}`, { reason: 'QUERY_NOT_READ_ONLY' });
  }
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57')) {
    return new GrpcError(status.UNAVAILABLE, `the database cannot run the query now: ${error.message}`, { reason: 'DATABASE_UNAVAILABLE' });
  }
  return invalidArgument(error.message, 'sql', 'SQL_REJECTED');
}
