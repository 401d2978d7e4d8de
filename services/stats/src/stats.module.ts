import { DynamicModule, Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { BackendAddresses, Backends } from './support/backends';

export const STATS_CONFIG = Symbol('STATS_CONFIG');

/** The stats service: nightly statistics, their plots, and MAF results import. */
@Module({})
export class StatsModule {
  static forRoot(config: BackendAddresses): DynamicModule {
    return {
      module: StatsModule,
      controllers: [StatsController],
      providers: [
        { provide: STATS_CONFIG, useValue: config },
        { provide: Backends, useFactory: () => new Backends(config) },
      ],
      exports: [STATS_CONFIG],
    };
  }
}
