import type * as grpc from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { archiveDirectory } from '../support/archive-directory';
import { Downstream } from '../support/downstream';
import { replacementName } from '../support/replacement-name';
import { FORMAT_EXTENSIONS, visitTableFormatOf } from '@visitsarch/visit-tables';
import { blobUploadRequests, deleteQuietly, discardUnrecorded, findSequence, lookUpSequence } from './record-sequence';
import { requireUuid } from './validation';

/** The sequence's `visits` file record, if it has one. */
async function visitsFileRecord(downstream: Downstream, uuid: string, call: grpc.ServerReadableStream<unknown, unknown> | grpc.ServerUnaryCall<unknown, unknown>): Promise<metadataV1.VisitSequenceFile | undefined> {
  try {
    return (await downstream.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent: call })).file;
  } catch (error) {
    if ((error as grpc.ServiceError).code === grpcStatus.NOT_FOUND) return undefined;
    throw error;
  }
}

/**
 * Stores the visits of an existing sequence (one recorded with metadata only, or a
 * replacement). The table must hash to the recorded visitseq_sha256, unless the header adopts
 * the table's canonical hash (a sequence imported from an upstream, whose hash is not
 * reproducible): then the hash is replaced along with recording the file. A replacement goes to a
 * new object name; the old object is deleted only once the record points to the new one.
 */
export async function archiveVisits(
  downstream: Downstream,
  defaultArchive: string,
  logger: Logger,
  header: gatewayV1.ArchiveVisitsHeader,
  chunks: AsyncIterable<typeV1.ArrowIpcChunk>,
  call: grpc.ServerReadableStream<unknown, unknown>,
): Promise<gatewayV1.ArchiveVisitsResponse> {
  const uuid = requireUuid(header.visitseqUuid, 'visitseq_uuid');
  const archive = header.archiveUrl ?? defaultArchive;
  if (archive === '') throw invalidArgument('archive_url may not be empty: visits are stored in an archive', 'archive_url');
  const sequence = await findSequence(downstream, uuid, call);
  if (!sequence) throw notFound('VisitSequence', uuid);
  const adopt = header.adoptCanonicalHash;
  // Adopting: the sequence's visitseq_url (an upstream's object, say) is not ours, so it is
  // neither "already stored" nor deleted; only a `visits` file record says visits are stored here.
  const record = adopt ? await visitsFileRecord(downstream, uuid, call) : undefined;
  if (record) {
    throw failedPrecondition(
      record.fileUrl
        ? `the visits of ${uuid} are already stored in the archive (at ${record.fileUrl}): only a sequence without stored visits can adopt visits`
        : `the visits of ${uuid} were stored in the archive and purged (its visits file record is kept): its visitseq_sha256 is the archive's own, so store them again without adopting a hash`,
      'VISITS_ALREADY_STORED',
    );
  }
  const previousUrl = adopt ? undefined : sequence.visitseqUrl;
  if (previousUrl && !header.replace) throw alreadyExists('VisitSequenceFile', `${uuid}/visits`, `the visits of ${uuid} are already stored at ${previousUrl}; set replace to store them again`);

  const fileName = previousUrl ? (header.format ? `visits-${Date.now().toString(16)}${FORMAT_EXTENSIONS[visitTableFormatOf(header.format) ?? 'arrow-stream']}` : replacementName(previousUrl)) : '';
  const destination = { ...archiveDirectory(archive, sequence), fileName, overwrite: false, format: header.format };
  const stored = await downstream.blobArchive.clientStream('uploadVisitTable', blobUploadRequests(destination, chunks), { parent: call });
  try {
    // Adopted visits must lie within the nights the record says they cover, as where they are
    // (AdoptStoredVisits); visits hashing to the recorded hash are the recorded ones.
    if (adopt) refuseVisitsOutsideNights(stored, sequence, 'these visits');
    if (!adopt && !Buffer.from(stored.visitseqSha256).equals(Buffer.from(sequence.visitseqSha256))) {
      throw failedPrecondition(
        `these visits hash to ${Buffer.from(stored.visitseqSha256).toString('hex')}, not to the recorded visitseq_sha256 ${Buffer.from(sequence.visitseqSha256).toString('hex')} of ${uuid}`,
        'VISITS_HASH_MISMATCH',
      );
    }
    const registered = await downstream.registry.unary(
      'registerFile',
      {
        file: { visitseqUuid: uuid, fileType: 'visits', fileSha256: stored.fileSha256, fileSize: stored.fileSize, fileUrl: stored.fileUrl },
        // Adopting: a `visits` record made meanwhile is ALREADY_EXISTS, not replaced.
        replace: !adopt,
        requestId: '',
        // Adopting: the hash is replaced in the transaction that records the file (all or nothing).
        visitseqSha256: adopt ? stored.visitseqSha256 : undefined,
      },
      { parent: call },
    );
    if (previousUrl && previousUrl !== stored.fileUrl) await deleteQuietly(downstream, previousUrl, logger);
    return {
      visitseqUrl: stored.fileUrl,
      rowCount: stored.rowCount,
      file: registered.file,
      previousVisitseqSha256: adopt ? registered.previousVisitseqSha256 : Buffer.alloc(0),
      visitseqSha256: stored.visitseqSha256,
    };
  } catch (error) {
    await discardUnrecorded(downstream, stored.fileUrl, error, logger, false);
    throw error;
  }
}

/**
 * FAILED_PRECONDITION (VISITS_OUTSIDE_NIGHTS) unless the nights of a table of visits (`visits`,
 * as the blob archive found them; none for an empty table) lie within those recorded for the
 * sequence: a record whose nights are not its visits' would be found by query_night on nights
 * it has no visits of.
 */
function refuseVisitsOutsideNights(span: { firstDayObs: string; lastDayObs: string }, sequence: metadataV1.VisitSequence, visits: string): void {
  if (span.firstDayObs && (span.firstDayObs < sequence.firstDayObs || span.lastDayObs > sequence.lastDayObs)) {
    throw failedPrecondition(
      `${visits} span ${span.firstDayObs} to ${span.lastDayObs}, outside the nights recorded for ${sequence.visitseqUuid} (${sequence.firstDayObs} to ${sequence.lastDayObs})`,
      'VISITS_OUTSIDE_NIGHTS',
    );
  }
}

/**
 * AdoptStoredVisits: registers the visits of a sequence recorded elsewhere where they already are
 * (its visitseq_url, in the archive's storage), instead of copying them: the blob archive reads the
 * object once for its SHA-256, size and canonical hash, and the `visits` file record is written
 * with the canonical hash replacing the upstream's (one transaction). Nothing is stored, so
 * nothing needs undoing when recording fails.
 */
export async function adoptStoredVisits(
  downstream: Downstream,
  request: gatewayV1.AdoptStoredVisitsRequest,
  call: grpc.ServerUnaryCall<unknown, unknown>,
): Promise<gatewayV1.AdoptStoredVisitsResponse> {
  const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
  const found = await lookUpSequence(downstream, uuid, call);
  if (!found?.visitSequence) throw notFound('VisitSequence', uuid);
  const sequence = found.visitSequence;
  const record = found.visitsFile ?? (await visitsFileRecord(downstream, uuid, call));
  if (record) {
    throw failedPrecondition(`the visits of ${uuid} are already recorded in the archive${record.fileUrl ? ` (at ${record.fileUrl})` : ' (and purged)'}: only a sequence without a visits file record can adopt its visits`, 'VISITS_ALREADY_STORED');
  }
  const url = sequence.visitseqUrl;
  if (!url) throw failedPrecondition(`visit sequence ${uuid} has no visitseq_url: there are no visits to adopt where they are (store them with ArchiveVisits)`, 'NO_VISITSEQ_URL');
  const inspected = await downstream.blobArchive.unary('inspectVisitTable', { fileUrl: url }, { parent: call }).catch((error: grpc.ServiceError) => {
    if (error.code !== grpcStatus.PERMISSION_DENIED) throw error;
    throw failedPrecondition(
      `the visits of ${uuid} are at ${url}, outside the archive's storage: they cannot be adopted where they are; copy them instead (visitsarch adopt_visits ${uuid} FILE)`,
      'VISITS_OUTSIDE_ARCHIVE',
    );
  });
  refuseVisitsOutsideNights(inspected, sequence, `the visits at ${url}`);
  const registered = await downstream.registry.unary(
    'registerFile',
    {
      file: { visitseqUuid: uuid, fileType: 'visits', fileSha256: inspected.fileSha256, fileSize: inspected.fileSize, fileUrl: url },
      replace: false,
      requestId: '',
      visitseqSha256: inspected.visitseqSha256,
    },
    { parent: call },
  );
  return { file: registered.file, rowCount: inspected.rowCount, visitseqSha256: inspected.visitseqSha256, previousVisitseqSha256: registered.previousVisitseqSha256 };
}
