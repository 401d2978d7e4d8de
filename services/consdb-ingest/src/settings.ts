import * as fs from 'node:fs';
import { ConfigError } from '@visitsarch/config';
import { isValidSurveyStartMjd } from '@visitsarch/consdb';

/** The consdb-ingest service's settings (see service.ts for their descriptions). */
export interface ConsdbIngestConfig {
  CONSDB_URL: string;
  CONSDB_ALLOWED_ENDPOINTS: string[];
  ACCESS_TOKEN_FILE: string;
  ACCESS_TOKEN: string;
  CONSDB_ROW_LIMIT: number;
  CONSDB_TIMEOUT_MS: number;
  CONSDB_SURVEY_START_MJD: number;
}

/** Rubin's ConsDB deployments: the endpoints the service may send its token to unless configured otherwise. */
export const RUBIN_CONSDB_ENDPOINTS = [
  'https://usdf-rsp.slac.stanford.edu/consdb',
  'https://usdf-rsp-dev.slac.stanford.edu/consdb',
  'https://summit-lsp.lsst.codes/consdb',
  'https://base-lsp.lsst.codes/consdb',
];

/** A ConsDB endpoint: the HTTP API (`http(s)://…`) or the database (`postgresql://…`). */
export function consdbEndpoint(raw: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `must be a URL (https://…/consdb or postgresql://…), not ${JSON.stringify(raw)}`);
  }
  if (!['http:', 'https:', 'postgresql:', 'postgres:'].includes(url.protocol)) {
    throw new ConfigError(variable, `must be an http(s):// or postgresql:// URL, not ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

/** A comma-separated list of endpoints. */
export function consdbEndpointList(raw: string, variable: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => consdbEndpoint(item, variable));
}

/**
 * The RSP token, read at each use so a rotated token file takes effect without a restart:
 * ACCESS_TOKEN_FILE first (trailing newline stripped), then ACCESS_TOKEN, as Rubin's clients do.
 */
export function readAccessToken(config: Pick<ConsdbIngestConfig, 'ACCESS_TOKEN_FILE' | 'ACCESS_TOKEN'>): string {
  if (config.ACCESS_TOKEN_FILE) return fs.readFileSync(config.ACCESS_TOKEN_FILE, 'utf8').trim();
  return config.ACCESS_TOKEN.trim();
}

/** The night origin: an MJD (e.g. 61220.5), from 49718 to 88069 (1995–2100, so a JD or a typo is refused). */
export function surveyStartMjd(raw: string, variable: string): number {
  const value = Number(raw.trim());
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !isValidSurveyStartMjd(value)) {
    throw new ConfigError(variable, `expected an MJD from 49718 to 88069 such as 61220.5, got ${JSON.stringify(raw)}`);
  }
  return value;
}
