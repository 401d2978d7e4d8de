import { Inject, Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { status } from '@grpc/grpc-js';
import { DsnError, DsnNotAllowedError, parsePostgresDsn, PostgresDsn, requireAllowedEndpoint } from '@visitsarch/db';
import { failedPrecondition, GrpcError, invalidArgument, unavailable } from '@visitsarch/grpc-server';
import { Client } from 'pg';
import { ArchiveDatabase } from '../database/archive-database';
import { refreshPlannerStatistics } from '../database/statistics';
import { isPgError } from '../common/database-errors';
import { ImportRun, type SequenceNights } from './import-run';
import { dayObsRange, requireUuid } from '@visitsarch/validation';
import { PLANS, REQUIRED_TABLES } from './upstream-tables';

/** The injection token of the upstream endpoints ImportUpstream may connect to (UPSTREAM_ALLOWED_ENDPOINTS). */
export const UPSTREAM_ALLOWED_ENDPOINTS = Symbol('UPSTREAM_ALLOWED_ENDPOINTS');

/**
 * Copies an upstream (rubin_sim vseqarchive) metadata schema into this archive, in one transaction
 * (rolled back in a dry run), and reports every upstream row: imported, already present, skipped or
 * refused, with the reason. Nothing is dropped without a line in the report; the import can be
 * repeated (rows already here are ALREADY_PRESENT). docs/data-model.md describes the mapping.
 */
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
    const sequenceNights = sequenceNightsOf(request.sequenceNights ?? []);

    const upstream = new Client({
      host: dsn.host,
      port: dsn.port,
      database: dsn.database,
      user: dsn.user,
      password: dsn.password,
      ssl: dsn.sslmode === 'require' || dsn.sslmode === 'verify-ca' || dsn.sslmode === 'verify-full' ? { rejectUnauthorized: dsn.sslmode !== 'require' } : undefined,
      connectionTimeoutMillis: 10_000,
      // UTC and ISO dates, so that no text form of a time or date depends on the upstream server's settings;
      // every digit of a double (servers before PostgreSQL 12 print 15 by default).
      options: '-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3',
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
        [schema, PLANS.map((plan) => plan.upstream)],
      );
      const found = new Set(present.rows.map((row) => row.table_name));
      const missing = REQUIRED_TABLES.filter((name) => !found.has(name));
      if (missing.length > 0) throw failedPrecondition(`the upstream schema ${schema} lacks the tables ${missing.join(', ')}`, 'UPSTREAM_SCHEMA_INCOMPLETE');
      const quotedSchema = upstream.escapeIdentifier(schema);
      // One snapshot of the upstream for the whole import: a row added there meanwhile cannot appear
      // without the sequence it belongs to. (Ended with the connection.)
      await upstream.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await this.database.transaction(async (tx) => {
          const run = new ImportRun(upstream, tx, quotedSchema, sequenceNights);
          for (const plan of PLANS) await run.importTable(plan, found.has(plan.upstream));
          const response = run.response();
          // A dry run ends here: everything was checked and written, and is now rolled back.
          if (request.dryRun) throw new DryRunDone(response);
          await refreshPlannerStatistics(tx); // statistics of the imported rows, committed with them (issue #19)
          return response;
        });
      } catch (error) {
        if (error instanceof DryRunDone) return error.response;
        throw error;
      }
    } finally {
      await upstream.end().catch(() => undefined);
    }
  }
}

/** ImportUpstreamRequest.sequence_nights by UUID, checked: one entry per sequence, both bounds, in order. */
function sequenceNightsOf(entries: metadataV1.UpstreamSequenceNights[]): Map<string, SequenceNights> {
  const nights = new Map<string, SequenceNights>();
  entries.forEach((entry, index) => {
    const field = `sequence_nights[${index}]`;
    const uuid = requireUuid(entry.visitseqUuid, `${field}.visitseq_uuid`).toLowerCase();
    const { first, last } = dayObsRange(entry.dayObsRange, `${field}.day_obs_range`);
    if (!first || !last) throw invalidArgument(`${field}.day_obs_range needs both first_day_obs and last_day_obs`, `${field}.day_obs_range`);
    if (nights.has(uuid)) throw invalidArgument(`${field} repeats visitseq_uuid ${uuid}`, `${field}.visitseq_uuid`);
    nights.set(uuid, { first, last });
  });
  return nights;
}

/** Thrown out of a dry run's transaction so that it rolls back, carrying the report. */
class DryRunDone extends Error {
  constructor(readonly response: metadataV1.ImportUpstreamResponse) {
    super('dry run');
  }
}
