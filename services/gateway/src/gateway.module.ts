import { DynamicModule, Module, type Provider } from '@nestjs/common';
import type { Logger } from '@visitsarch/logging';
import { DownloadsController } from './downloads/downloads.controller';
import { FilesController } from './files/files.controller';
import { ConsdbController } from './consdb/consdb.controller';
import { RetentionController } from './retention/retention.controller';
import { SequencesController } from './sequences/sequences.controller';
import { Downstream } from './support/downstream';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, GatewayConfig } from './support/tokens';

/**
 * The gateway's own operations (GatewayService), composing metadata, blob-archive, consdb-ingest and
 * stats. MetadataService and StatsService are forwarded unchanged (see service.ts), not implemented here.
 */
@Module({})
export class GatewayModule {
  /** `providers`: values made before the module (the authenticator the server's interceptor uses), closed with it. */
  static forRoot(config: GatewayConfig, logger: Logger, providers: Provider[] = []): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [SequencesController, FilesController, DownloadsController, ConsdbController, RetentionController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useValue: logger },
        { provide: Downstream, useFactory: () => new Downstream(config) },
        ...providers,
      ],
    };
  }
}
