import { ArchiveDatabase, Tx } from '../database/archive-database';
import { isPgError, UNIQUE_VIOLATION } from './database-errors';
import { optionalUuid } from './validation';

/**
 * AIP-155 request ids: the first request with an id does its work and records, in the same transaction,
 * which resource it made; a retry with that id finds the record and answers from the resource instead.
 * Two concurrent requests with one id race on the record's primary key; the loser rolls back and replays.
 */
export async function idempotent<R, T>(
  database: ArchiveDatabase,
  requestId: string | undefined,
  method: string,
  work: (tx: Tx) => Promise<{ resource: R; result: T }>,
  replay: (resource: R) => Promise<T>,
): Promise<T> {
  const id = optionalUuid(requestId, 'request_id');
  if (!id) return database.transaction(async (tx) => (await work(tx)).result);
  const recalled = async () => (await database.rows<{ resource: R }>('SELECT resource FROM idempotent_requests WHERE request_id = $1 AND method = $2', [id, method]))[0];
  const earlier = await recalled();
  if (earlier) return replay(earlier.resource);
  try {
    return await database.transaction(async (tx) => {
      const { resource, result } = await work(tx);
      await tx.rows('INSERT INTO idempotent_requests (request_id, method, resource) VALUES ($1, $2, $3)', [id, method, JSON.stringify(resource)]);
      return result;
    });
  } catch (error) {
    const raced = isPgError(error, UNIQUE_VIOLATION) && (error.constraint === 'idempotent_requests_pkey' || (await recalled()) !== undefined);
    if (!raced) throw error;
    const winner = await recalled();
    if (!winner) throw error;
    return replay(winner.resource);
  }
}
