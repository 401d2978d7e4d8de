import type * as grpc from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { gatewayV1, typeV1 } from '@visitsarch/contracts';
import { HeaderOrData, serveClientStream, splitHeader } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';
import { GatewayController } from '../support/gateway-controller';
import { adoptStoredVisits, archiveVisits } from './archive-visits';
import { addCompleted, commonSequenceFields, withStatistics } from './add-completed';
import { addMixed } from './add-mixed';
import { recordSequence } from './record-sequence';

/** Adding visit sequences: simulations, completed visits, mixed sequences, and visits for existing records. */
@Controller()
export class SequencesController extends GatewayController {
  @GrpcStreamCall('GatewayService', 'AddSimulation')
  addSimulation(call: grpc.ServerReadableStream<HeaderOrData<gatewayV1.AddSimulationHeader, typeV1.ArrowIpcChunk>, unknown>, callback: grpc.sendUnaryData<gatewayV1.AddSimulationResponse>) {
    return serveClientStream(call, callback, async (requests) => {
      const { header, rest } = await splitHeader(requests, checkRequestLimits);
      return withStatistics(this.downstream, this.config, this.logger, await recordSequence(
        this.downstream,
        this.config.VISITSARCH_ARCHIVE_URL,
        this.logger,
        {
          ...commonSequenceFields(header),
          kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_SIMULATION,
          simulation: {
            schedulerVersion: header.schedulerVersion,
            configUrl: header.configUrl,
            simRunnerArgs: header.simRunnerArgs,
            condaEnvSha256: header.condaEnvSha256,
            parentVisitseqUuid: header.parentVisitseqUuid || undefined,
            parentLastDayObs: header.parentLastDayObs || undefined,
          },
        },
        rest,
        call,
      ));
    });
  }

  @GrpcStreamCall('GatewayService', 'AddCompleted')
  addCompleted(call: grpc.ServerReadableStream<HeaderOrData<gatewayV1.AddCompletedHeader, typeV1.ArrowIpcChunk>, unknown>, callback: grpc.sendUnaryData<gatewayV1.AddCompletedResponse>) {
    return serveClientStream(call, callback, async (requests) => {
      const { header, rest } = await splitHeader(requests, checkRequestLimits);
      return addCompleted(this.downstream, this.config, this.logger, header, rest, call);
    });
  }

  @GrpcStreamCall('GatewayService', 'ArchiveVisits')
  archiveVisits(call: grpc.ServerReadableStream<HeaderOrData<gatewayV1.ArchiveVisitsHeader, typeV1.ArrowIpcChunk>, unknown>, callback: grpc.sendUnaryData<gatewayV1.ArchiveVisitsResponse>) {
    return serveClientStream(call, callback, async (requests) => {
      const { header, rest } = await splitHeader(requests, checkRequestLimits);
      return archiveVisits(this.downstream, this.config.VISITSARCH_ARCHIVE_URL, this.logger, header, rest, call);
    });
  }

  @GrpcMethod('GatewayService', 'AdoptStoredVisits')
  adoptStoredVisits(request: gatewayV1.AdoptStoredVisitsRequest, _metadata: grpc.Metadata, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<gatewayV1.AdoptStoredVisitsResponse> {
    return adoptStoredVisits(this.downstream, request, call);
  }

  @GrpcMethod('GatewayService', 'AddMixed')
  addMixed(request: gatewayV1.AddMixedRequest, _metadata: grpc.Metadata, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<gatewayV1.AddMixedResponse> {
    return addMixed(this.downstream, this.config.VISITSARCH_ARCHIVE_URL, this.logger, request, call);
  }
}
