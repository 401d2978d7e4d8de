import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { gatewayV1, typeV1 } from '@visitsarch/contracts';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { HeaderOrData, splitHeader } from '../support/client-stream';
import { answer } from '../support/streams';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, GatewayConfig } from '../support/tokens';
import { archiveVisits } from './archive-visits';
import { addMixed } from './add-mixed';
import { recordSequence } from './record-sequence';

/** The columns the specification's nightly_stats example describes (the stats service maps them to opsim names). */
const SPEC_STATISTICS_COLUMNS = ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude', 'eff_time_median', 'sky_bg_median', 'psf_area_median'];

type Upload<H> = grpc.ServerReadableStream<HeaderOrData<H, typeV1.ArrowIpcChunk>, unknown>;

/** Adding visit sequences: simulations, completed visits, mixed sequences, and visits for existing records. */
@Controller()
export class SequencesController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcStreamCall('GatewayService', 'AddSimulation')
  addSimulation(call: Upload<gatewayV1.AddSimulationHeader>, callback: grpc.sendUnaryData<gatewayV1.AddSimulationResponse>): void {
    answer(callback, this.logger, async () => {
      const { header, rest } = await splitHeader<gatewayV1.AddSimulationHeader, typeV1.ArrowIpcChunk>(call);
      return this.withStatistics(await recordSequence(
        this.downstream,
        this.config.VISITSARCH_ARCHIVE_URL,
        this.logger,
        {
          ...common(header),
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
  addCompleted(call: Upload<gatewayV1.AddCompletedHeader>, callback: grpc.sendUnaryData<gatewayV1.AddCompletedResponse>): void {
    answer(callback, this.logger, async () => {
      const { header, rest } = await splitHeader<gatewayV1.AddCompletedHeader, typeV1.ArrowIpcChunk>(call);
      return this.withStatistics(
        await recordSequence(
          this.downstream,
          this.config.VISITSARCH_ARCHIVE_URL,
          this.logger,
          { ...common(header), kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED, completed: { query: header.query } },
          rest,
          call,
        ),
      );
    });
  }

  @GrpcStreamCall('GatewayService', 'ArchiveVisits')
  archiveVisits(call: Upload<gatewayV1.ArchiveVisitsHeader>, callback: grpc.sendUnaryData<gatewayV1.ArchiveVisitsResponse>): void {
    answer(callback, this.logger, async () => {
      const { header, rest } = await splitHeader<gatewayV1.ArchiveVisitsHeader, typeV1.ArrowIpcChunk>(call);
      return archiveVisits(this.downstream, this.config.VISITSARCH_ARCHIVE_URL, this.logger, header, rest, call);
    });
  }

  /**
   * With COMPUTE_NIGHTLY_STATS_ON_ADD, stores the new sequence's nightly statistics. The
   * sequence is recorded whatever happens here: a failure is logged, and `visitsarch
   * nightly_stats UUID` computes them later.
   */
  private async withStatistics<T extends { visitseqUuid: string; visitseqUrl?: string }>(recorded: T): Promise<T> {
    if (!this.config.COMPUTE_NIGHTLY_STATS_ON_ADD || !recorded.visitseqUrl) return recorded;
    try {
      await this.downstream.stats.unary(
        'computeNightlyStats',
        { visitseqUuid: recorded.visitseqUuid, columns: SPEC_STATISTICS_COLUMNS, store: true, includeAccumulated: true, omitStats: true },
        { deadline: Date.now() + 600_000 },
      );
    } catch (error) {
      this.logger.warn({ visitseqUuid: recorded.visitseqUuid, err: error }, 'nightly statistics of a new sequence could not be computed');
    }
    return recorded;
  }

  @GrpcMethod('GatewayService', 'AddMixed')
  addMixed(request: gatewayV1.AddMixedRequest, _metadata: grpc.Metadata, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<gatewayV1.AddMixedResponse> {
    return addMixed(this.downstream, this.config.VISITSARCH_ARCHIVE_URL, this.logger, request, call);
  }
}

/** The fields simulations and completed sequences share. */
function common(header: gatewayV1.AddSimulationHeader | gatewayV1.AddCompletedHeader) {
  return {
    label: header.label,
    telescope: header.telescope,
    firstDayObs: header.firstDayObs,
    lastDayObs: header.lastDayObs,
    creationTime: header.creationTime,
    archiveUrl: header.archiveUrl,
    tags: header.tags,
    requestId: header.requestId,
    format: header.format,
  };
}
