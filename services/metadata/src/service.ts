import * as os from 'node:os';
import { ConfigError, DEFAULT_ADDRESSES, integer, postgresUrl, text } from '@visitsarch/config';
import { parseEndpointAllowList } from '@visitsarch/db';
import { CONTRACTS } from '@visitsarch/contracts';
import { instrumentPostgres, postgresCheck } from '@visitsarch/db';
import { defineService } from '@visitsarch/grpc-server';
import { checkRequestLimits, MAX_AUTHOR_CHARS } from '@visitsarch/validation';
import { translateDatabaseError } from './common/database-errors';
import { MetadataModule } from './metadata.module';

const optionalPostgresUrl = (raw: string, variable: string) => (raw ? postgresUrl(raw, variable) : '');

/** An identity (a token's owner, a comment's author): at most MAX_AUTHOR_CHARS characters. */
function identity(raw: string, variable: string): string {
  const value = raw.trim();
  if (value.length > MAX_AUTHOR_CHARS || /[\u0000-\u001f]/.test(value)) throw new ConfigError(variable, `expected an identity of at most ${MAX_AUTHOR_CHARS} characters without control characters`);
  return value;
}

/** The OS user the service runs as: the default owner of the bootstrap token. */
function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER || process.env.LOGNAME || 'admin';
  }
}

/**
 * QUERY_DEFAULT_TIMEOUT_S within QUERY_MAX_TIMEOUT_S: checked at start-up, as one variable's parser
 * cannot see the other (a default above the maximum would silently be cut to it).
 */
export function checkQueryTimeouts(config: { QUERY_DEFAULT_TIMEOUT_S: number; QUERY_MAX_TIMEOUT_S: number }): void {
  if (config.QUERY_DEFAULT_TIMEOUT_S > config.QUERY_MAX_TIMEOUT_S) {
    throw new ConfigError(
      'QUERY_DEFAULT_TIMEOUT_S',
      `${config.QUERY_DEFAULT_TIMEOUT_S} s exceeds QUERY_MAX_TIMEOUT_S (${config.QUERY_MAX_TIMEOUT_S} s): the default statement timeout must be at most the longest one`,
    );
  }
}

/** The metadata service: its settings, its module and what it depends on. */
export const metadataService = defineService({
  name: 'metadata',
  contract: CONTRACTS.metadata,
  defaultAddress: DEFAULT_ADDRESSES.metadata,
  // The gateway's limits again (defence in depth, the same function), and PostgreSQL's failures as the contract's codes.
  checkRequest: checkRequestLimits,
  mapError: translateDatabaseError,
  schema: {
    DATABASE_URL: { parse: postgresUrl, description: 'the PostgreSQL database of the archive (postgresql://user:password@host:port/database)' },
    QUERY_DATABASE_URL: {
      parse: optionalPostgresUrl,
      default: '',
      description: 'a read-only login for the Query RPC; empty: the service gives the <database>_query role made by its migration a login itself (needs CREATEROLE)',
    },
    QUERY_MAX_ROWS: { parse: integer(1, 100_000_000), default: 1_000_000, description: 'the most rows one Query returns' },
    QUERY_DEFAULT_TIMEOUT_S: {
      parse: integer(1, 86_400),
      default: 10,
      description: 'the statement timeout of a Query that asks for none, in seconds (at most QUERY_MAX_TIMEOUT_S)',
    },
    QUERY_MAX_TIMEOUT_S: { parse: integer(1, 86_400), default: 300, description: 'the longest statement timeout a Query may ask for, in seconds' },
    QUERY_MAX_CONCURRENT: { parse: integer(1, 1000), default: 8, description: 'how many Query calls may run at once' },
    QUERY_MAX_CONCURRENT_PER_IDENTITY: { parse: integer(1, 1000), default: 2, description: 'how many Query calls of one identity may run at once' },
    BOOTSTRAP_TOKEN_FILE: {
      parse: text,
      default: '',
      description: 'a file holding the first admin token: registered at start unless known; made (0600) with a new admin token if missing; empty: none',
    },
    BOOTSTRAP_TOKEN_OWNER: { parse: identity, default: osUserName(), description: 'the identity the bootstrap token acts as (default: the user the service runs as)' },
    UPSTREAM_ALLOWED_ENDPOINTS: {
      parse: (raw: string) => parseEndpointAllowList(raw),
      default: [] as string[],
      description: 'comma-separated upstream PostgreSQL endpoints ImportUpstream may connect to, each host (any port) or host:port; empty: ImportUpstream is refused',
    },
  },
  build: (config, logger) => {
    checkQueryTimeouts(config);
    instrumentPostgres(); // every statement timed for the metrics (libs/db/src/pg-timing.ts)
    return {
      module: MetadataModule.forRoot(config, logger),
      dependencies: [{ name: 'postgresql', check: postgresCheck(config.DATABASE_URL).check }],
    };
  },
});
