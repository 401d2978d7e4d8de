import { DynamicModule, Module } from '@nestjs/common';
import { CONTRACTS } from '@visitsarch/contracts';
import { ServiceClient } from '@visitsarch/grpc-client';
import { ConsdbIngestController } from './consdb-ingest.controller';
import { ConsdbVisits } from './consdb-visits';
import { GATEWAY_CLIENT } from './ingest';
import { ConsdbIngestConfig } from './settings';

export const CONSDB_INGEST_CONFIG = Symbol('CONSDB_INGEST_CONFIG');

/** The consdb-ingest service: completed visits from ConsDB. */
@Module({})
export class ConsdbIngestModule {
  static forRoot(config: ConsdbIngestConfig): DynamicModule {
    return {
      module: ConsdbIngestModule,
      controllers: [ConsdbIngestController],
      providers: [
        { provide: CONSDB_INGEST_CONFIG, useValue: config },
        { provide: ConsdbVisits, useFactory: () => new ConsdbVisits(config) },
        {
          provide: GATEWAY_CLIENT,
          useFactory: () => new ServiceClient(CONTRACTS.gateway, config.GATEWAY_ADDRESS),
        },
      ],
      exports: [CONSDB_INGEST_CONFIG],
    };
  }
}
