import { gatewayV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { requestFingerprint } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { GatewayConfig } from '../support/tokens';
import { NewSequence, RecordedSequence, recordSequence } from './record-sequence';

/** The columns the specification's nightly_stats example describes (the stats service maps them to opsim names). */
const SPEC_STATISTICS_COLUMNS = ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude', 'eff_time_median', 'sky_bg_median', 'psf_area_median'];

/**
 * AddCompleted: records a completed sequence from its visits (recordSequence, all or nothing),
 * then its nightly statistics. The gateway's AddCompleted RPC and its ConsDB ingest
 * (QueryConsdb) both record completed visits with this function; the ingest, which makes the
 * header, gives the fingerprint of its own client's request.
 */
export async function addCompleted(
  downstream: Downstream,
  config: GatewayConfig,
  logger: Logger,
  header: gatewayV1.AddCompletedHeader,
  chunks: AsyncIterable<typeV1.ArrowIpcChunk>,
  call: CallOptions['parent'],
  clientFingerprint?: string,
): Promise<RecordedSequence> {
  const sequence: NewSequence = {
    ...commonSequenceFields(header),
    ...(clientFingerprint === undefined ? {} : { fingerprint: () => clientFingerprint }),
    kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED,
    completed: { query: header.query },
  };
  return withStatistics(downstream, config, logger, await recordSequence(downstream, config.VISITSARCH_ARCHIVE_URL, logger, sequence, chunks, call));
}

/**
 * With COMPUTE_NIGHTLY_STATS_ON_ADD, stores the new sequence's nightly statistics. The
 * sequence is recorded whatever happens here: a failure is logged, and `visitsarch
 * nightly_stats UUID` computes them later.
 */
export async function withStatistics<T extends { visitseqUuid: string; visitseqUrl?: string }>(downstream: Downstream, config: GatewayConfig, logger: Logger, recorded: T): Promise<T> {
  if (!config.COMPUTE_NIGHTLY_STATS_ON_ADD || !recorded.visitseqUrl) return recorded;
  try {
    await downstream.stats.unary(
      'computeNightlyStats',
      { visitseqUuid: recorded.visitseqUuid, columns: SPEC_STATISTICS_COLUMNS, store: true, includeAccumulated: true, omitStats: true },
      { deadline: Date.now() + 600_000 },
    );
  } catch (error) {
    logger.warn({ visitseqUuid: recorded.visitseqUuid, err: error }, 'nightly statistics of a new sequence could not be computed');
  }
  return recorded;
}

/** The fields simulations and completed sequences share; the fingerprint is that of the header the client sent with its visits. */
export function commonSequenceFields(header: gatewayV1.AddSimulationHeader | gatewayV1.AddCompletedHeader) {
  return {
    fingerprint: (visitseqSha256: Uint8Array) => requestFingerprint({ ...header, visitseqSha256 }),
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
