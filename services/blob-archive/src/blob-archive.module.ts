import { DynamicModule, Module } from '@nestjs/common';

export const BLOB_ARCHIVE_CONFIG = Symbol('BLOB_ARCHIVE_CONFIG');

/** The blob-archive service: visit tables and files in a directory or an S3 bucket. RPCs without a handler answer UNIMPLEMENTED. */
@Module({})
export class BlobArchiveModule {
  static forRoot(config: { VISITSARCH_ARCHIVE_URL: string; S3_ENDPOINT_URL: string }): DynamicModule {
    return { module: BlobArchiveModule, providers: [{ provide: BLOB_ARCHIVE_CONFIG, useValue: config }], exports: [BLOB_ARCHIVE_CONFIG] };
  }
}
