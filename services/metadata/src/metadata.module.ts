import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from '@visitsarch/logging';
import { AnnotationsService } from './annotations/annotations.service';
import { METADATA_LOGGER } from './common/service-logger';
import { CondaService } from './conda/conda.service';
import { ArchiveDatabase } from './database/archive-database';
import { FilesService } from './files/files.service';
import { AuditInterceptor } from './identity/audit.interceptor';
import { IdentityConcurrency, QUERIES_PER_IDENTITY } from './identity/identity-concurrency';
import { MafService } from './maf/maf.service';
import { MetadataController, RegistryController } from './metadata.controller';
import { QUERY_LIMITS, QueriesService, QueryLimits } from './queries/queries.service';
import { RetentionService } from './retention/retention.service';
import { NightlyStatsService } from './statistics/nightly-stats.service';
import { BOOTSTRAP_TOKEN_SETTINGS, BootstrapToken } from './tokens/bootstrap-token';
import { TokenController, TokenVerificationController } from './tokens/tokens.controller';
import { TokensService } from './tokens/tokens.service';
import { UPSTREAM_ALLOWED_ENDPOINTS, UpstreamImportService } from './upstream-import/upstream-import.service';
import { VisitSequencesService } from './visit-sequences/visit-sequences.service';

export const METADATA_CONFIG = Symbol('METADATA_CONFIG');

export interface MetadataConfig {
  DATABASE_URL: string;
  /** A read-only login for Query; empty means the service provisions its own `<database>_query` role. */
  QUERY_DATABASE_URL?: string;
  QUERY_MAX_ROWS: number;
  /** The statement timeout of a Query that asks for none, in seconds (at most QUERY_MAX_TIMEOUT_S). */
  QUERY_DEFAULT_TIMEOUT_S: number;
  QUERY_MAX_TIMEOUT_S: number;
  QUERY_MAX_CONCURRENT: number;
  /** How many Query calls of one identity may run at once. */
  QUERY_MAX_CONCURRENT_PER_IDENTITY: number;
  /** Where the first admin token is kept (created if missing, registered if not known); empty: none. */
  BOOTSTRAP_TOKEN_FILE: string;
  /** The identity the bootstrap token acts as. */
  BOOTSTRAP_TOKEN_OWNER: string;
  /** The upstream databases ImportUpstream may connect to (`host` or `host:port`); empty: none. */
  UPSTREAM_ALLOWED_ENDPOINTS?: string[];
}

/**
 * The metadata service: the archive's PostgreSQL database, migrated when the module starts, before
 * the bootstrap token is registered (BOOTSTRAP_TOKEN_FILE).
 */
@Module({})
export class MetadataModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ArchiveDatabase) private readonly database: ArchiveDatabase,
    @Inject(BootstrapToken) private readonly bootstrapToken: BootstrapToken,
  ) {}

  static forRoot(config: MetadataConfig, logger: Logger): DynamicModule {
    const limits: QueryLimits = {
      maxRows: config.QUERY_MAX_ROWS,
      defaultTimeoutSeconds: config.QUERY_DEFAULT_TIMEOUT_S,
      maxTimeoutSeconds: config.QUERY_MAX_TIMEOUT_S,
      maxConcurrent: config.QUERY_MAX_CONCURRENT,
    };
    return {
      module: MetadataModule,
      controllers: [MetadataController, RegistryController, TokenController, TokenVerificationController],
      providers: [
        { provide: METADATA_CONFIG, useValue: config },
        { provide: METADATA_LOGGER, useValue: logger },
        { provide: ArchiveDatabase, useValue: new ArchiveDatabase({ url: config.DATABASE_URL, queryUrl: config.QUERY_DATABASE_URL || undefined, freeSqlConnections: config.QUERY_MAX_CONCURRENT }) },
        { provide: QUERY_LIMITS, useValue: limits },
        { provide: UPSTREAM_ALLOWED_ENDPOINTS, useValue: config.UPSTREAM_ALLOWED_ENDPOINTS ?? [] },
        { provide: QUERIES_PER_IDENTITY, useValue: new IdentityConcurrency(config.QUERY_MAX_CONCURRENT_PER_IDENTITY, 'queries', 'QUERY_MAX_CONCURRENT_PER_IDENTITY') },
        { provide: BOOTSTRAP_TOKEN_SETTINGS, useValue: { file: config.BOOTSTRAP_TOKEN_FILE, owner: config.BOOTSTRAP_TOKEN_OWNER } },
        VisitSequencesService,
        AnnotationsService,
        FilesService,
        CondaService,
        NightlyStatsService,
        MafService,
        QueriesService,
        RetentionService,
        UpstreamImportService,
        TokensService,
        BootstrapToken,
        AuditInterceptor,
      ],
      exports: [METADATA_CONFIG, ArchiveDatabase],
    };
  }

  /** Applies pending migrations, then registers or makes the bootstrap token, before the server accepts calls. */
  async onModuleInit(): Promise<void> {
    await this.database.start();
    try {
      await this.bootstrapToken.ensure();
    } catch (error) {
      await this.database.stop(); // the start fails: nothing of it stays open
      throw error;
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.database.stop();
  }
}
