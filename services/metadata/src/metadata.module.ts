import { DynamicModule, Module } from '@nestjs/common';

export const METADATA_CONFIG = Symbol('METADATA_CONFIG');

/** The metadata service: the archive's PostgreSQL database. RPCs without a handler answer UNIMPLEMENTED. */
@Module({})
export class MetadataModule {
  static forRoot(config: { DATABASE_URL: string }): DynamicModule {
    return { module: MetadataModule, providers: [{ provide: METADATA_CONFIG, useValue: config }], exports: [METADATA_CONFIG] };
  }
}
