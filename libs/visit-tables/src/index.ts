/**
 * @visitsarch/visit-tables: read, write, convert and hash tables of visits (opsim SQLite,
 * pandas HDF5, Parquet, Arrow IPC, CSV). In memory a visit table is an apache-arrow `Table`
 * or a stream of `RecordBatch`es with a known schema ({@link VisitBatchStream}).
 *
 * Typical use:
 *   const stream = await openVisitTable('visits.h5');            // streaming read, any format
 *   await writeVisitTable('visits.parquet', () => openVisitTable('visits.h5'));
 *   const sha = await canonicalSha256(() => openVisitTable('visits.db'));   // visitseq_sha256
 *
 * See docs/visit-tables.md for the formats, the type mapping and the hash definition.
 */

// How tables travel: schema + record batches.
export { PassOptions, VisitBatchFactory, VisitBatchStream, VisitTableSource, batchStream, tableStream, collectTable, openSource, reReadable } from './source';

// Formats and their detection.
export {
  VisitTableFormat,
  VISIT_TABLE_FORMATS,
  FORMAT_EXTENSIONS,
  FORMAT_MEDIA_TYPES,
  VisitTableFormatError,
  formatFromFileName,
  formatFromMagic,
  requireFormatFromFileName,
} from './formats';

// The contract's TableFormat values.
export { visitTableFormatOf, tableFormatOf } from './contract-formats';

// Format-independent entry points (dispatch on the file name or an explicit format).
export {
  ReadVisitTableOptions,
  WriteVisitTableOptions,
  EncodableFormat,
  openVisitTable,
  readVisitTable,
  writeVisitTable,
  encodeVisitTable,
  decodeVisitTable,
  detectFileFormat,
} from './io';

// One module per format.
export { openArrowIpc, readArrowIpc, writeArrowIpc, encodeArrowIpc, decodeArrowIpc, ArrowIpcKind } from './arrow-ipc';
export { registerIpcCodecs } from './ipc-compression';
export { openParquet, readParquet, writeParquet, encodeParquet, ParquetWriteOptions } from './parquet';
export { openOpsimSqlite, readOpsimSqlite, writeOpsimSqlite, sqliteDeclaredType, SqliteReadOptions, SqliteWriteOptions } from './sqlite';
export { openHdf5, readHdf5, writeHdf5, hdf5Layout, Hdf5Layout, Hdf5ReadOptions, Hdf5WriteOptions } from './hdf5';
export { writeCsv, encodeCsv } from './csv';

// The opsim `info` table (run provenance), carried as schema metadata.
export { OPSIM_INFO_METADATA_KEY, OpsimInfoRow, opsimInfoOf, withOpsimInfo } from './opsim-info';

// The canonical visit-table hash (visitseq_sha256).
export {
  canonicalSha256,
  canonicalLayout,
  CanonicalHashScan,
  CanonicalHasher,
  CanonicalRowPacker,
  CanonicalLayout,
  CanonicalField,
  CanonicalHashError,
} from './hash/canonical-hash';
export { canonicalSha256OfIpcFile } from './hash/parallel-hash';

// The safe pickle subset (data only) used for pandas' "fixed" HDF5 layout.
export { safeUnpickle, PickleError, NumpyObjectArray } from './pickle';

// A deterministic synthetic opsim table, for tests and benchmarks.
export {
  OPSIM_COLUMNS,
  OPSIM_SCHEMA,
  OpsimColumn,
  SyntheticOpsimOptions,
  syntheticOpsimBatches,
  syntheticOpsimTable,
} from './testing/synthetic-opsim';
