import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { blobArchiveV1, gatewayV1, metadataV1 } from '@visitsarch/contracts';
import { alreadyExists, invalidArgument, notFound, requestFingerprint } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { archiveDirectory } from '../support/archive-directory';
import { Downstream } from '../support/downstream';
import { replacementName } from '../support/replacement-name';
import { fingerprintMetadata } from '../support/request-id';
import { deleteQuietly, discardUnrecorded, findSequence } from '../sequences/record-sequence';
import { checkFileName, requireText, requireUuid } from '../sequences/validation';

/**
 * Stores a file of a sequence and records it, all or nothing. A duplicate is refused before
 * anything is stored; a replacement goes to a new object name and the old object is deleted
 * only once the record points to the new one. With a request id, a retry that sends the same
 * bytes again returns the recorded file; so does a replacement by the very same bytes.
 */
export async function addFile(
  downstream: Downstream,
  defaultArchive: string,
  logger: Logger,
  header: gatewayV1.AddFileHeader,
  data: AsyncIterable<Uint8Array>,
  call: grpc.ServerReadableStream<unknown, unknown>,
): Promise<gatewayV1.AddFileResponse> {
  const uuid = requireUuid(header.visitseqUuid, 'visitseq_uuid');
  const fileType = requireText(header.fileType, 'file_type');
  if (fileType === 'visits') throw invalidArgument('file_type "visits" is reserved for the visit table: use ArchiveVisits (`visitsarch add_simulation` and friends)', 'file_type');
  const fileName = header.fileName || fileType;
  checkFileName(fileName, 'file_name'); // also when it defaults to the file type
  const archive = header.archiveUrl ?? defaultArchive;
  if (archive === '') throw invalidArgument('archive_url may not be empty: files are stored in an archive', 'archive_url');
  const sequence = await findSequence(downstream, uuid, call);
  if (!sequence) throw notFound('VisitSequence', uuid);
  const existing = await currentFile(downstream, uuid, fileType, call);

  if (existing && !header.replace) {
    if (header.requestId && existing.fileUrl) {
      // A retried request: same bytes as recorded means it already succeeded.
      const hash = createHash('sha256');
      let size = 0;
      for await (const piece of data) {
        hash.update(piece);
        size += piece.length;
      }
      const digest = hash.digest();
      if (digest.equals(Buffer.from(existing.fileSha256))) {
        const file = await confirmRetry(downstream, existing, header, digest, call);
        return { fileUrl: existing.fileUrl, fileSha256: digest, fileSize: size, file };
      }
    }
    throw alreadyExists('VisitSequenceFile', `${uuid}/${fileType}`, `${uuid} already has a ${fileType} file (${existing.fileUrl ?? 'record only'}); use replace to store a new one`);
  }

  async function* upload(): AsyncGenerator<blobArchiveV1.UploadFileRequest> {
    yield {
      header: {
        ...archiveDirectory(archive, sequence!),
        fileName: existing?.fileUrl ? replacementName(existing.fileUrl) : fileName,
        overwrite: false,
        expectedFileSha256: header.expectedFileSha256,
      },
    };
    for await (const piece of data) yield { data: piece };
  }
  const stored = await downstream.blobArchive.clientStream('uploadFile', upload(), { parent: call }).catch(async (error: grpc.ServiceError) => {
    // Files are stored under their own names in the sequence's folder: another of its files (or an
    // object left there) may hold this one. Say which, and what to do, rather than only "exists".
    // A replacement goes to a name of its own; a file of this type made meanwhile is a duplicate.
    if (error.code !== status.ALREADY_EXISTS || existing?.fileUrl) throw error;
    const holder = await fileNamed(downstream, uuid, fileName, call);
    if (holder === fileType) throw alreadyExists('VisitSequenceFile', `${uuid}/${fileType}`, `${uuid} already has a ${fileType} file; use replace to store a new one`);
    throw alreadyExists(
      'VisitSequenceFile',
      `${uuid}/${fileType}`,
      `the name ${fileName} is taken in the archive folder of ${uuid}${holder ? ` by its ${holder} file` : ''}: store this ${fileType} file under another name (rename it, or set file_name)`,
    );
  });
  if (existing?.fileUrl && Buffer.from(existing.fileSha256).equals(Buffer.from(stored.fileSha256))) {
    // Replaced by the very same bytes (e.g. a retried replace that had succeeded): keep the recorded file.
    await deleteQuietly(downstream, stored.fileUrl, logger);
    const file = header.requestId ? await confirmRetry(downstream, existing, header, stored.fileSha256, call) : existing;
    return { fileUrl: existing.fileUrl, fileSha256: stored.fileSha256, fileSize: stored.fileSize, file };
  }
  try {
    const registered = await downstream.registry.unary(
      'registerFile',
      { file: { visitseqUuid: uuid, fileType, fileSha256: stored.fileSha256, fileSize: stored.fileSize, fileUrl: stored.fileUrl }, replace: header.replace, requestId: header.requestId },
      { parent: call, metadata: fingerprintMetadata(header.requestId, fileFingerprint(header, stored.fileSha256)) },
    );
    if (existing?.fileUrl && existing.fileUrl !== stored.fileUrl) await deleteQuietly(downstream, existing.fileUrl, logger);
    return { fileUrl: stored.fileUrl, fileSha256: stored.fileSha256, fileSize: stored.fileSize, file: registered.file };
  } catch (error) {
    await discardUnrecorded(downstream, stored.fileUrl, error, logger, false); // stored under a new name (overwrite: false)
    throw error;
  }
}

/** The fingerprint of an AddFile request: its header and the SHA-256 of its bytes (what the record derives, e.g. the object name, is no part of it). */
function fileFingerprint(header: gatewayV1.AddFileHeader, fileSha256: Uint8Array): string {
  return requestFingerprint({ ...header, fileSha256 });
}

/**
 * A retry (with a request id) that found its bytes recorded: the registration of the recorded file
 * is sent again with the request id and this request's fingerprint, as AIP-155 has it. The metadata
 * service answers the same request from its record and refuses a different one with the same id
 * (ALREADY_EXISTS, REQUEST_ID_REUSED); it changes nothing, as the file it is sent is the recorded one.
 */
async function confirmRetry(
  downstream: Downstream,
  existing: metadataV1.VisitSequenceFile,
  header: gatewayV1.AddFileHeader,
  fileSha256: Uint8Array,
  call: grpc.ServerReadableStream<unknown, unknown>,
): Promise<metadataV1.VisitSequenceFile | undefined> {
  const replayed = await downstream.registry.unary(
    'registerFile',
    { file: existing, replace: header.replace, requestId: header.requestId },
    { parent: call, metadata: fingerprintMetadata(header.requestId, fileFingerprint(header, fileSha256)) },
  );
  return replayed.file ?? existing;
}

async function currentFile(downstream: Downstream, uuid: string, fileType: string, call: grpc.ServerReadableStream<unknown, unknown>): Promise<metadataV1.VisitSequenceFile | undefined> {
  try {
    return (await downstream.metadata.unary('getFile', { visitseqUuid: uuid, fileType }, { parent: call })).file;
  } catch (error) {
    if ((error as grpc.ServiceError).code === status.NOT_FOUND) return undefined;
    throw error;
  }
}

/** The type of the sequence's file stored under `fileName` in its folder, if one of its records names it. */
async function fileNamed(downstream: Downstream, uuid: string, fileName: string, call: grpc.ServerReadableStream<unknown, unknown>): Promise<string | undefined> {
  let pageToken = '';
  do {
    const page = await downstream.metadata.unary('listFiles', { visitseqUuid: uuid, pageSize: 1000, pageToken }, { parent: call });
    const holder = page.files.find((file) => file.fileUrl && lastSegment(file.fileUrl) === fileName);
    if (holder) return holder.fileType;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return undefined;
}

function lastSegment(url: string): string {
  const segment = url.slice(url.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
