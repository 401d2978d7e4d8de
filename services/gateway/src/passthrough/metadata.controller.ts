import type * as grpc from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import { Downstream } from '../support/downstream';
import { streamOf } from '../support/streams';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/**
 * Operations that are exactly one metadata-service call: the gateway forwards them with the
 * caller's deadline and cancellation, and returns the answer (or the error, code and details
 * kept) unchanged. Field names match between the two contracts by design.
 */
@Controller()
export class MetadataPassthroughController {
  constructor(private readonly downstream: Downstream) {}

  private get metadata() {
    return this.downstream.metadata;
  }

  @GrpcMethod('GatewayService', 'GetVisitSequence')
  getVisitSequence(request: gatewayV1.GetVisitSequenceRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('getVisitSequence', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListVisitSequences')
  listVisitSequences(request: gatewayV1.ListVisitSequencesRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listVisitSequences', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpdateVisitSequence')
  updateVisitSequence(request: gatewayV1.UpdateVisitSequenceRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('updateVisitSequence', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'Tag')
  tag(request: gatewayV1.TagRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('addTags', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'Untag')
  untag(request: gatewayV1.UntagRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('removeTags', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'CheckTag')
  checkTag(request: gatewayV1.CheckTagRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('checkTag', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'Comment')
  comment(request: gatewayV1.CommentRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('addComment', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListComments')
  listComments(request: gatewayV1.ListCommentsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listComments', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'SaveEnv')
  saveEnv(request: gatewayV1.SaveEnvRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('recordCondaEnv', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'GetCondaEnv')
  getCondaEnv(request: gatewayV1.GetCondaEnvRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('getCondaEnv', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListCondaPackages')
  listCondaPackages(request: gatewayV1.ListCondaPackagesRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listCondaPackages', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListFiles')
  listFiles(request: gatewayV1.ListFilesRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listFiles', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListNightlyStats')
  listNightlyStats(request: gatewayV1.ListNightlyStatsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listNightlyStats', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpsertNightlyStats')
  upsertNightlyStats(request: gatewayV1.UpsertNightlyStatsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('upsertNightlyStats', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpsertMafMetrics')
  upsertMafMetrics(request: gatewayV1.UpsertMafMetricsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('upsertMafMetrics', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpsertMafMetricSets')
  upsertMafMetricSets(request: gatewayV1.UpsertMafMetricSetsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('upsertMafMetricSets', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpsertMafSummaryMetrics')
  upsertMafSummaryMetrics(request: gatewayV1.UpsertMafSummaryMetricsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('upsertMafSummaryMetrics', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'UpsertMafHealpixStats')
  upsertMafHealpixStats(request: gatewayV1.UpsertMafHealpixStatsRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('upsertMafHealpixStats', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ListMafSummary')
  listMafSummary(request: gatewayV1.ListMafSummaryRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('listMafSummary', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'ImportUpstream')
  importUpstream(request: gatewayV1.ImportUpstreamRequest, _m: grpc.Metadata, call: Call) {
    return this.metadata.unary('importUpstream', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'Query')
  query(request: gatewayV1.QueryRequest, _m: grpc.Metadata, call: Call): Observable<gatewayV1.QueryResponse> {
    return streamOf(() => relay(this.metadata.serverStream('query', request, { parent: call })));
  }

  @GrpcMethod('GatewayService', 'QueryNight')
  queryNight(request: gatewayV1.QueryNightRequest, _m: grpc.Metadata, call: Call): Observable<gatewayV1.QueryNightResponse> {
    return streamOf(() => relay(this.metadata.serverStream('queryNight', request, { parent: call })));
  }

  @GrpcMethod('GatewayService', 'PrenightSims')
  prenightSims(request: gatewayV1.PrenightSimsRequest, _m: grpc.Metadata, call: Call): Observable<gatewayV1.PrenightSimsResponse> {
    return streamOf(() => relay(this.metadata.serverStream('prenightSims', request, { parent: call })));
  }
}

async function* relay<T>(messages: AsyncIterable<T>): AsyncGenerator<T> {
  yield* messages;
}
