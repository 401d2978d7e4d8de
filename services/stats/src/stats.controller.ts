import type { Metadata, sendUnaryData, ServerReadableStream, ServerUnaryCall } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { statsV1 } from '@visitsarch/contracts';
import { serveClientStream } from '@visitsarch/grpc-server';
import { computeNightlyStatsRpc } from './compute/compute-nightly-stats';
import { importMafResultsRpc } from './maf/import-maf-results';
import { plotNightlyStatsRpc } from './plot/plot-nightly-stats';
import { Backends } from './support/backends';

/**
 * visitsarch.stats.v1.StatsService: each RPC handed to its module, with the call as parent of
 * the backend calls (deadline, cancellation). ImportMafResults takes the raw grpc-js call
 * (@GrpcStreamCall), served by @visitsarch/grpc-server's serveClientStream: read at the pace the
 * handler consumes it, failures answered by the service's error filter like every RPC's.
 */
@Controller()
export class StatsController {
  constructor(private readonly backends: Backends) {}

  @GrpcMethod('StatsService', 'ComputeNightlyStats')
  computeNightlyStats(request: statsV1.ComputeNightlyStatsRequest, _metadata?: Metadata, call?: ServerUnaryCall<unknown, unknown>): Promise<statsV1.ComputeNightlyStatsResponse> {
    return computeNightlyStatsRpc(this.backends, request, call);
  }

  @GrpcMethod('StatsService', 'PlotNightlyStats')
  plotNightlyStats(request: statsV1.PlotNightlyStatsRequest, _metadata?: Metadata, call?: ServerUnaryCall<unknown, unknown>): Promise<statsV1.PlotNightlyStatsResponse> {
    return plotNightlyStatsRpc(this.backends, request, call);
  }

  @GrpcStreamCall('StatsService', 'ImportMafResults')
  importMafResults(call: ServerReadableStream<statsV1.ImportMafResultsRequest, unknown>, callback: sendUnaryData<statsV1.ImportMafResultsResponse>): Promise<void> {
    return serveClientStream(call, callback, (requests) => importMafResultsRpc(this.backends, requests, call));
  }
}
