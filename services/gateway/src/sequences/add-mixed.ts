import { blobArchiveV1, gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition, invalidArgument, notFound, requestFingerprint } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { archiveDirectory } from '../support/archive-directory';
import { Downstream } from '../support/downstream';
import { fingerprintMetadata, sequenceUuidFor } from '../support/request-id';
import { mapAsync } from '../support/streams';
import { storedVisitsFile } from '@visitsarch/sequence-visits';
import { confirmRetry, discardUnrecorded, findSequence } from './record-sequence';
import { optionalDayObs, requireText, requireUuid } from './validation';

/**
 * Records a mixed sequence: the early parent's visits through last_early_day_obs, then the
 * late parent's from first_late_day_obs. Its hash is that of the spliced table, computed by
 * the blob archive from the stored parents; with `materialize` the spliced table is stored too.
 */
export async function addMixed(
  downstream: Downstream,
  defaultArchive: string,
  logger: Logger,
  request: gatewayV1.AddMixedRequest,
  call: CallOptions['parent'],
): Promise<gatewayV1.AddMixedResponse> {
  requireText(request.label, 'label');
  const earlyUuid = requireUuid(request.earlyParentUuid, 'early_parent_uuid');
  const lateUuid = requireUuid(request.lateParentUuid, 'late_parent_uuid');
  const lastEarly = optionalDayObs(request.lastEarlyDayObs, 'last_early_day_obs');
  const firstLate = optionalDayObs(request.firstLateDayObs, 'first_late_day_obs');
  if (!lastEarly) throw invalidArgument('last_early_day_obs is required', 'last_early_day_obs');
  if (!firstLate) throw invalidArgument('first_late_day_obs is required', 'first_late_day_obs');
  if (lastEarly >= firstLate) throw invalidArgument(`last_early_day_obs ${lastEarly} must be earlier than first_late_day_obs ${firstLate}`, 'first_late_day_obs');
  const archive = request.materialize ? (request.archiveUrl ?? defaultArchive) : '';
  if (request.materialize && archive === '') throw invalidArgument('archive_url may not be empty when materializing', 'archive_url');

  const uuid = sequenceUuidFor(request.requestId);
  // What the client asked: the creation time and file names derived below differ between attempts.
  const fingerprint = requestFingerprint(request);
  if (request.requestId) {
    const existing = await findSequence(downstream, uuid, call);
    if (existing) {
      const record = await confirmRetry(downstream, existing, request.requestId, fingerprint, call);
      return { visitseqUuid: uuid, visitseqUrl: record.visitseqUrl, visitseqSha256: record.visitseqSha256, rowCount: 0, visitSequence: record };
    }
  }
  const early = await findSequence(downstream, earlyUuid, call);
  if (!early) throw notFound('VisitSequence', earlyUuid, `early parent ${earlyUuid} not found`);
  const late = await findSequence(downstream, lateUuid, call);
  if (!late) throw notFound('VisitSequence', lateUuid, `late parent ${lateUuid} not found`);
  const telescope = request.telescope || early.telescope;
  if (early.telescope !== telescope || late.telescope !== telescope) {
    throw failedPrecondition(`the parents' telescopes (${early.telescope}, ${late.telescope}) differ from each other or from ${telescope}`, 'TELESCOPE_MISMATCH');
  }
  const earlyFile = await storedVisitsFile(downstream, earlyUuid, call, 'early parent');
  const lateFile = await storedVisitsFile(downstream, lateUuid, call, 'late parent');
  const source: blobArchiveV1.MixedVisitTableSource = {
    earlyParentUrl: earlyFile.fileUrl,
    earlyParentFileSha256: earlyFile.fileSha256,
    lateParentUrl: lateFile.fileUrl,
    lateParentFileSha256: lateFile.fileSha256,
    lastEarlyDayObs: lastEarly,
    firstLateDayObs: firstLate,
  };
  const creationTime = request.creationTime ?? new Date();

  let hashed: { visitseqSha256: Uint8Array; rowCount: number; file?: metadataV1.VisitSequenceFile };
  if (request.materialize) {
    const stored = await downstream.blobArchive.unary(
      'materializeMixedVisitTable',
      {
        source,
        columns: [],
        destination: { ...archiveDirectory(archive, { telescope, creationTime, visitseqUuid: uuid }), fileName: '', overwrite: request.requestId !== '', format: request.format },
      },
      { parent: call },
    );
    hashed = {
      visitseqSha256: stored.visitseqSha256,
      rowCount: stored.rowCount,
      file: { visitseqUuid: uuid, fileType: 'visits', fileSha256: stored.fileSha256, fileSize: stored.fileSize, fileUrl: stored.fileUrl },
    };
  } else {
    const spliced = downstream.blobArchive.serverStream('readMixedVisitTable', { source, columns: [] }, { parent: call });
    hashed = await downstream.blobArchive.clientStream('hashVisitTable', mapAsync(spliced, (message) => ({ chunk: message.chunk })), { parent: call });
  }

  try {
    const created = await downstream.registry.unary(
      'createVisitSequence',
      {
        visitSequence: {
          visitseqUuid: uuid,
          visitseqSha256: hashed.visitseqSha256,
          visitseqLabel: request.label,
          visitseqUrl: hashed.file?.fileUrl,
          telescope,
          firstDayObs: early.firstDayObs,
          lastDayObs: late.lastDayObs,
          creationTime,
          kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_MIXED,
          tags: [],
          mixed: { lastEarlyDayObs: lastEarly, firstLateDayObs: firstLate, earlyParentUuid: earlyUuid, lateParentUuid: lateUuid },
        },
        requestId: request.requestId,
        tags: request.tags,
        files: hashed.file ? [hashed.file] : [],
      },
      { parent: call, metadata: fingerprintMetadata(request.requestId, fingerprint) },
    );
    return { visitseqUuid: uuid, visitseqUrl: hashed.file?.fileUrl, visitseqSha256: hashed.visitseqSha256, rowCount: hashed.rowCount, visitSequence: created.visitSequence };
  } catch (error) {
    if (hashed.file?.fileUrl) await discardUnrecorded(downstream, hashed.file.fileUrl, error, logger, request.requestId !== '');
    throw error;
  }
}
