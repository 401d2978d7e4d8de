import { DynamicModule, Module } from '@nestjs/common';
import { ConsdbIngestController } from './consdb-ingest.controller';
import { ConsdbVisits } from './consdb-visits';
import { ConsdbIngestConfig } from './settings';

export const CONSDB_INGEST_CONFIG = Symbol('CONSDB_INGEST_CONFIG');

/** The consdb-ingest service: completed visits from ConsDB, converted (the gateway records them). */
@Module({})
export class ConsdbIngestModule {
  static forRoot(config: ConsdbIngestConfig): DynamicModule {
    return {
      module: ConsdbIngestModule,
      controllers: [ConsdbIngestController],
      providers: [
        { provide: CONSDB_INGEST_CONFIG, useValue: config },
        { provide: ConsdbVisits, useFactory: () => new ConsdbVisits(config) },
      ],
      exports: [CONSDB_INGEST_CONFIG],
    };
  }
}
