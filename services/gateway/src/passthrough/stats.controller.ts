import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { gatewayV1 } from '@visitsarch/contracts';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { answer } from '../support/streams';
import { GATEWAY_LOGGER } from '../support/tokens';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** Statistics operations belong to the stats service; the gateway forwards them (errors, UNIMPLEMENTED included, unchanged). */
@Controller()
export class StatsController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod('GatewayService', 'ComputeNightlyStats')
  computeNightlyStats(request: gatewayV1.ComputeNightlyStatsRequest, _m: grpc.Metadata, call: Call) {
    return this.downstream.stats.unary('computeNightlyStats', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'PlotNightlyStats')
  plotNightlyStats(request: gatewayV1.PlotNightlyStatsRequest, _m: grpc.Metadata, call: Call) {
    return this.downstream.stats.unary('plotNightlyStats', request, { parent: call });
  }

  @GrpcStreamCall('GatewayService', 'ImportMafResults')
  importMafResults(call: grpc.ServerReadableStream<gatewayV1.ImportMafResultsRequest, unknown>, callback: grpc.sendUnaryData<gatewayV1.ImportMafResultsResponse>): void {
    answer(callback, this.logger, () => this.downstream.stats.clientStream('importMafResults', call, { parent: call }));
  }
}
