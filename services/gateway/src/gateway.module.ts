import { DynamicModule, Module } from '@nestjs/common';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** The gateway: the user-facing API composing the other services. RPCs without a handler answer UNIMPLEMENTED. */
@Module({})
export class GatewayModule {
  static forRoot(config: Record<string, unknown>): DynamicModule {
    return { module: GatewayModule, providers: [{ provide: GATEWAY_CONFIG, useValue: config }], exports: [GATEWAY_CONFIG] };
  }
}
