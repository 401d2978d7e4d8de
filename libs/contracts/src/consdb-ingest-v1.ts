export * from './gen/visitsarch/consdb_ingest/v1/consdb_ingest_service';
