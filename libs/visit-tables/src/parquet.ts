/**
 * Apache Parquet through parquet-wasm (arrow-rs compiled to WebAssembly). Batches cross into
 * wasm as Arrow IPC and come back the same way, so types round-trip exactly; reading streams
 * row groups from a file Blob, writing streams row groups out.
 */
import { createWriteStream, openAsBlob } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { RecordBatch, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { isTextType } from './arrow-columns';
import type * as wasm from 'parquet-wasm';
import { VisitBatchStream, VisitTableSource, collectTable, openSource } from './source';
import { underSchema } from './opsim-info';

export interface ParquetWriteOptions {
  /** Column compression; default `zstd` (compact and fast to decode). */
  compression?: 'uncompressed' | 'snappy' | 'zstd' | 'gzip' | 'lz4';
  /** Rows per row group (bounds the writer's memory); default 131072. */
  rowGroupRows?: number;
}

// parquet-wasm is CommonJS under the "node" export condition, ESM elsewhere; under jest and
// node both resolve to the CommonJS build. Loaded lazily so importing this library stays cheap.
let loaded: typeof wasm | undefined;
function parquetWasm(): typeof wasm {
  loaded ??= require('parquet-wasm') as typeof wasm;
  return loaded;
}

const COMPRESSION = { uncompressed: 0, snappy: 1, gzip: 2, zstd: 5, lz4: 6 } as const;

/** Opens a Parquet file for streaming reads: one Arrow batch per `batchRows` rows. */
export async function openParquet(path: string, options: { batchRows?: number } = {}): Promise<VisitBatchStream> {
  const pq = parquetWasm();
  const file = await pq.ParquetFile.fromFile(await openAsBlob(path));
  const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      try {
        const stream = await file.stream({ batchSize: options.batchRows ?? 65536 });
        for await (const wasmBatch of stream as unknown as AsyncIterable<wasm.RecordBatch>) {
          for (const batch of tableFromIPC(wasmBatch.intoIPCStream()).batches) if (batch.numRows > 0) yield batch;
        }
      } finally {
        file.free();
      }
    },
  };
}

/** Reads a whole Parquet file into memory. */
export async function readParquet(path: string): Promise<Table> {
  return collectTable(await openParquet(path));
}

function writerProperties(schema: Schema, options: ParquetWriteOptions): wasm.WriterProperties {
  const pq = parquetWasm();
  // Dictionary encoding pays only for text (few distinct notes, bands, reasons); on float
  // columns it costs 3x the time and gives larger files than zstd alone (measured on opsim data).
  let builder = new pq.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[options.compression ?? 'zstd'] as unknown as wasm.Compression)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(options.rowGroupRows ?? 131072);
  for (const field of schema.fields) if (isTextType(field.type)) builder = builder.setColumnDictionaryEnabled(field.name, true);
  return builder.build();
}

/** Encodes a table as Parquet bytes, chunk by chunk (streaming row groups). */
export async function* encodeParquet(source: VisitTableSource, options: ParquetWriteOptions = {}): AsyncGenerator<Uint8Array> {
  const pq = parquetWasm();
  const stream = await openSource(source);
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    // No rows: the streaming writer needs a batch to learn the schema; write the empty table whole.
    yield pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(new Table(stream.schema), 'stream')), writerProperties(stream.schema, options));
    return;
  }
  // Under the stream's schema, whose metadata (the opsim info) the Parquet file keeps.
  const toWasm = (batch: RecordBatch) => pq.Table.fromIPCStream(tableToIPC(new Table([underSchema(batch, stream.schema)]), 'stream')).recordBatch(0)!;
  let pending: RecordBatch | undefined = first.value;
  const batches = new ReadableStream({
    async pull(controller) {
      if (pending) {
        controller.enqueue(toWasm(pending));
        pending = undefined;
        return;
      }
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(toWasm(next.value));
    },
  });
  const bytes = await pq.transformParquetStream(batches, writerProperties(stream.schema, options));
  for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/** Writes a table to a Parquet file. */
export async function writeParquet(path: string, source: VisitTableSource, options: ParquetWriteOptions = {}): Promise<void> {
  await pipeline(Readable.from(encodeParquet(source, options)), createWriteStream(path));
}
