/**
 * Arrow IPC, file format (`.arrow`, Feather V2) and streaming format (`.arrows`). Reading
 * streams record batches from disk (random access for files), writing streams them out;
 * the batches pass through unchanged, so types are exact.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { RecordBatch, RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter, Table } from 'apache-arrow';
import { VisitBatchStream, VisitTableSource, collectTable, openSource } from './source';
import { underSchema } from './opsim-info';

/** `file`: the IPC file format (footer, random access); `stream`: the IPC streaming format. */
export type ArrowIpcKind = 'file' | 'stream';

/** Opens an Arrow IPC file or stream (told apart by their magic bytes) for streaming reads. */
export async function openArrowIpc(path: string): Promise<VisitBatchStream> {
  const handle = await open(path, 'r');
  const head = new Uint8Array(6);
  await handle.read(head, 0, 6, 0);
  const isFile = Buffer.from(head).toString('latin1') === 'ARROW1';
  if (!isFile) await handle.close();
  const reader = await RecordBatchReader.from((isFile ? handle : createReadStream(path)) as any);
  await reader.open();
  return {
    schema: reader.schema,
    async *[Symbol.asyncIterator]() {
      try {
        for await (const batch of reader as AsyncIterable<RecordBatch>) if (batch.numRows > 0) yield batch;
      } finally {
        await reader.cancel?.();
        if (isFile) await handle.close().catch(() => undefined);
      }
    },
  };
}

/** Reads a whole Arrow IPC file or stream into memory. */
export async function readArrowIpc(path: string): Promise<Table> {
  return collectTable(await openArrowIpc(path));
}

/**
 * Decodes Arrow IPC bytes (file or stream format; a buffer, or chunks arriving one by one for
 * the stream format) into a batch stream.
 */
export async function decodeArrowIpc(bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<VisitBatchStream> {
  const reader = await RecordBatchReader.from(bytes as any);
  await reader.open();
  return {
    schema: reader.schema,
    async *[Symbol.asyncIterator]() {
      for await (const batch of reader as AsyncIterable<RecordBatch>) if (batch.numRows > 0) yield batch;
    },
  };
}

/**
 * Encodes a table as Arrow IPC bytes, chunk by chunk, holding one batch at a time. A table
 * with no rows still yields its schema (and, for the file format, the footer).
 */
export async function* encodeArrowIpc(source: VisitTableSource, kind: ArrowIpcKind = 'stream'): AsyncGenerator<Uint8Array> {
  const stream = await openSource(source);
  const writer = kind === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  // The writer is an async queue of byte chunks; feed it in the background and drain it here.
  const feeding = (async () => {
    try {
      let wrote = false;
      for await (const batch of stream) {
        // Under the stream's schema: it may carry metadata (the opsim info) its batches lack.
        writer.write(underSchema(batch, stream.schema));
        wrote = true;
      }
      // Writing an empty Table makes the writer emit the schema.
      if (!wrote) writer.write(new Table(stream.schema));
      writer.finish();
    } catch (error) {
      writer.abort(error);
      throw error;
    }
  })();
  feeding.catch(() => undefined);
  for await (const chunk of writer) yield chunk;
  await feeding;
}

/** Writes a table to an Arrow IPC file (`kind` 'file') or stream (`kind` 'stream'). */
export async function writeArrowIpc(path: string, source: VisitTableSource, kind: ArrowIpcKind = 'file'): Promise<void> {
  await pipeline(Readable.from(encodeArrowIpc(source, kind)), createWriteStream(path));
}
