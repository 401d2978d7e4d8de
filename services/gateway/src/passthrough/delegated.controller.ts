import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { answer, mapAsync, streamOf } from '../support/streams';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, GatewayConfig } from '../support/tokens';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/**
 * ConsDB and statistics operations belong to the consdb-ingest and stats services; the gateway
 * forwards them (their UNIMPLEMENTED, until they are built, reaches the caller unchanged).
 */
@Controller()
export class DelegatedController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod('GatewayService', 'GetDefaultConsdbQuery')
  getDefaultConsdbQuery(request: gatewayV1.GetDefaultConsdbQueryRequest, _m: grpc.Metadata, call: Call) {
    return this.downstream.consdbIngest.unary('getDefaultConsdbQuery', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'QueryConsdb')
  queryConsdb(request: gatewayV1.QueryConsdbRequest, _m: grpc.Metadata, call: Call): Observable<gatewayV1.QueryConsdbResponse> {
    const archiveUrl = request.archiveUrl ?? this.config.VISITSARCH_ARCHIVE_URL;
    const ingested = this.downstream.consdbIngest.serverStream('ingestConsdbVisits', { ...request, archiveUrl, returnVisits: true }, { parent: call });
    return streamOf(() =>
      mapAsync(ingested, (message) => ({
        visitseqUuid: message.visitseqUuid,
        visitseqUrl: message.visitseqUrl,
        mixedVisitseqUuid: message.mixedVisitseqUuid,
        rowCount: message.rowCount,
        chunk: message.chunk,
      })),
    );
  }

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
