import { GrpcError, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { idempotent, RequestIdentity } from './idempotency';

/**
 * How a transaction holds the sequence whose records it reads or writes, until it ends: `read`
 * keeps it from being deleted (FOR KEY SHARE); `write` also serialises the writers of its records
 * (two registrations of one file type, say: FOR NO KEY UPDATE).
 */
const HOLDS = { read: 'FOR KEY SHARE', write: 'FOR NO KEY UPDATE' } as const;
export type SequenceHold = keyof typeof HOLDS;

/** The NOT_FOUND of a call on a sequence that does not exist. */
export function sequenceNotFound(uuid: string): GrpcError {
  return notFound('VisitSequence', uuid, `visit sequence ${uuid} not found`);
}

/** NOT_FOUND unless the sequence exists; holds it (see SequenceHold) until the transaction ends. */
export async function holdSequence(tx: Tx, uuid: string, hold: SequenceHold): Promise<void> {
  const row = await tx.one(`SELECT 1 FROM visitseq_registry WHERE visitseq_uuid = $1 ${HOLDS[hold]}`, [uuid]);
  if (!row) throw sequenceNotFound(uuid);
}

/** Runs `work` in a transaction on one sequence, which it holds first (NOT_FOUND if it does not exist). */
export function onSequence<T>(database: ArchiveDatabase, uuid: string, hold: SequenceHold, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.transaction(async (tx) => {
    await holdSequence(tx, uuid, hold);
    return work(tx);
  });
}

/** `idempotent` (AIP-155 request ids) for a write on one sequence, which the work holds first (NOT_FOUND if it does not exist). */
export function idempotentOnSequence<R, T>(
  database: ArchiveDatabase,
  request: RequestIdentity,
  method: string,
  uuid: string,
  hold: SequenceHold,
  work: (tx: Tx) => Promise<{ resource: R; result: T }>,
  replay: (resource: R) => Promise<T>,
): Promise<T> {
  return idempotent(
    database,
    request,
    method,
    async (tx) => {
      await holdSequence(tx, uuid, hold);
      return work(tx);
    },
    replay,
  );
}
