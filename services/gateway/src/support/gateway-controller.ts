import { Inject } from '@nestjs/common';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from './downstream';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, GatewayConfig } from './tokens';

/**
 * What the gateway's controllers work with: the services behind it, its settings and its logger.
 * Nest injects them into every controller that extends this class (constructor metadata is
 * inherited), so each controller holds only its own operations.
 */
export abstract class GatewayController {
  constructor(
    protected readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) protected readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) protected readonly logger: Logger,
  ) {}
}
