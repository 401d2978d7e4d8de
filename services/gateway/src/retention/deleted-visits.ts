import * as grpc from '@grpc/grpc-js';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { Downstream } from '../support/downstream';

type ParentCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * For a sequence whose visits are not stored: if its `visits` file record outlived them (a purge, or
 * DeleteFile with keep_record), the FAILED_PRECONDITION (VISITS_NOT_STORED) that says so; otherwise
 * (recorded with metadata only) undefined, and the caller says what it says for that case.
 */
export async function deletedVisitsError(downstream: Downstream, uuid: string, call: ParentCall): Promise<Error | undefined> {
  try {
    const { file } = await downstream.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent: call });
    if (file && !file.fileUrl) {
      return failedPrecondition(
        `the visits of ${uuid} are no longer stored: they were deleted from the archive (a purge of old visits, or DeleteFile; the audit_log table says when and by whom); its record, statistics and the SHA-256 of its visits remain`,
        'VISITS_NOT_STORED',
      );
    }
  } catch (error) {
    if ((error as grpc.ServiceError).code !== grpc.status.NOT_FOUND) throw error;
  }
  return undefined;
}
