import { DynamicModule, Module } from '@nestjs/common';

export const CONSDB_INGEST_CONFIG = Symbol('CONSDB_INGEST_CONFIG');

/** The consdb-ingest service: completed visits from ConsDB. RPCs without a handler answer UNIMPLEMENTED. */
@Module({})
export class ConsdbIngestModule {
  static forRoot(config: Record<string, unknown>): DynamicModule {
    return { module: ConsdbIngestModule, providers: [{ provide: CONSDB_INGEST_CONFIG, useValue: config }], exports: [CONSDB_INGEST_CONFIG] };
  }
}
