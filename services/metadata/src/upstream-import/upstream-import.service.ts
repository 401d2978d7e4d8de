import { Inject, Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { status } from '@grpc/grpc-js';
import { DsnError, DsnNotAllowedError, parsePostgresDsn, PostgresDsn, requireAllowedEndpoint } from '@visitsarch/db';
import { failedPrecondition, GrpcError, invalidArgument, unavailable } from '@visitsarch/grpc-server';
import { Client } from 'pg';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { isPgError } from '../common/database-errors';

const UPSTREAM_TABLES = ['visitseq', 'simulations', 'completed', 'mixedvisitseq', 'tags', 'comments', 'files', 'conda_env', 'nightly_stats'];
const BATCH_ROWS = 5000;

type Row = Record<string, any>;

/** How one upstream table maps onto ours. */
interface TablePlan {
  upstream: string;
  /** SELECT list over the upstream table `u` (dates as text so no time zone can shift them). */
  select: string;
  /** Upstream rows that cannot be stored here; they are counted as rejected. */
  valid(row: Row): boolean;
  /** A statement over the batch (JSON parameter $1) returning the copied count and the rows rejected for want of their sequence. */
  insert: string;
}

const SEQUENCE_SELECT = `u.visitseq_uuid::text, encode(u.visitseq_sha256, 'hex') AS visitseq_sha256, u.visitseq_label, u.visitseq_url, u.telescope,
  u.first_day_obs::text, u.last_day_obs::text, u.creation_time`;
const SEQUENCE_RECORD = `visitseq_uuid uuid, visitseq_sha256 text, visitseq_label text, visitseq_url text, telescope text, first_day_obs date, last_day_obs date, creation_time timestamptz`;
const SEQUENCE_COLUMNS = 'visitseq_uuid, visitseq_sha256, visitseq_label, visitseq_url, telescope, first_day_obs, last_day_obs, creation_time';
const SEQUENCE_VALUES = `x.visitseq_uuid, decode(x.visitseq_sha256, 'hex'), x.visitseq_label, x.visitseq_url, x.telescope, x.first_day_obs, x.last_day_obs, x.creation_time`;
const REGISTERED = 'EXISTS (SELECT 1 FROM visitseq_registry r WHERE r.visitseq_uuid = x.visitseq_uuid)';

/** Wraps an INSERT … FROM x so that it reports how many rows it copied and how many name no sequence here. */
function counted(source: string, insert: string, orphans = `(SELECT count(*) FROM x WHERE NOT ${REGISTERED})`): string {
  return `WITH x AS (SELECT * FROM ${source}), copied AS (${insert})
    SELECT (SELECT count(*) FROM copied)::int AS copied, ${orphans}::int AS orphaned`;
}

/** A UUID used by any kind here is skipped, whatever its table (UUIDs are unique across kinds). */
const NOT_REGISTERED = 'NOT EXISTS (SELECT 1 FROM visitseq_registry r WHERE r.visitseq_uuid = x.visitseq_uuid)';

function validSequence(row: Row): boolean {
  return (
    typeof row.visitseq_sha256 === 'string' && row.visitseq_sha256.length === 64 && !!row.visitseq_label && !!row.telescope &&
    !!row.first_day_obs && !!row.last_day_obs && row.first_day_obs <= row.last_day_obs && row.creation_time !== null
  );
}

function sequencePlan(upstream: string, table: string, extraSelect: string, extraRecord: string, extraColumns: string, extraValues: string, valid = validSequence, only = false): TablePlan {
  return {
    upstream,
    select: `SELECT ${SEQUENCE_SELECT}${extraSelect} FROM ${only ? 'ONLY ' : ''}%s.${upstream} u`,
    valid,
    insert: counted(
      `jsonb_to_recordset($1::jsonb) AS x(${SEQUENCE_RECORD}${extraRecord})`,
      `INSERT INTO ${table} (${SEQUENCE_COLUMNS}${extraColumns}) SELECT ${SEQUENCE_VALUES}${extraValues} FROM x WHERE ${NOT_REGISTERED} RETURNING 1`,
      '0',
    ),
  };
}

/** The import order: sequences before what hangs off them. */
const PLANS: TablePlan[] = [
  sequencePlan(
    'simulations',
    'simulations',
    `, u.scheduler_version, u.config_url, u.sim_runner_kwargs, encode(u.conda_env_sha256, 'hex') AS conda_env_sha256, u.parent_visitseq_uuid::text, u.parent_last_day_obs::text`,
    ', scheduler_version text, config_url text, sim_runner_kwargs jsonb, conda_env_sha256 text, parent_visitseq_uuid uuid, parent_last_day_obs date',
    ', scheduler_version, config_url, sim_runner_args, conda_env_sha256, parent_visitseq_uuid, parent_last_day_obs',
    `, x.scheduler_version, x.config_url, x.sim_runner_kwargs, decode(x.conda_env_sha256, 'hex'), x.parent_visitseq_uuid, x.parent_last_day_obs`,
    (row) => validSequence(row) && (row.conda_env_sha256 === null || row.conda_env_sha256.length === 64),
  ),
  sequencePlan('completed', 'completed', ', u.query', ', query text', ', query', ', x.query'),
  sequencePlan(
    'mixedvisitseq',
    'mixedvisitseqs',
    ', u.last_early_day_obs::text, u.first_late_day_obs::text, u.early_parent_uuid::text, u.late_parent_uuid::text',
    ', last_early_day_obs date, first_late_day_obs date, early_parent_uuid uuid, late_parent_uuid uuid',
    ', last_early_day_obs, first_late_day_obs, early_parent_uuid, late_parent_uuid',
    ', x.last_early_day_obs, x.first_late_day_obs, x.early_parent_uuid, x.late_parent_uuid',
    (row) => validSequence(row) && !(row.last_early_day_obs && row.first_late_day_obs && row.last_early_day_obs >= row.first_late_day_obs),
  ),
  // Rows of the parent table alone (upstream's record_visitseq_metadata with table="visitseq").
  sequencePlan('visitseq', 'visitseq', '', '', '', '', validSequence, true),
  {
    upstream: 'tags',
    select: 'SELECT u.visitseq_uuid::text, u.tag FROM %s.tags u',
    valid: (row) => !!row.visitseq_uuid && !!row.tag,
    insert: counted(
      'jsonb_to_recordset($1::jsonb) AS x(visitseq_uuid uuid, tag text)',
      `INSERT INTO tags (visitseq_uuid, tag) SELECT x.visitseq_uuid, x.tag FROM x WHERE ${REGISTERED} ON CONFLICT DO NOTHING RETURNING 1`,
    ),
  },
  {
    upstream: 'comments',
    select: 'SELECT u.visitseq_uuid::text, u.comment_time, u.author, u.comment FROM %s.comments u ORDER BY u.comment_time',
    valid: (row) => !!row.visitseq_uuid && !!row.comment && row.comment_time !== null,
    // Comments have no key: an identical comment (same sequence, time, author and text) counts as already imported.
    insert: counted(
      'jsonb_to_recordset($1::jsonb) AS x(visitseq_uuid uuid, comment_time timestamptz, author text, comment text)',
      `INSERT INTO comments (visitseq_uuid, comment_time, author, comment)
       SELECT x.visitseq_uuid, x.comment_time, x.author, x.comment FROM x
       WHERE ${REGISTERED}
         AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.visitseq_uuid = x.visitseq_uuid AND c.comment_time = x.comment_time
                         AND c.author IS NOT DISTINCT FROM x.author AND c.comment = x.comment)
       RETURNING 1`,
    ),
  },
  {
    upstream: 'files',
    select: `SELECT u.visitseq_uuid::text, u.file_type, encode(u.file_sha256, 'hex') AS file_sha256, u.file_url FROM %s.files u`,
    valid: (row) => !!row.visitseq_uuid && !!row.file_type && typeof row.file_sha256 === 'string' && row.file_sha256.length === 64,
    insert: counted(
      'jsonb_to_recordset($1::jsonb) AS x(visitseq_uuid uuid, file_type text, file_sha256 text, file_url text)',
      `INSERT INTO files (visitseq_uuid, file_type, file_sha256, file_url)
       SELECT x.visitseq_uuid, x.file_type, decode(x.file_sha256, 'hex'), x.file_url FROM x WHERE ${REGISTERED} ON CONFLICT DO NOTHING RETURNING 1`,
    ),
  },
  {
    upstream: 'conda_env',
    select: `SELECT encode(u.conda_env_hash, 'hex') AS conda_env_hash, u.conda_env FROM %s.conda_env u`,
    valid: (row) => typeof row.conda_env_hash === 'string' && row.conda_env_hash.length === 64 && Array.isArray(row.conda_env),
    insert: counted(
      'jsonb_to_recordset($1::jsonb) AS x(conda_env_hash text, conda_env jsonb)',
      `INSERT INTO condaenv (conda_env_hash, conda_env) SELECT decode(x.conda_env_hash, 'hex'), x.conda_env FROM x ON CONFLICT DO NOTHING RETURNING 1`,
      '0',
    ),
  },
  {
    upstream: 'nightly_stats',
    select: `SELECT u.visitseq_uuid::text, u.day_obs::text, u.value_name, u.accumulated, u.count, u.mean, u.std, u.min, u.p05, u.q1, u.median, u.q3, u.p95, u.max FROM %s.nightly_stats u`,
    valid: (row) => !!row.visitseq_uuid && !!row.day_obs && !!row.value_name && row.accumulated !== null,
    insert: counted(
      `jsonb_to_recordset($1::jsonb) AS x(visitseq_uuid uuid, day_obs date, value_name text, accumulated boolean, count integer,
        mean double precision, std double precision, min double precision, p05 double precision, q1 double precision, median double precision,
        q3 double precision, p95 double precision, max double precision)`,
      `INSERT INTO nightly_stats (visitseq_uuid, day_obs, value_name, accumulated, count, mean, std, min, p05, q1, median, q3, p95, max)
       SELECT x.* FROM x WHERE ${REGISTERED} ON CONFLICT DO NOTHING RETURNING 1`,
    ),
  },
];

/**
 * Copies an upstream (rubin_sim vseqarchive) metadata schema into this archive, in one transaction.
 * Rows whose key exists here are skipped, so the import can be repeated; rows this schema cannot hold
 * (a NULL day_obs, a tag of a sequence that does not exist, …) are rejected and counted.
 */
/** The injection token of the upstream endpoints ImportUpstream may connect to (UPSTREAM_ALLOWED_ENDPOINTS). */
export const UPSTREAM_ALLOWED_ENDPOINTS = Symbol('UPSTREAM_ALLOWED_ENDPOINTS');

@Injectable()
export class UpstreamImportService {
  constructor(
    private readonly database: ArchiveDatabase,
    @Inject(UPSTREAM_ALLOWED_ENDPOINTS) private readonly allowedEndpoints: string[],
  ) {}

  async importUpstream(request: metadataV1.ImportUpstreamRequest): Promise<metadataV1.ImportUpstreamResponse> {
    if (!request.dsn?.trim()) throw invalidArgument('dsn is required', 'dsn');
    let dsn: PostgresDsn;
    try {
      dsn = parsePostgresDsn(request.dsn);
      // Before anything is dialled: a caller may not make this service connect (or probe) where it likes.
      requireAllowedEndpoint(dsn, this.allowedEndpoints, 'UPSTREAM_ALLOWED_ENDPOINTS');
    } catch (error) {
      if (error instanceof DsnError) throw invalidArgument(`dsn: ${error.message}`, 'dsn');
      if (error instanceof DsnNotAllowedError) throw new GrpcError(status.PERMISSION_DENIED, error.message, { reason: 'UPSTREAM_NOT_ALLOWED' });
      throw error;
    }
    const schema = request.schema || 'vsmd';
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) throw invalidArgument(`schema ${JSON.stringify(schema)} is not a valid identifier`, 'schema');

    const upstream = new Client({
      host: dsn.host,
      port: dsn.port,
      database: dsn.database,
      user: dsn.user,
      password: dsn.password,
      ssl: dsn.sslmode === 'require' || dsn.sslmode === 'verify-ca' || dsn.sslmode === 'verify-full' ? { rejectUnauthorized: dsn.sslmode !== 'require' } : undefined,
      connectionTimeoutMillis: 10_000,
      options: '-c TimeZone=UTC',
    });
    upstream.on('error', () => undefined);
    try {
      await upstream.connect();
    } catch (error) {
      if (isPgError(error) && error.code!.startsWith('28')) throw failedPrecondition(`the upstream server refused the login: ${error.message}`, 'UPSTREAM_LOGIN_REFUSED');
      if (isPgError(error) && error.code === '3D000') throw failedPrecondition(`the upstream database does not exist: ${error.message}`, 'UPSTREAM_DATABASE_MISSING');
      throw unavailable(`cannot reach the upstream database: ${(error as Error).message}`, 'UPSTREAM_UNREACHABLE');
    }
    try {
      const present = await upstream.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2::text[])',
        [schema, UPSTREAM_TABLES],
      );
      const missing = UPSTREAM_TABLES.filter((name) => !present.rows.some((row) => row.table_name === name));
      if (missing.length > 0) throw failedPrecondition(`the upstream schema ${schema} lacks the tables ${missing.join(', ')}`, 'UPSTREAM_SCHEMA_INCOMPLETE');
      const quotedSchema = upstream.escapeIdentifier(schema);
      return await this.database.transaction(async (tx) => {
        const tables: metadataV1.TableImportResult[] = [];
        for (const plan of PLANS) tables.push(await copyTable(upstream, tx, plan, quotedSchema));
        return { tables };
      });
    } finally {
      await upstream.end().catch(() => undefined);
    }
  }
}

async function copyTable(upstream: Client, tx: Tx, plan: TablePlan, schema: string): Promise<metadataV1.TableImportResult> {
  const { rows } = await upstream.query<Row>(plan.select.replace('%s', schema));
  const valid = rows.filter(plan.valid);
  let copied = 0;
  let orphaned = 0;
  for (let start = 0; start < valid.length; start += BATCH_ROWS) {
    // Dates in JSON are ISO instants, so timestamptz values arrive unshifted.
    const [counts] = await tx.rows<{ copied: number; orphaned: number }>(plan.insert, [JSON.stringify(valid.slice(start, start + BATCH_ROWS))]);
    copied += counts.copied;
    orphaned += counts.orphaned;
  }
  const rejected = rows.length - valid.length + orphaned;
  return { tableName: plan.upstream, copiedCount: copied, skippedCount: valid.length - orphaned - copied, rejectedCount: rejected };
}
