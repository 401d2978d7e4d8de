import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AnnotationsService } from './annotations/annotations.service';
import { CondaService } from './conda/conda.service';
import { ArchiveDatabase } from './database/archive-database';
import { FilesService } from './files/files.service';
import { MafService } from './maf/maf.service';
import { MetadataController, RegistryController } from './metadata.controller';
import { QUERY_LIMITS, QueriesService, QueryLimits } from './queries/queries.service';
import { RetentionService } from './retention/retention.service';
import { NightlyStatsService } from './statistics/nightly-stats.service';
import { UPSTREAM_ALLOWED_ENDPOINTS, UpstreamImportService } from './upstream-import/upstream-import.service';
import { VisitSequencesService } from './visit-sequences/visit-sequences.service';

export const METADATA_CONFIG = Symbol('METADATA_CONFIG');

export interface MetadataConfig {
  DATABASE_URL: string;
  /** A read-only login for Query; empty means the service provisions its own `<database>_query` role. */
  QUERY_DATABASE_URL?: string;
  QUERY_MAX_ROWS: number;
  QUERY_MAX_TIMEOUT_S: number;
  QUERY_MAX_CONCURRENT: number;
  /** The upstream databases ImportUpstream may connect to (`host` or `host:port`); empty: none. */
  UPSTREAM_ALLOWED_ENDPOINTS?: string[];
}

/** The metadata service: the archive's PostgreSQL database, migrated when the module starts. */
@Module({})
export class MetadataModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(ArchiveDatabase) private readonly database: ArchiveDatabase) {}

  static forRoot(config: MetadataConfig): DynamicModule {
    const limits: QueryLimits = { maxRows: config.QUERY_MAX_ROWS, maxTimeoutSeconds: config.QUERY_MAX_TIMEOUT_S, maxConcurrent: config.QUERY_MAX_CONCURRENT };
    return {
      module: MetadataModule,
      controllers: [MetadataController, RegistryController],
      providers: [
        { provide: METADATA_CONFIG, useValue: config },
        { provide: ArchiveDatabase, useValue: new ArchiveDatabase({ url: config.DATABASE_URL, queryUrl: config.QUERY_DATABASE_URL || undefined, freeSqlConnections: config.QUERY_MAX_CONCURRENT }) },
        { provide: QUERY_LIMITS, useValue: limits },
        { provide: UPSTREAM_ALLOWED_ENDPOINTS, useValue: config.UPSTREAM_ALLOWED_ENDPOINTS ?? [] },
        VisitSequencesService,
        AnnotationsService,
        FilesService,
        CondaService,
        NightlyStatsService,
        MafService,
        QueriesService,
        RetentionService,
        UpstreamImportService,
      ],
      exports: [METADATA_CONFIG, ArchiveDatabase],
    };
  }

  /** Applies pending migrations before the server accepts calls. */
  onModuleInit(): Promise<void> {
    return this.database.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.database.stop();
  }
}
