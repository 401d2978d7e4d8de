/**
 * The opsim `info` table: a run's provenance, rows of (Parameter, Value) text that
 * rubin_scheduler's `run_info_table` makes and `SchemaConverter.obs2opsim` writes next to the
 * visits (`df.to_sql("info", con)`: columns `index`, `Parameter`, `Value`), and that the
 * upstream archive's `opsimdb_to_hdf5` copies to the HDF5 key `info`.
 *
 * A visit table carries it as Arrow schema metadata under {@link OPSIM_INFO_METADATA_KEY}: a
 * JSON list of `[parameter, value]` pairs (text or null), in the table's row order, duplicates
 * kept. The readers of `.db` and `.h5` files put it there, their writers write it back, and
 * Parquet and Arrow IPC keep schema metadata natively. The canonical hash ignores it.
 */
import { Int64, RecordBatch, Schema, Table, Utf8, vectorFromArray, Field, makeData, Struct } from 'apache-arrow';
import { VisitBatchStream } from './source';

/** The schema metadata key holding the opsim `info` rows (JSON). */
export const OPSIM_INFO_METADATA_KEY = 'opsim.info';

/** One row of the opsim `info` table: Parameter, Value. */
export type OpsimInfoRow = [parameter: string | null, value: string | null];

/** The name of the opsim `info` table (SQLite) and key (HDF5). */
export const OPSIM_INFO_NAME = 'info';

/** The opsim `info` rows a schema carries, or undefined; malformed metadata is an error. */
export function opsimInfoOf(schema: Schema): OpsimInfoRow[] | undefined {
  const text = schema.metadata.get(OPSIM_INFO_METADATA_KEY);
  if (text === undefined) return undefined;
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new Error(`schema metadata ${OPSIM_INFO_METADATA_KEY} is not JSON`);
  }
  const isCell = (v: unknown) => v === null || typeof v === 'string';
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length === 2 && isCell(r[0]) && isCell(r[1]))) {
    throw new Error(`schema metadata ${OPSIM_INFO_METADATA_KEY} must be a JSON list of [parameter, value] pairs of text or null`);
  }
  return rows as OpsimInfoRow[];
}

/** The schema with `rows` as its opsim `info` metadata (the schema itself when rows is undefined). */
export function withOpsimInfo(schema: Schema, rows: OpsimInfoRow[] | undefined): Schema {
  if (rows === undefined) return schema;
  const metadata = new Map(schema.metadata);
  metadata.set(OPSIM_INFO_METADATA_KEY, JSON.stringify(rows));
  return new Schema(schema.fields, metadata);
}

/** A batch under `schema` (same fields; e.g. with more metadata), as writers must see it. */
export function underSchema(batch: RecordBatch, schema: Schema): RecordBatch {
  return batch.schema === schema ? batch : new RecordBatch(schema, batch.data);
}

/** A stream whose schema is replaced by `schema` (same fields), its batches with it. */
export function streamUnderSchema(stream: VisitBatchStream, schema: Schema): VisitBatchStream {
  if (stream.schema === schema) return stream;
  return {
    schema,
    reusesBuffers: stream.reusesBuffers,
    async *[Symbol.asyncIterator]() {
      for await (const batch of stream) yield underSchema(batch, schema);
    },
  };
}

/**
 * The rows of a table read from an `info` table or key: its `Parameter` and `Value` columns
 * (numbers become text), or undefined if it lacks either.
 */
export function opsimInfoRowsOf(table: Table): OpsimInfoRow[] | undefined {
  const parameter = table.getChild('Parameter');
  const value = table.getChild('Value');
  if (!parameter || !value) return undefined;
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const rows: OpsimInfoRow[] = [];
  for (let i = 0; i < table.numRows; i++) rows.push([text(parameter.get(i)), text(value.get(i))]);
  return rows;
}

/** The `info` rows as the DataFrame rubin_scheduler writes: `index` (int64 0…n−1), `Parameter`, `Value`. */
export function opsimInfoTable(rows: OpsimInfoRow[]): Table {
  const schema = new Schema([new Field('index', new Int64(), false), new Field('Parameter', new Utf8(), true), new Field('Value', new Utf8(), true)]);
  if (rows.length === 0) return new Table(schema);
  const children = [
    makeData({ type: new Int64(), length: rows.length, nullCount: 0, data: BigInt64Array.from(rows, (_, i) => BigInt(i)) }),
    vectorFromArray(rows.map((r) => r[0]), new Utf8()).data[0],
    vectorFromArray(rows.map((r) => r[1]), new Utf8()).data[0],
  ];
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }))]);
}
