import { DynamicModule, Module } from '@nestjs/common';
import type { ArchiveStorage } from '@visitsarch/storage';
import { BlobArchiveController } from './controllers/blob-archive.controller';
import { FlightController } from './flight/flight.controller';
import { FlightService } from './flight/flight.service';
import { ObjectFilesService } from './files/object-files.service';
import { ObjectListingService } from './files/object-listing.service';
import { BLOB_ARCHIVE_SETTINGS, BlobArchiveSettings } from './settings';
import { archiveStorageProvider } from './storage.provider';
import { VisitTablesService } from './tables/visit-tables.service';

/** The blob-archive service: visit tables and files in directories or S3 buckets, over gRPC and Arrow Flight. */
@Module({})
export class BlobArchiveModule {
  static forRoot(storage: ArchiveStorage, settings: BlobArchiveSettings): DynamicModule {
    return {
      module: BlobArchiveModule,
      controllers: [BlobArchiveController, FlightController],
      providers: [archiveStorageProvider(storage), { provide: BLOB_ARCHIVE_SETTINGS, useValue: settings }, VisitTablesService, ObjectFilesService, ObjectListingService, FlightService],
    };
  }
}
