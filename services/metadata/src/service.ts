import { DEFAULT_ADDRESSES, integer, postgresUrl } from '@visitsarch/config';
import { parseEndpointAllowList } from '@visitsarch/db';
import { CONTRACTS } from '@visitsarch/contracts';
import { instrumentPostgres, postgresCheck } from '@visitsarch/db';
import { defineService } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';
import { translateDatabaseError } from './common/database-errors';
import { MetadataModule } from './metadata.module';

const optionalPostgresUrl = (raw: string, variable: string) => (raw ? postgresUrl(raw, variable) : '');

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
    QUERY_MAX_TIMEOUT_S: { parse: integer(1, 86_400), default: 600, description: 'the longest statement timeout a Query may ask for, in seconds' },
    QUERY_MAX_CONCURRENT: { parse: integer(1, 1000), default: 8, description: 'how many Query calls may run at once' },
    UPSTREAM_ALLOWED_ENDPOINTS: {
      parse: (raw: string) => parseEndpointAllowList(raw),
      default: [] as string[],
      description: 'comma-separated upstream PostgreSQL endpoints ImportUpstream may connect to, each host (any port) or host:port; empty: ImportUpstream is refused',
    },
  },
  build: (config) => {
    instrumentPostgres(); // every statement timed for the metrics (libs/db/src/pg-timing.ts)
    return {
      module: MetadataModule.forRoot(config),
      dependencies: [{ name: 'postgresql', check: postgresCheck(config.DATABASE_URL).check }],
    };
  },
});
