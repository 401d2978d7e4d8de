import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { isTelescope, TELESCOPES } from '@visitsarch/validation';
import { GrpcError, invalidArgument, processGauge } from '@visitsarch/grpc-server';
import { finalize, from, map, mergeMap, Observable } from 'rxjs';
import { ArchiveDatabase, READS_TIMEOUT_MS } from '../database/archive-database';
import { isoInstant, optionalDayObs, requireDayObs, requireText } from '../common/validation';
import { coversNights, KIND_OF_ROW, kindOfProto, sequencesFrom } from '../visit-sequences/visit-sequence-row';
import { SqlStreamItem, streamSql } from './sql-stream';

export const QUERY_LIMITS = Symbol('QUERY_LIMITS');

export interface QueryLimits {
  /** The most rows a Query may return. */
  maxRows: number;
  /** The statement timeout of a Query that asks for none, in seconds (QUERY_DEFAULT_TIMEOUT_S, at most maxTimeoutSeconds). */
  defaultTimeoutSeconds: number;
  /** The longest statement timeout a Query may ask for, in seconds. */
  maxTimeoutSeconds: number;
  /** How many Query calls may run at once. */
  maxConcurrent: number;
}

const DEFAULT_MAX_ROWS = 1_000_000;

/** Statements that write or change state, refused before they reach PostgreSQL (which would refuse them too). */
const WRITING_COMMANDS = new Set([
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'TRUNCATE', 'COPY', 'CREATE', 'DROP', 'ALTER', 'GRANT', 'REVOKE', 'COMMENT', 'SET', 'RESET',
  'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'PREPARE', 'EXECUTE', 'DEALLOCATE', 'DO', 'CALL', 'LOCK',
  'VACUUM', 'ANALYZE', 'CLUSTER', 'REINDEX', 'REFRESH', 'LISTEN', 'NOTIFY', 'UNLISTEN', 'LOAD', 'DISCARD', 'SECURITY', 'IMPORT', 'CHECKPOINT',
  'REASSIGN',
]);

/** The columns QueryNight can return, as SQL over the sequence join (docs/data-model.md lists them). */
const NIGHT_COLUMNS: Record<string, string> = {
  visitseq_uuid: 'v.visitseq_uuid',
  visitseq_sha256: 'v.visitseq_sha256',
  visitseq_label: 'v.visitseq_label',
  visitseq_url: 'v.visitseq_url',
  telescope: 'v.telescope',
  first_day_obs: 'v.first_day_obs',
  last_day_obs: 'v.last_day_obs',
  creation_time: 'v.creation_time',
  kind: `NULLIF(${KIND_OF_ROW}, 'visitseq')`,
  scheduler_version: 's.scheduler_version',
  config_url: 's.config_url',
  sim_runner_args: 's.sim_runner_args',
  conda_env_sha256: 's.conda_env_sha256',
  parent_visitseq_uuid: 's.parent_visitseq_uuid',
  parent_last_day_obs: 's.parent_last_day_obs',
  query: 'c.query',
  last_early_day_obs: 'm.last_early_day_obs',
  first_late_day_obs: 'm.first_late_day_obs',
  early_parent_uuid: 'm.early_parent_uuid',
  late_parent_uuid: 'm.late_parent_uuid',
  tags: `COALESCE((SELECT jsonb_agg(t.tag ORDER BY t.tag) FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid), '[]'::jsonb)`,
  comments: `COALESCE((SELECT jsonb_agg(jsonb_build_object(
      'comment_time', to_char(c2.comment_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'author', c2.author, 'comment', c2.comment)
      ORDER BY c2.comment_time, c2.comment_id) FROM comments c2 WHERE c2.visitseq_uuid = v.visitseq_uuid), '[]'::jsonb)`,
  files: `COALESCE((SELECT jsonb_object_agg(f.file_type, f.file_url) FROM files f WHERE f.visitseq_uuid = v.visitseq_uuid), '{}'::jsonb)`,
};
const NIGHT_ALIASES: Record<string, string> = { id: 'visitseq_uuid', uuid: 'visitseq_uuid', label: 'visitseq_label', url: 'visitseq_url' };
const NIGHT_DEFAULT_COLUMNS = ['visitseq_uuid', 'visitseq_label', 'kind', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time', 'visitseq_url'];
/** The spec's query_night returns the requested columns "plus tags and comments". */
const NIGHT_ALWAYS_COLUMNS = ['tags', 'comments'];

const STAT_VALUES = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'];

@Injectable()
export class QueriesService {
  private running = 0;
  /** `running` in the metrics, summed over the process (docs/operations.md, "Metrics"). */
  private readonly runningGauge = processGauge('visitsarch_free_sql_running', 'Query (free SQL) calls running; more than visitsarch_free_sql_max_concurrent are refused (RESOURCE_EXHAUSTED)');

  constructor(
    private readonly database: ArchiveDatabase,
    @Inject(QUERY_LIMITS) private readonly limits: QueryLimits,
  ) {
    processGauge('visitsarch_free_sql_max_concurrent', 'QUERY_MAX_CONCURRENT: how many Query calls may run at once').set(limits.maxConcurrent);
  }

  query(request: metadataV1.QueryRequest): Observable<metadataV1.QueryResponse> {
    const sql = requireText(request.sql?.trim(), 'sql').replace(/;\s*$/, '');
    const command = leadingKeyword(sql);
    if (WRITING_COMMANDS.has(command)) {
      throw new GrpcError(status.PERMISSION_DENIED, `Query runs read-only statements only (a SELECT, TABLE, VALUES or WITH query), not ${command}`, {
        reason: 'QUERY_NOT_READ_ONLY',
      });
    }
    if ((request.maxRows ?? 0) < 0) throw invalidArgument('max_rows must not be negative', 'max_rows');
    const maxRows = Math.min(request.maxRows || DEFAULT_MAX_ROWS, this.limits.maxRows);
    const requestedSeconds = (request.timeout?.seconds ?? 0) + (request.timeout?.nanos ?? 0) / 1e9;
    if (requestedSeconds < 0) throw invalidArgument('timeout must not be negative', 'timeout');
    const timeoutMs = Math.round(Math.min(requestedSeconds || this.limits.defaultTimeoutSeconds, this.limits.maxTimeoutSeconds) * 1000);
    if (this.running >= this.limits.maxConcurrent) {
      throw new GrpcError(status.RESOURCE_EXHAUSTED, `${this.running} queries are already running; retry later`, { reason: 'TOO_MANY_QUERIES' });
    }
    this.running++;
    this.runningGauge.inc();
    return streamSql(this.database, { sql, maxRows, timeoutMs }).pipe(
      map((item) => (item.done ? { chunk: item.chunk, truncated: item.truncated, totalRows: item.totalRows } : { chunk: item.chunk, truncated: false, totalRows: 0 })),
      finalize(() => {
        this.running--;
        this.runningGauge.dec();
      }),
    );
  }

  queryNight(request: metadataV1.QueryNightRequest): Observable<metadataV1.QueryNightResponse> {
    return this.nightStream(request.telescope, queryNightStatement(request));
  }

  prenightSims(request: metadataV1.PrenightSimsRequest): Observable<metadataV1.PrenightSimsResponse> {
    return this.nightStream(request.telescope, prenightSimsStatement(request));
  }

  /** A night query's table, once its telescope is known (checkTelescope). */
  private nightStream(telescope: string, { sql, params }: Statement) {
    return from(this.checkTelescope(telescope)).pipe(mergeMap(() => this.tableStream(sql, params)));
  }

  /**
   * INVALID_ARGUMENT for a telescope that is neither one of TELESCOPES nor that of any recorded
   * sequence (imported ones keep the upstream's): a typo ("Simonyi", "lsst") would otherwise look
   * like a night without simulations. Known telescopes cost no statement.
   */
  private async checkTelescope(telescope: string): Promise<void> {
    if (isTelescope(telescope)) return;
    const [{ recorded }] = await this.database.rows<{ recorded: boolean }>('SELECT EXISTS (SELECT 1 FROM visitseq WHERE telescope = $1) AS recorded', [telescope]);
    if (!recorded) {
      throw invalidArgument(`telescope must be one of ${TELESCOPES.join(', ')} (no visit sequence is recorded for ${JSON.stringify(telescope)})`, 'telescope', 'UNKNOWN_TELESCOPE');
    }
  }

  /** Streams a query of ours (not a client's) as Arrow, with totals in the last message. */
  private tableStream(sql: string, params: unknown[]): Observable<{ chunk: { ipcBytes: Uint8Array; rowCount: number }; totalRows: number }> {
    // On the `reads` pool: clients' free SQL, however slow, never delays query_night or prenight_sims.
    // Without a cursor: one round trip for a result of at most the sequences covering a night.
    return streamSql(this.database, { sql, params, maxRows: Number.MAX_SAFE_INTEGER, timeoutMs: READS_TIMEOUT_MS, pool: 'reads', cursor: false }).pipe(
      map((item: SqlStreamItem) => ({ chunk: item.chunk, totalRows: item.done ? item.totalRows : 0 })),
    );
  }
}

/** A statement of ours and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * The statement QueryNight runs: the sequences of a telescope covering every night from
 * first_day_obs through last_day_obs, found through the covered-nights indexes (coversNights),
 * newest first. Exported for the test of its plan (query-plans.spec.ts).
 */
export function queryNightStatement(request: metadataV1.QueryNightRequest): Statement {
  const first = requireDayObs(request.firstDayObs, 'first_day_obs');
  const last = optionalDayObs(request.lastDayObs, 'last_day_obs') ?? first;
  if (last < first) throw invalidArgument('last_day_obs is earlier than first_day_obs', 'last_day_obs');
  const telescope = requireText(request.telescope, 'telescope');
  const kind = request.kind ? kindOfProto(request.kind) : undefined;
  if (request.kind && !kind) throw invalidArgument(`kind ${request.kind} is not a visit sequence kind`, 'kind');
  const chosen = request.columns?.length ? request.columns : NIGHT_DEFAULT_COLUMNS;
  const requested = [...chosen, ...NIGHT_ALWAYS_COLUMNS.filter((name) => !chosen.includes(name))];
  const seen = new Set<string>();
  const select = requested.map((name, index) => {
    const expression = NIGHT_COLUMNS[NIGHT_ALIASES[name] ?? name];
    if (!expression) throw invalidArgument(`columns[${index}]: unknown column ${JSON.stringify(name)}; available: ${[...Object.keys(NIGHT_COLUMNS), ...Object.keys(NIGHT_ALIASES)].join(', ')}`, `columns[${index}]`);
    if (seen.has(name)) throw invalidArgument(`columns[${index}]: ${name} is requested twice`, `columns[${index}]`);
    seen.add(name);
    return `${expression} AS "${name}"`;
  });
  const params: unknown[] = [telescope, first, last];
  const where = ['v.telescope = $1', coversNights('$2::date', '$3::date')];
  const earliest = isoInstant(request.earliestCreationTime ?? undefined);
  if (earliest) where.push(`v.creation_time >= $${params.push(earliest)}::timestamptz`);
  // Only when asked: a condition that holds anyway still costs a lookup per sequence of the night.
  if (request.tags?.length) where.push(`$${params.push(request.tags)}::text[] <@ ARRAY(SELECT t.tag FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid)`);
  const sql = `SELECT ${select.join(', ')} FROM ${sequencesFrom(kind)}
    WHERE ${where.join(' AND ')}
    ORDER BY v.creation_time DESC, v.visitseq_uuid`;
  return { sql, params };
}

/** The statement PrenightSims runs (see queryNightStatement). */
export function prenightSimsStatement(request: metadataV1.PrenightSimsRequest): Statement {
  const dayObs = requireDayObs(request.dayObs, 'day_obs');
  const telescope = requireText(request.telescope, 'telescope');
  const tags = request.tags?.length ? request.tags : ['prenight'];
  const stat = (name: string) => (name === 'count' ? 'n.count' : `NULLIF(n.${name}, 'NaN') AS ${name}`);
  // The night's statistics as JSON text made by row_to_json, keys in the columns' order: half the
  // work of jsonb_build_object, whose every number is converted to numeric (16 objects a simulation).
  const sql = `SELECT s.visitseq_uuid, s.visitseq_label, s.telescope, s.creation_time, s.parent_last_day_obs, s.visitseq_url,
      (SELECT f.file_url FROM files f WHERE f.visitseq_uuid = s.visitseq_uuid AND f.file_type = 'rewards') AS rewards_url,
      COALESCE((SELECT jsonb_agg(t.tag ORDER BY t.tag) FROM tags t WHERE t.visitseq_uuid = s.visitseq_uuid), '[]'::jsonb) AS tags,
      COALESCE((SELECT '[' || string_agg(row_to_json(n)::text, ', ' ORDER BY n.value_name, n.accumulated) || ']'
                FROM (SELECT n.value_name, n.accumulated, ${STAT_VALUES.map(stat).join(', ')}
                      FROM nightly_stats n WHERE n.visitseq_uuid = s.visitseq_uuid AND n.day_obs = $2::date) AS n), '[]') AS nightly_stats
    FROM simulations s
    WHERE s.telescope = $1 AND ${coversNights('$2::date', '$2::date', 's')}
      AND $3::text[] <@ ARRAY(SELECT t.tag FROM tags t WHERE t.visitseq_uuid = s.visitseq_uuid)
      AND ($4::timestamptz IS NULL OR s.creation_time >= $4::timestamptz)
    ORDER BY s.creation_time DESC, s.visitseq_uuid`;
  return { sql, params: [telescope, dayObs, tags, isoInstant(request.earliestCreationTime ?? undefined) ?? null] };
}

/** The first keyword of a statement, after whitespace, comments and opening parentheses. */
export function leadingKeyword(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.replace(/^[\s(]+/, '');
    if (trimmed.startsWith('--')) rest = trimmed.replace(/^--[^\n]*(\n|$)/, '');
    else if (trimmed.startsWith('/*')) rest = trimmed.replace(/^\/\*[\s\S]*?(\*\/|$)/, '');
    else return (/^[A-Za-z_]+/.exec(trimmed)?.[0] ?? '').toUpperCase();
  }
}
