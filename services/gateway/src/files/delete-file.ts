import type * as grpc from '@grpc/grpc-js';
import type { gatewayV1, metadataV1 } from '@visitsarch/contracts';
import { Downstream } from '../support/downstream';
import { requireText, requireUuid } from '../sequences/validation';

/** What to delete of a sequence's file: GatewayService.DeleteFile's request. */
export type DeleteFileOptions = Pick<gatewayV1.DeleteFileRequest, 'visitseqUuid' | 'fileType' | 'keepRecord' | 'keepBlob'>;

/**
 * Deletes a file of a sequence the way DeleteFile does, record first: the registry deletes the record
 * (or, with keepRecord, clears its URL; for `visits` also visitseq_url), then the blob archive deletes
 * the blob it named (unless keepBlob). `beforeBlobDeletion` runs between the two, once the record no
 * longer points at the blob and only if there is a blob to delete; if it fails, the blob is kept.
 * A failure to delete the blob is thrown, after the record was changed.
 */
export async function deleteSequenceFile(
  downstream: Downstream,
  request: DeleteFileOptions,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  beforeBlobDeletion?: (file: metadataV1.VisitSequenceFile & { fileUrl: string }) => Promise<void>,
): Promise<gatewayV1.DeleteFileResponse> {
  const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
  const fileType = requireText(request.fileType, 'file_type');
  const deleted = await downstream.registry.unary('deleteFile', { visitseqUuid: uuid, fileType, keepRecord: request.keepRecord }, { parent: call });
  const file = deleted.file;
  let blobDeleted = false;
  if (file?.fileUrl && !request.keepBlob) {
    await beforeBlobDeletion?.(file as metadataV1.VisitSequenceFile & { fileUrl: string });
    blobDeleted = (await downstream.blobArchive.unary('deleteObject', { url: file.fileUrl, allowMissing: true }, { parent: call })).deleted;
  }
  return { file, blobDeleted };
}
