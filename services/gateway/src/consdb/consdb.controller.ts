import type * as grpc from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import { responseStream } from '@visitsarch/grpc-server';
import { GatewayController } from '../support/gateway-controller';
import { ingestConsdbVisits } from './ingest';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/**
 * ConsDB: consdb-ingest queries ConsDB and converts the visits (errors, UNIMPLEMENTED included,
 * forwarded unchanged); the gateway records them (ingest.ts).
 */
@Controller()
export class ConsdbController extends GatewayController {
  @GrpcMethod('GatewayService', 'GetDefaultConsdbQuery')
  getDefaultConsdbQuery(request: gatewayV1.GetDefaultConsdbQueryRequest, _m: grpc.Metadata, call: Call) {
    return this.downstream.consdbIngest.unary('getDefaultConsdbQuery', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'QueryConsdb')
  queryConsdb(request: gatewayV1.QueryConsdbRequest, _m: grpc.Metadata, call: grpc.ServerWritableStream<unknown, gatewayV1.QueryConsdbResponse>): Observable<gatewayV1.QueryConsdbResponse> {
    const archiveUrl = request.archiveUrl ?? this.config.VISITSARCH_ARCHIVE_URL;
    const context = { downstream: this.downstream, config: this.config, logger: this.logger };
    return responseStream(call, () => ingestConsdbVisits(context, { ...request, archiveUrl }, call));
  }
}
