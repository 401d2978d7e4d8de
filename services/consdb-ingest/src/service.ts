import { DEFAULT_ADDRESSES, grpcAddress, httpUrl, text } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { grpcServiceCheck } from '@visitsarch/grpc-client';
import { defineService } from '@visitsarch/grpc-server';
import { ConsdbIngestModule } from './consdb-ingest.module';

/** The consdb-ingest service: its settings, its module and what it depends on. */
export const consdbIngestService = defineService({
  name: 'consdb-ingest',
  contract: CONTRACTS.consdbIngest,
  defaultAddress: DEFAULT_ADDRESSES.consdbIngest,
  schema: {
    METADATA_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.metadata, description: 'the metadata service' },
    BLOB_ARCHIVE_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.blobArchive, description: 'the blob-archive service' },
    CONSDB_URL: { parse: httpUrl, default: 'https://usdf-rsp.slac.stanford.edu/consdb', description: 'the default ConsDB endpoint' },
    ACCESS_TOKEN_FILE: { parse: text, default: '', description: 'file holding the RSP token for the ConsDB HTTP API' },
  },
  build: (config) => ({
    module: ConsdbIngestModule.forRoot(config),
    dependencies: [
      { name: 'metadata', check: grpcServiceCheck(config.METADATA_SERVICE_ADDRESS) },
      { name: 'blob-archive', check: grpcServiceCheck(config.BLOB_ARCHIVE_SERVICE_ADDRESS) },
    ],
  }),
});
