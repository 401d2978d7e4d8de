import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { metadataV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { Downstream } from './downstream';

/** The usual file name extension of each stored table format. */
export const FORMAT_EXTENSIONS: Record<number, string> = {
  [typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_STREAM]: '.arrows',
  [typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_FILE]: '.arrow',
  [typeV1.TableFormat.TABLE_FORMAT_PARQUET]: '.parquet',
  [typeV1.TableFormat.TABLE_FORMAT_HDF5]: '.h5',
  [typeV1.TableFormat.TABLE_FORMAT_OPSIM_SQLITE]: '.db',
  [typeV1.TableFormat.TABLE_FORMAT_CSV]: '.csv',
};

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
