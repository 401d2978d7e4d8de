export * from './gen/visitsarch/metadata/v1/visit_sequence';
export * from './gen/visitsarch/metadata/v1/metadata_service';
export * from './gen/visitsarch/metadata/v1/registry_service';
export * from './gen/visitsarch/metadata/v1/token_service';
