import { DynamicModule, Module } from '@nestjs/common';

export const STATS_CONFIG = Symbol('STATS_CONFIG');

/** The stats service: nightly statistics and their plots. RPCs without a handler answer UNIMPLEMENTED. */
@Module({})
export class StatsModule {
  static forRoot(config: Record<string, unknown>): DynamicModule {
    return { module: StatsModule, providers: [{ provide: STATS_CONFIG, useValue: config }], exports: [STATS_CONFIG] };
  }
}
