import { DEFAULT_ADDRESSES, grpcAddress } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { grpcServiceCheck } from '@visitsarch/grpc-client';
import { defineService } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';
import { StatsModule } from './stats.module';

/** The stats service: its settings, its module and what it depends on. */
export const statsService = defineService({
  name: 'stats',
  contract: CONTRACTS.stats,
  defaultAddress: DEFAULT_ADDRESSES.stats,
  // Public through the gateway, which forwards its calls as they are: every request within @visitsarch/validation's limits.
  checkRequest: checkRequestLimits,
  schema: {
    METADATA_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.metadata, description: 'the metadata service' },
    BLOB_ARCHIVE_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.blobArchive, description: 'the blob-archive service' },
  },
  build: (config) => ({
    module: StatsModule.forRoot(config),
    dependencies: [
      { name: 'metadata', check: grpcServiceCheck(config.METADATA_SERVICE_ADDRESS) },
      { name: 'blob-archive', check: grpcServiceCheck(config.BLOB_ARCHIVE_SERVICE_ADDRESS) },
    ],
  }),
});
