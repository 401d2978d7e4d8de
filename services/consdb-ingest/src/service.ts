import { DEFAULT_ADDRESSES, integer, text } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { defineService } from '@visitsarch/grpc-server';
import { CONSDB_API_ROW_LIMIT, SURVEY_START_MJD } from '@visitsarch/consdb';
import { ConsdbIngestModule } from './consdb-ingest.module';
import { consdbEndpoint, consdbEndpointList, surveyStartMjd } from './settings';

/** The consdb-ingest service: its settings, its module and what it depends on (nothing of the archive). */
export const consdbIngestService = defineService({
  name: 'consdb-ingest',
  contract: CONTRACTS.consdbIngest,
  defaultAddress: DEFAULT_ADDRESSES.consdbIngest,
  schema: {
    CONSDB_URL: {
      parse: consdbEndpoint,
      default: 'https://usdf-rsp.slac.stanford.edu/consdb',
      description: 'the default ConsDB endpoint: its HTTP API (https://…/consdb) or its database (postgresql://…)',
    },
    CONSDB_ALLOWED_ENDPOINTS: {
      parse: consdbEndpointList,
      default: [] as string[],
      description: 'comma-separated ConsDB endpoints requests may name besides CONSDB_URL and the Rubin deployments (the token is sent to them)',
    },
    ACCESS_TOKEN_FILE: { parse: text, default: '', description: 'file holding the RSP token for the ConsDB HTTP API' },
    ACCESS_TOKEN: { parse: text, default: '', description: 'the RSP token, when ACCESS_TOKEN_FILE is not set' },
    CONSDB_ROW_LIMIT: { parse: integer(1, 100_000_000), default: CONSDB_API_ROW_LIMIT, description: "the ConsDB HTTP API's row cap (pqserver's max_rows), past which results are paged" },
    CONSDB_TIMEOUT_MS: { parse: integer(1000, 3_600_000), default: 600_000, description: 'how long one ConsDB query may take' },
    CONSDB_SURVEY_START_MJD: {
      parse: surveyStartMjd,
      default: SURVEY_START_MJD,
      description: "the origin of the converted visits' night column (an MJD; night 0 is the day_obs starting at it), unless a request gives survey_start_mjd",
    },
  },
  build: (config) => ({
    module: ConsdbIngestModule.forRoot(config),
    // It calls no other service (the gateway records what it converts), so its health follows
    // nothing: ConsDB is outside the archive, and each request may name its own endpoint.
    dependencies: [],
  }),
});
