import type { Metadata, sendUnaryData, ServerReadableStream, ServerUnaryCall, ServiceError } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { statsV1 } from '@visitsarch/contracts';
import { toGrpcStatus } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { computeNightlyStatsRpc } from './compute/compute-nightly-stats';
import { importMafResultsRpc } from './maf/import-maf-results';
import { plotNightlyStatsRpc } from './plot/plot-nightly-stats';
import { Backends } from './support/backends';

export const STATS_LOGGER = Symbol('STATS_LOGGER');

/**
 * visitsarch.stats.v1.StatsService: each RPC handed to its module, with the call as parent of
 * the backend calls (deadline, cancellation). ImportMafResults takes the raw grpc-js call
 * (@GrpcStreamCall): Nest's Observable flavour only hands the messages to a Promise-returning
 * handler after that Promise resolved, which would never happen.
 */
@Controller()
export class StatsController {
  constructor(
    private readonly backends: Backends,
    @Inject(STATS_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod('StatsService', 'ComputeNightlyStats')
  computeNightlyStats(request: statsV1.ComputeNightlyStatsRequest, _metadata?: Metadata, call?: ServerUnaryCall<unknown, unknown>): Promise<statsV1.ComputeNightlyStatsResponse> {
    return computeNightlyStatsRpc(this.backends, request, call);
  }

  @GrpcMethod('StatsService', 'PlotNightlyStats')
  plotNightlyStats(request: statsV1.PlotNightlyStatsRequest, _metadata?: Metadata, call?: ServerUnaryCall<unknown, unknown>): Promise<statsV1.PlotNightlyStatsResponse> {
    return plotNightlyStatsRpc(this.backends, request, call);
  }

  @GrpcStreamCall('StatsService', 'ImportMafResults')
  importMafResults(call: ServerReadableStream<statsV1.ImportMafResultsRequest, unknown>, callback: sendUnaryData<statsV1.ImportMafResultsResponse>): void {
    importMafResultsRpc(this.backends, call as AsyncIterable<statsV1.ImportMafResultsRequest>, call).then(
      (response) => callback(null, response),
      (error) => callback(toGrpcStatus(error, this.logger) as ServiceError),
    );
  }
}
