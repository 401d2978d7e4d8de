/**
 * From a request to converted visits: validates telescope, range and endpoint, picks the
 * access path, pages the query by day_obs and converts the rows to the opsim schema. ConsDB's
 * failures become the contract's gRPC statuses, with ConsDB's own message.
 */
import { status } from '@grpc/grpc-js';
import type { Table } from 'apache-arrow';
import {
  ConsdbConversionError,
  ConsdbError,
  consdbToOpsim,
  defaultConsdbQuery,
  isValidSurveyStartMjd,
  openConsdb,
  queryByDayObsPages,
  Telescope,
} from '@visitsarch/consdb';
import { dayObsOfInstant, dayObsToInt } from '@visitsarch/day-obs';
import { optionalDayObs, requireTelescope } from '@visitsarch/validation';
import { failedPrecondition, GrpcError, invalidArgument, unavailable } from '@visitsarch/grpc-server';
import { ConsdbIngestConfig, readAccessToken, RUBIN_CONSDB_ENDPOINTS } from './settings';

export interface ConsdbVisitsRequest {
  query: string;
  telescope: string;
  /** `YYYY-MM-DD` / `YYYYMMDD`, or empty. */
  firstDayObs: string;
  lastDayObs: string;
  endpoint: string;
  /** The night origin (MJD); unset for the configured CONSDB_SURVEY_START_MJD. */
  surveyStartMjd?: number;
}

export interface QueriedVisits {
  telescope: Telescope;
  /** The query actually sent (inside the day_obs wrapping): the default one if none was given. */
  query: string;
  /** ISO day_obs bounds; first is undefined when the request gave none. */
  firstDayObs?: string;
  lastDayObs: string;
  table: Table;
}

export class ConsdbVisits {
  constructor(private readonly config: ConsdbIngestConfig) {}

  requireTelescope(telescope: string): Telescope {
    return requireTelescope(telescope, 'telescope');
  }

  defaultQuery(telescope: string): string {
    return defaultConsdbQuery(this.requireTelescope(telescope));
  }

  /** The night origin of a request: its survey_start_mjd, validated, else the configured one. */
  surveyStartMjd(requested: number | undefined): number {
    if (requested === undefined) return this.config.CONSDB_SURVEY_START_MJD;
    if (!isValidSurveyStartMjd(requested)) throw invalidArgument(`survey_start_mjd must be an MJD from 49718 to 88069, not ${requested}`, 'survey_start_mjd');
    return requested;
  }

  async query(request: ConsdbVisitsRequest, signal?: AbortSignal): Promise<QueriedVisits> {
    const telescope = this.requireTelescope(request.telescope);
    const surveyStartMjd = this.surveyStartMjd(request.surveyStartMjd);
    const firstDayObs = optionalDayObs(request.firstDayObs, 'first_dayobs');
    // The night before the current day_obs: the most recent completed night.
    const lastDayObs = optionalDayObs(request.lastDayObs, 'last_dayobs') ?? dayObsOfInstant(new Date(Date.now() - 86_400_000));
    if (firstDayObs && firstDayObs > lastDayObs) throw invalidArgument(`first_dayobs ${firstDayObs} is after last_dayobs ${lastDayObs}`, 'first_dayobs');
    const endpoint = this.allowedEndpoint(request.endpoint);
    const query = request.query.trim() || defaultConsdbQuery(telescope);

    let token = '';
    if (/^https?:/i.test(endpoint)) {
      try {
        token = readAccessToken(this.config);
      } catch (error) {
        throw unavailable(`cannot read the ConsDB token from ACCESS_TOKEN_FILE: ${(error as Error).message}`, 'CONSDB_TOKEN_UNREADABLE');
      }
    }
    const connection = openConsdb(endpoint, { token, timeoutMs: this.config.CONSDB_TIMEOUT_MS, rowLimit: this.config.CONSDB_ROW_LIMIT });
    try {
      const result = await queryByDayObsPages(connection, query, { first: firstDayObs ? dayObsToInt(firstDayObs) : undefined, last: dayObsToInt(lastDayObs) }, signal);
      return { telescope, query, firstDayObs, lastDayObs, table: consdbToOpsim(result, telescope, { surveyStartMjd }) };
    } catch (error) {
      throw grpcErrorOf(error);
    } finally {
      await connection.close();
    }
  }

  /** The endpoint to use: the default, or one the service may send its token to. */
  private allowedEndpoint(requested: string): string {
    const endpoint = requested.trim().replace(/\/+$/, '') || this.config.CONSDB_URL;
    const allowed = new Set([this.config.CONSDB_URL, ...RUBIN_CONSDB_ENDPOINTS, ...this.config.CONSDB_ALLOWED_ENDPOINTS]);
    if (!allowed.has(endpoint)) {
      throw new GrpcError(status.PERMISSION_DENIED, `this server may not query the ConsDB endpoint ${JSON.stringify(redacted(endpoint))} (allowed: CONSDB_URL, CONSDB_ALLOWED_ENDPOINTS and Rubin's deployments)`, {
        reason: 'CONSDB_ENDPOINT_NOT_ALLOWED',
      });
    }
    return endpoint;
  }
}

/** ConsDB failures → the contract's codes (consdb_ingest_service.proto). */
export function grpcErrorOf(error: unknown): unknown {
  if (error instanceof ConsdbConversionError) return failedPrecondition(error.message, 'CONSDB_QUERY_UNUSABLE');
  if (!(error instanceof ConsdbError)) return error;
  return grpcErrorOfConsdb(error);
}

function grpcErrorOfConsdb(error: ConsdbError): GrpcError {
  switch (error.failure) {
    case 'rejected':
      return failedPrecondition(error.message, 'CONSDB_QUERY_REJECTED');
    case 'truncated':
      return failedPrecondition(error.message, 'CONSDB_ROW_LIMIT');
    case 'unauthorized':
      return new GrpcError(status.PERMISSION_DENIED, error.message, { reason: 'CONSDB_TOKEN_REFUSED' });
    case 'timeout':
      return new GrpcError(status.DEADLINE_EXCEEDED, error.message, { reason: 'CONSDB_TIMEOUT' });
    default:
      return unavailable(error.message, 'CONSDB_UNAVAILABLE');
  }
}

/** An endpoint without its password, for messages. */
function redacted(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return endpoint;
  }
}
