import { invalidArgument, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';

/** A table written in batches: its columns with their PostgreSQL types, and the key a row is replaced on. */
export interface UpsertTable {
  name: string;
  columns: Record<string, string>;
  key: string[];
}

/**
 * Writes a validated batch in one transaction, all or nothing: INVALID_ARGUMENT naming the row
 * (`field[index]`) if it repeats the key of an earlier one; then `references`, the checks of what
 * the rows refer to (failing with nothing written); then one upsert. Returns the contract's counts.
 */
export async function upsertBatch(
  database: ArchiveDatabase,
  table: UpsertTable,
  rows: Record<string, unknown>[],
  field: string,
  references?: (tx: Tx) => Promise<void>,
): Promise<{ insertedCount: number; updatedCount: number }> {
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const key = JSON.stringify(table.key.map((name) => row[name]));
    if (seen.has(key)) throw invalidArgument(`${field}[${index}] repeats the key (${table.key.join(', ')}) of an earlier row`, `${field}[${index}]`);
    seen.add(key);
  });
  return database.transaction(async (tx) => {
    await references?.(tx);
    return upsertJsonRows(tx, table.name, rows, table.columns, table.key);
  });
}

/**
 * Inserts or replaces a batch of rows in one statement: the rows travel as one JSON parameter and
 * `xmax = 0` tells a fresh insert from an update. Returns the contract's counts.
 */
export async function upsertJsonRows(
  tx: Tx,
  table: string,
  rows: Record<string, unknown>[],
  columns: Record<string, string>,
  key: string[],
): Promise<{ insertedCount: number; updatedCount: number }> {
  const names = Object.keys(columns);
  const quoted = names.map((name) => `"${name}"`);
  const updates = names.filter((name) => !key.includes(name)).map((name) => `"${name}" = EXCLUDED."${name}"`);
  const result = await tx.rows<{ inserted: boolean }>(
    `INSERT INTO ${table} (${quoted.join(', ')})
     SELECT ${quoted.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${names.map((name) => `"${name}" ${columns[name]}`).join(', ')})
     ON CONFLICT (${key.map((name) => `"${name}"`).join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(rows)],
  );
  const insertedCount = result.filter((row) => row.inserted).length;
  return { insertedCount, updatedCount: result.length - insertedCount };
}

/** NOT_FOUND (naming the first missing one) unless every UUID names a sequence; holds them until commit. */
export async function requireSequences(tx: Tx, uuids: string[], field: string): Promise<void> {
  const unique = [...new Set(uuids)];
  const found = await tx.rows<{ visitseq_uuid: string }>(
    'SELECT visitseq_uuid FROM visitseq_registry WHERE visitseq_uuid = ANY($1::uuid[]) FOR KEY SHARE',
    [unique],
  );
  const missing = unique.filter((uuid) => !found.some((row) => row.visitseq_uuid === uuid));
  if (missing.length > 0) {
    throw notFound('VisitSequence', missing[0], `${field}: visit sequence ${missing[0]} not found${missing.length > 1 ? ` (nor ${missing.length - 1} more)` : ''}; nothing was written`);
  }
}
