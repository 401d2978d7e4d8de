import * as diagnostics from 'node:diagnostics_channel';
import * as pg from 'pg';

/**
 * Timing of every PostgreSQL statement a process runs, and the pools it runs them on, for the
 * service's metrics (libs/grpc-server's metrics.ts subscribes to these channels by name, and
 * turns them into `visitsarch_db_query_duration_seconds` and the `visitsarch_db_pool_*` gauges).
 *
 * The one seam every statement passes is `pg`'s `Client#query`: TypeORM's pool, our own pools,
 * single clients and `Pool#query` all end there. `instrumentPostgres` wraps it, and `Pool#connect`
 * (to learn each pool and which connections it hands out), once per process. Nothing is measured
 * or published while nobody subscribes.
 */

/** `{ pool, operation, seconds, error }` per statement, once it settles (DbQueryEvent). */
export const DB_QUERY_CHANNEL = 'visitsarch:db:query';
/** `{ pool, name }` each time a pool hands out a connection (DbPoolEvent): the subscriber reads its counts when it likes. */
export const DB_POOL_CHANNEL = 'visitsarch:db:pool';

export interface DbQueryEvent {
  /** The pool's name (nameDbPool), else its login role; `direct` for a client of no pool. */
  pool: string;
  /** The statement's SQL command (SELECT, INSERT, BEGIN, FETCH…), OTHER for any other. */
  operation: string;
  seconds: number;
  error: boolean;
}

export interface DbPoolEvent {
  pool: pg.Pool;
  name: string;
}

const queryChannel = diagnostics.channel(DB_QUERY_CHANNEL);
const poolChannel = diagnostics.channel(DB_POOL_CHANNEL);

/** The commands a label may name: a bounded set, whatever SQL clients send (free SQL). */
const COMMANDS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'WITH', 'VALUES', 'TABLE', 'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE',
  'SET', 'RESET', 'SHOW', 'DECLARE', 'FETCH', 'MOVE', 'CLOSE', 'CREATE', 'ALTER', 'DROP', 'GRANT', 'REVOKE', 'COMMENT', 'LOCK', 'TRUNCATE', 'COPY',
  'ANALYZE', 'VACUUM', 'EXPLAIN', 'DO', 'CALL',
]);

/** The SQL command a statement starts with (after blanks, comments and opening parentheses). */
export function sqlCommandOf(text: unknown): string {
  if (typeof text !== 'string') return 'OTHER';
  const word = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(text.slice(0, 2000))?.[1]?.toUpperCase();
  return word && COMMANDS.has(word) ? word : 'OTHER';
}

const poolNames = new WeakMap<object, string>();
const watchedPools = new WeakSet<object>();
const clientPools = new WeakMap<object, string>();
let installed = false;

/** Names a pool in the metrics (call it before its first connection); unnamed pools go by their login role. */
export function nameDbPool<P extends pg.Pool>(pool: P, name: string): P {
  poolNames.set(pool, name);
  return pool;
}

function poolName(pool: pg.Pool): string {
  const named = poolNames.get(pool);
  if (named) return named;
  const options = (pool as unknown as { options?: { user?: string; connectionString?: string } }).options ?? {};
  let role = options.user;
  if (!role && options.connectionString) {
    try {
      role = decodeURIComponent(new URL(options.connectionString).username);
    } catch {
      role = undefined;
    }
  }
  return role || 'default';
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

/** Times every statement of every `pg` client of this process from now on (idempotent). */
export function instrumentPostgres(): void {
  if (installed) return;
  installed = true;

  // pg.Pool is pg's BoundPool, a subclass of pg-pool's Pool, which holds `connect` (Pool#query uses it too).
  const poolClass = Object.getPrototypeOf(pg.Pool) as { prototype: { connect: (...args: unknown[]) => unknown } };
  const connect = poolClass.prototype.connect;
  poolClass.prototype.connect = function (this: pg.Pool, ...args: unknown[]) {
    if (!watchedPools.has(this)) {
      watchedPools.add(this);
      const name = poolName(this);
      this.on('connect', (client) => clientPools.set(client, name));
    }
    if (poolChannel.hasSubscribers) {
      const event: DbPoolEvent = { pool: this, name: poolName(this) };
      poolChannel.publish(event);
    }
    return connect.apply(this, args);
  };

  const clientPrototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = clientPrototype.query;
  clientPrototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config] = args as [{ submit?: unknown; text?: unknown } | string | undefined];
    // Submittables (cursors, streams) settle by their own events: passed on untimed.
    if (!queryChannel.hasSubscribers || config === null || config === undefined || (typeof config === 'object' && typeof config.submit === 'function')) {
      return query.apply(this, args);
    }
    const started = process.hrtime.bigint();
    const pool = clientPools.get(this) ?? 'direct';
    const operation = sqlCommandOf(typeof config === 'string' ? config : config.text);
    const publish = (error: boolean) => {
      const event: DbQueryEvent = { pool, operation, seconds: Number(process.hrtime.bigint() - started) / 1e9, error };
      queryChannel.publish(event);
    };
    const callbackAt = typeof args[1] === 'function' ? 1 : typeof args[2] === 'function' ? 2 : -1;
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (error: unknown, result: unknown) => void;
      args[callbackAt] = (error: unknown, result: unknown) => {
        publish(!!error);
        callback(error, result);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (isPromise(result)) {
      result.then(
        () => publish(false),
        () => publish(true),
      );
    }
    return result;
  };
}
