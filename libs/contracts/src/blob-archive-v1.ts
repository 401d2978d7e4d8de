export * from './gen/visitsarch/blob_archive/v1/blob_archive_service';
