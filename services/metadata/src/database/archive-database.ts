import { createHash } from 'node:crypto';
import { Client, Pool, PoolClient, types as pgTypes } from 'pg';
import { parsePreciseInstant } from '@visitsarch/contracts';
import { nameDbPool } from '@visitsarch/db';
import { DataSource, QueryRunner } from 'typeorm';
import { ArchiveSchema1767225600000 } from '../schema/migrations/1767225600000-archive-schema';
import { AuditLog1796256000000 } from '../schema/migrations/1796256000000-audit-log';
import { ApiToken1796432400000 } from '../schema/migrations/1796432400000-api-token';
import { ensureQueryRole } from '../schema/query-role';
import { QueryIndexes1796518800000 } from '../schema/migrations/1796518800000-query-indexes';
import { RequestFingerprint1796605200000 } from '../schema/migrations/1796605200000-request-fingerprint';

/** The PostgreSQL schema holding the archive's tables and views. */
export const ARCHIVE_SCHEMA = 'visitsarch';

const DATE_OID = 1082;
const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const NUMERIC_OID = 1700;

/**
 * Type parsers for our connections: DATE stays `YYYY-MM-DD` text (pg's default makes a local-midnight
 * Date, which shifts with the process time zone), bigint/numeric become numbers (all ours are small), and
 * timestamptz keeps its microseconds.
 */
const archiveTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (value: string) => value;
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    // To the microsecond (pg's default parser keeps milliseconds): a PreciseDate, which the contracts carry whole.
    if (oid === TIMESTAMPTZ_OID) {
      const fallback = pgTypes.getTypeParser(oid, format) as (value: string) => unknown;
      return (value: string) => parsePreciseInstant(value) ?? fallback(value);
    }
    return pgTypes.getTypeParser(oid, format);
  },
};

/** Every session of ours runs at UTC, so that no text form of a time depends on the server's TimeZone. */
const SESSION_OPTIONS = `-c search_path=${ARCHIVE_SCHEMA} -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601`;

export interface ArchiveDatabaseOptions {
  /** The archive's database, as the service's own (owning) role. */
  url: string;
  /** Where Query connects; unset means the service provisions the `<database>_query` role itself. */
  queryUrl?: string;
  /** Maximum connections of the main pool. */
  poolSize?: number;
  /** Connections of the free-SQL pool (Query): its concurrency limit, QUERY_MAX_CONCURRENT. */
  freeSqlConnections?: number;
}

/**
 * The least-privilege pools: `free-sql` runs clients' own SQL (Query) and nothing else, so a
 * saturated free-SQL pool never delays `reads`, which runs the archive's own streamed reads
 * (QueryNight, PrenightSims) as the same read-only role.
 */
export type QueryPool = 'free-sql' | 'reads';

/** Connections of the pool of the archive's own streamed reads. */
const READS_POOL_CONNECTIONS = 4;

/** How long one of the archive's own reads (QueryNight, PrenightSims) may run. */
export const READS_TIMEOUT_MS = 60_000;

/**
 * The session of the `reads` pool: its statements run one at a time, outside a transaction block
 * (streamSql without a cursor), read-only and limited in time by the session itself. Without
 * parallel workers: each read visits a night's thousand sequences through an index in a few
 * milliseconds, less than starting workers takes, and concurrent calls are the parallelism.
 */
const READS_SESSION_OPTIONS = `${SESSION_OPTIONS} -c default_transaction_read_only=on -c statement_timeout=${READS_TIMEOUT_MS} -c max_parallel_workers_per_gather=0`;

/** A statement runner inside one transaction. */
export interface Tx {
  rows<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  one<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T | undefined>;
}

function txOf(runner: QueryRunner): Tx {
  const rows = async <T>(sql: string, params?: unknown[]) => (await runner.query(sql, params, true)).records as T[];
  return { rows, one: async <T>(sql: string, params?: unknown[]) => (await rows<T>(sql, params))[0] };
}

/**
 * The archive's database: a TypeORM DataSource that migrates the schema at start (never `synchronize`),
 * runs transactions for the feature services, and two pools of least-privilege connections (QueryPool).
 */
export class ArchiveDatabase {
  readonly dataSource: DataSource;
  private readonly queryPools = new Map<QueryPool, Pool>();

  constructor(private readonly options: ArchiveDatabaseOptions) {
    this.dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      schema: ARCHIVE_SCHEMA,
      migrationsTableName: 'schema_migrations',
      migrations: [ArchiveSchema1767225600000, AuditLog1796256000000, ApiToken1796432400000, QueryIndexes1796518800000, RequestFingerprint1796605200000],
      migrationsTransactionMode: 'all',
      migrationsRun: true,
      synchronize: false,
      logging: false,
      extra: { max: options.poolSize ?? 10, options: SESSION_OPTIONS, types: archiveTypes },
    });
  }

  /** Creates the schema if needed, applies pending migrations and prepares the Query role. */
  async start(): Promise<void> {
    // The migrations table lives in the archive's schema, so the schema must exist before TypeORM starts.
    const bootstrap = new Client({ connectionString: this.options.url });
    await bootstrap.connect().catch((error: Error) => {
      const { hostname, port, pathname } = new URL(this.options.url); // never its password
      throw new Error(`cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname} (DATABASE_URL): ${error.message}`, { cause: error });
    });
    try {
      // Serialises concurrent first starts of several replicas.
      await bootstrap.query('SELECT pg_advisory_lock(7265382)');
      await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${ARCHIVE_SCHEMA}`);
      await this.dataSource.initialize();
      await bootstrap.query('SELECT pg_advisory_unlock(7265382)');
    } finally {
      await bootstrap.end();
    }
    const connectionString = this.options.queryUrl ?? (await this.provisionQueryRole());
    for (const [name, max] of [['free-sql', this.options.freeSqlConnections ?? 8], ['reads', READS_POOL_CONNECTIONS]] as const) {
      const pool = new Pool({ connectionString, max, options: name === 'reads' ? READS_SESSION_OPTIONS : SESSION_OPTIONS, types: { getTypeParser: () => (value: string) => value } });
      pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
      this.queryPools.set(name, nameDbPool(pool, name)); // its own line in the pool metrics
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.queryPools.values()].map((pool) => pool.end()));
    this.queryPools.clear();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /** Runs `work` in one transaction (READ COMMITTED unless told otherwise), rolling back on any error. */
  async transaction<T>(work: (tx: Tx) => Promise<T>, isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE'): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction(isolation);
      const result = await work(txOf(runner));
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** One statement outside any explicit transaction. */
  rows<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.dataSource.query(sql, params);
  }

  /** A connection of the Query role from one of its pools; release it when done. Values arrive as PostgreSQL's text. */
  queryConnection(pool: QueryPool = 'free-sql'): Promise<PoolClient> {
    const chosen = this.queryPools.get(pool);
    if (!chosen) throw new Error('the archive database is not started');
    return chosen.connect();
  }

  /** Cancels the running statement of a backend (used when a Query outlives its timeout). */
  async cancelBackend(pid: number): Promise<void> {
    await this.dataSource.query('SELECT pg_cancel_backend($1)', [pid]);
  }

  /**
   * Makes the `<database>_query` role (schema/query-role.ts) a login with a password derived from
   * the service's own URL, so every replica derives the same one, and returns its URL.
   */
  private async provisionQueryRole(): Promise<string> {
    const [{ role }] = await this.dataSource.query(`SELECT current_database() || '_query' AS role`);
    const password = createHash('sha256').update(`visitsarch-query-role:${this.options.url}`).digest('hex');
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await ensureQueryRole((sql, params) => runner.query(sql, params), ARCHIVE_SCHEMA, role, password);
    } catch (error) {
      throw new Error(`cannot prepare the read-only Query role ${role}; set QUERY_DATABASE_URL to a read-only login instead: ${(error as Error).message}`, { cause: error });
    } finally {
      await runner.release();
    }
    const url = new URL(this.options.url);
    url.username = encodeURIComponent(role);
    url.password = password;
    return url.toString();
  }
}
