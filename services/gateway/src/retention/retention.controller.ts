import type * as grpc from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import { responseStream } from '@visitsarch/grpc-server';
import { GatewayController } from '../support/gateway-controller';
import { StreamingCall } from './audit';
import { collectGarbage } from './collect-garbage';
import { purgeVisits } from './purge-visits';

/**
 * Retention (docs/operations.md, "Retention"): purging the stored visits of old sequences and
 * collecting the objects no record points to, both audited. Administrative operations: until
 * authentication exists (docs/security.md) they are open to every caller of the gateway.
 */
@Controller()
export class RetentionController extends GatewayController {
  @GrpcMethod('GatewayService', 'PurgeVisits')
  purgeVisits(request: gatewayV1.PurgeVisitsRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.PurgeVisitsResponse> {
    return responseStream(call, () => purgeVisits(this.downstream, this.logger, request, call));
  }

  @GrpcMethod('GatewayService', 'CollectGarbage')
  collectGarbage(request: gatewayV1.CollectGarbageRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.CollectGarbageResponse> {
    return responseStream(call, () => collectGarbage(this.downstream, this.logger, this.config.VISITSARCH_ARCHIVE_URL, request, call));
  }
}
