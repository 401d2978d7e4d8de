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
}

/** What the stream yields: Arrow chunks, then one last item with the totals. */
export type SqlStreamItem = { chunk: IpcChunk } | { done: true; truncated: boolean; totalRows: number };

const FETCH_ROWS = 1000;
const CURSOR = 'visitsarch_result';
const textValues = { getTypeParser: () => (value: string) => value };

/**
 * Runs one statement as the least-privilege Query role, in a READ ONLY transaction with a statement
 * timeout, through a cursor so that rows are fetched, encoded and sent a batch at a time. DECLARE CURSOR
 * accepts only a SELECT or VALUES query (and rejects data-modifying WITH clauses), and the extended
 * protocol rejects a second statement, so the SQL cannot escape into another command. A timer cancels
 * the backend if the statement outlives its timeout anyway (a query may raise its own statement_timeout
 * with set_config), and unsubscribing (the client cancelled) cancels it too.
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
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.timeoutMs))}`);
        await client.query('SET LOCAL search_path = visitsarch');
        await client.query({ text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${options.sql}`, values: options.params ?? [], queryMode: 'extended' } as any);
        let encoder: ArrowStreamEncoder | undefined;
        let sent = 0;
        let truncated = false;
        while (!stopped) {
          const want = Math.min(FETCH_ROWS, options.maxRows + 1 - sent);
          const result = await client.query({ text: `FETCH FORWARD ${want} FROM ${CURSOR}`, rowMode: 'array', types: textValues });
          encoder ??= new ArrowStreamEncoder(result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })));
          let rows = result.rows as TextRow[];
          if (sent + rows.length > options.maxRows) {
            truncated = true;
            rows = rows.slice(0, options.maxRows - sent);
          }
          sent += rows.length;
          for (const chunk of encoder.add(rows)) subscriber.next({ chunk });
          if (truncated || result.rows.length < want) break;
        }
        if (stopped || !encoder) return;
        for (const chunk of encoder.finish()) subscriber.next({ chunk });
        subscriber.next({ done: true, truncated, totalRows: sent });
        finished = true;
        subscriber.complete();
      } catch (error) {
        broken = error as Error;
        finished = true;
        if (!stopped) subscriber.error(translate(error, timedOut, options.timeoutMs));
      } finally {
        clearTimeout(timer);
        await client.query('ROLLBACK').catch((error: Error) => (broken = error));
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
