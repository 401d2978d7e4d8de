import { DEFAULT_ADDRESSES, postgresUrl } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { postgresCheck } from '@visitsarch/db';
import { defineService } from '@visitsarch/grpc-server';
import { MetadataModule } from './metadata.module';

/** The metadata service: its settings, its module and what it depends on. */
export const metadataService = defineService({
  name: 'metadata',
  contract: CONTRACTS.metadata,
  defaultAddress: DEFAULT_ADDRESSES.metadata,
  schema: {
    DATABASE_URL: { parse: postgresUrl, description: 'the PostgreSQL database of the archive (postgresql://user:password@host:port/database)' },
  },
  build: (config) => ({
    module: MetadataModule.forRoot(config),
    dependencies: [{ name: 'postgresql', check: postgresCheck(config.DATABASE_URL).check }],
  }),
});
