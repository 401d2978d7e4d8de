import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the archive's own reads at 100,000 sequences and more (issue #19; docs/data-model.md,
 * "Indexes and statistics"). Each of visitseq, simulations, completed and mixedvisitseqs gets its own,
 * since indexes are not inherited:
 *
 * - `<table>_covered_nights`: SP-GiST over the closed range of nights a sequence covers,
 *   `daterange(first_day_obs, last_day_obs, '[]')`. QueryNight, PrenightSims and
 *   ListVisitSequences' `covers` ask which sequences cover a night (or every night of a span),
 *   written `daterange(first_day_obs, last_day_obs, '[]') @> daterange(<first>, <last>, '[]')`,
 *   which this index answers by visiting only the sequences that do. The B-tree on (telescope,
 *   first_day_obs, last_day_obs) it replaces could bound only first_day_obs, so it read every
 *   sequence that began before the night: most of the archive for a recent night. SP-GiST rather
 *   than GiST: on 100,000 sequences a night's lookup reads a third of the pages (a quad tree of
 *   (lower, upper) points, which long and short ranges do not blur), in a third of the time.
 * - `<table>_newest`: (creation_time DESC, visitseq_uuid), the order `visitsarch list` pages in;
 *   the first page reads 20 entries of each table (a merge of the four), not a sort of all rows.
 *   Replaces the indexes on creation_time alone (and adds the ones completed and mixed lacked).
 * - `<table>_label_order`, `_first_day_obs_order`, `_last_day_obs_order`, `_telescope_order`:
 *   (<field>, visitseq_uuid), ListVisitSequences' other orders (and retention's, by last_day_obs),
 *   likewise.
 *
 * Then ANALYZE, so that the planner has the statistics of the new index expression at once.
 */
export class QueryIndexes1796518800000 implements MigrationInterface {
  name = 'QueryIndexes1796518800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ${SEQUENCE_TABLES.map(
        (table) => `
      CREATE INDEX ${table}_covered_nights ON ${table} USING spgist (daterange(first_day_obs, last_day_obs, '[]'));
      CREATE INDEX ${table}_newest ON ${table} (creation_time DESC, visitseq_uuid);${ORDERS.map(
        ([name, column]) => `
      CREATE INDEX ${table}_${name}_order ON ${table} (${column}, visitseq_uuid);`,
      ).join('')}`,
      ).join('')}
      DROP INDEX simulations_nights, completed_nights, mixedvisitseqs_nights, visitseq_creation_time, simulations_creation_time;
      ANALYZE visitseq, simulations, completed, mixedvisitseqs;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX ${SEQUENCE_TABLES.flatMap((table) => [`${table}_covered_nights`, `${table}_newest`, ...ORDERS.map(([name]) => `${table}_${name}_order`)]).join(', ')};
      CREATE INDEX visitseq_creation_time ON visitseq (creation_time);
      CREATE INDEX simulations_creation_time ON simulations (creation_time);
      CREATE INDEX simulations_nights ON simulations (telescope, first_day_obs, last_day_obs);
      CREATE INDEX completed_nights ON completed (telescope, first_day_obs, last_day_obs);
      CREATE INDEX mixedvisitseqs_nights ON mixedvisitseqs (telescope, first_day_obs, last_day_obs);
    `);
  }
}

/** The parent table and its children: every table a visit sequence's row lives in. */
const SEQUENCE_TABLES = ['visitseq', 'simulations', 'completed', 'mixedvisitseqs'];

/** ListVisitSequences' orders other than the newest first, as (index name part, column). */
const ORDERS = [
  ['label', 'visitseq_label'],
  ['first_day_obs', 'first_day_obs'],
  ['last_day_obs', 'last_day_obs'],
  ['telescope', 'telescope'],
];
