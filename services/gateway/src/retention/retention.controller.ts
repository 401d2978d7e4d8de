import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import { responseStream } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, GatewayConfig } from '../support/tokens';
import { StreamingCall } from './audit';
import { collectGarbage } from './collect-garbage';
import { purgeVisits } from './purge-visits';

/**
 * Retention (docs/operations.md, "Retention"): purging the stored visits of old sequences and
 * collecting the objects no record points to, both audited. Administrative operations: until
 * authentication exists (docs/security.md) they are open to every caller of the gateway.
 */
@Controller()
export class RetentionController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod('GatewayService', 'PurgeVisits')
  purgeVisits(request: gatewayV1.PurgeVisitsRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.PurgeVisitsResponse> {
    return responseStream(call, () => purgeVisits(this.downstream, this.logger, request, call));
  }

  @GrpcMethod('GatewayService', 'CollectGarbage')
  collectGarbage(request: gatewayV1.CollectGarbageRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.CollectGarbageResponse> {
    return responseStream(call, () => collectGarbage(this.downstream, this.logger, this.config.VISITSARCH_ARCHIVE_URL, request, call));
  }
}
