import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { metadataV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { notFound } from '@visitsarch/grpc-server';
import { Backends } from './backends';

/** The field rules are @visitsarch/validation's (shared by every service); re-exported for the service's call sites. */
export { dayObsRange, requireUuid } from '@visitsarch/validation';

/** The visit sequence with this UUID, or NOT_FOUND. */
export async function getSequence(backends: Backends, uuid: string, parent: CallOptions['parent']): Promise<metadataV1.VisitSequence> {
  return (await lookUpSequence(backends, uuid, parent)).visitSequence;
}

/** The visit sequence with this UUID and the record of its stored visits (if metadata sent it), or NOT_FOUND. */
export async function lookUpSequence(
  backends: Backends,
  uuid: string,
  parent: CallOptions['parent'],
): Promise<{ visitSequence: metadataV1.VisitSequence; visitsFile?: metadataV1.VisitSequenceFile }> {
  try {
    const { visitSequence, visitsFile } = await backends.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, { parent });
    if (visitSequence) return { visitSequence, visitsFile };
  } catch (error) {
    if ((error as grpc.ServiceError).code !== status.NOT_FOUND) throw error;
  }
  throw notFound('VisitSequence', uuid, `no visit sequence has UUID ${uuid}`);
}
