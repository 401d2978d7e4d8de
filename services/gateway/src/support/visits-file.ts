import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { metadataV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { Downstream } from './downstream';

/**
 * The `visits` file record of a sequence whose visits are stored (URL and SHA-256 of the
 * stored table), or FAILED_PRECONDITION naming the sequence when they are not.
 */
export async function storedVisits(downstream: Downstream, uuid: string, parent: CallOptions['parent'], role = 'visit sequence'): Promise<metadataV1.VisitSequenceFile & { fileUrl: string }> {
  let file: metadataV1.VisitSequenceFile | undefined;
  try {
    file = (await downstream.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent })).file;
  } catch (error) {
    if ((error as grpc.ServiceError).code !== status.NOT_FOUND) throw error;
  }
  if (!file?.fileUrl) throw failedPrecondition(`the visits of ${role} ${uuid} are not stored in the archive`, 'VISITS_NOT_STORED');
  return file as metadataV1.VisitSequenceFile & { fileUrl: string };
}
