import type { Tx } from './archive-database';

/**
 * The tables whose statistics the archive's reads are planned with: the sequences (the parent
 * first, whose ANALYZE also gathers the statistics of the whole inheritance tree, which autovacuum
 * never does), the registry, and what QueryNight, PrenightSims and ListVisitSequences look up per
 * sequence.
 */
const PLANNED_TABLES = ['visitseq', 'simulations', 'completed', 'mixedvisitseqs', 'visitseq_registry', 'tags', 'files', 'comments', 'nightly_stats'];

/**
 * ANALYZE after a bulk load (ImportUpstream): autovacuum analyzes a table only once a tenth of it
 * changed and only after its next round (a minute), so the calls made straight after a load of
 * thousands of sequences would be planned with the statistics of the archive before it, e.g. of
 * empty tables (docs/data-model.md, "Indexes and statistics"). Under a second for 100,000
 * sequences (PostgreSQL samples at most 30,000 rows of a table). Run in the load's own transaction
 * (ANALYZE counts the rows the transaction wrote), the new statistics commit with the rows, or roll
 * back with them; on the service's own (owning) role.
 */
export async function refreshPlannerStatistics(tx: Pick<Tx, 'rows'>): Promise<void> {
  await tx.rows(`ANALYZE ${PLANNED_TABLES.join(', ')}`);
}
