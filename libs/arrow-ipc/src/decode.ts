/**
 * Reading the Arrow IPC stream carried by a gRPC stream of ArrowIpcChunk messages: the
 * concatenation of the chunks' bytes, in order, is the stream (with or without its
 * end-of-stream marker). Uploads that must be checked message by message (what a server
 * receives from clients) are read with openArrowUpload (upload.ts) instead.
 */
import { RecordBatchReader, Table, tableFromIPC } from 'apache-arrow';
import type { ArrowChunk } from './chunk-size';

/** A response or request message that may carry a chunk. */
export interface ArrowChunkMessage {
  chunk?: ArrowChunk;
}

/** The stream's bytes, chunk by chunk (empty chunks and messages without one skipped). */
export async function* arrowChunkBytes(messages: AsyncIterable<ArrowChunkMessage>): AsyncGenerator<Uint8Array> {
  for await (const message of messages) if (message.chunk?.ipcBytes.length) yield message.chunk.ipcBytes;
}

/**
 * A reader of the stream, batch by batch as the chunks arrive (never the whole table in memory);
 * its schema is known once this resolves, undefined if the stream carried no bytes.
 */
export async function openArrowChunks(messages: AsyncIterable<ArrowChunkMessage>): Promise<RecordBatchReader> {
  const reader = await RecordBatchReader.from(arrowChunkBytes(messages));
  await reader.open();
  return reader;
}

/** The whole table the stream carried (an empty Table without columns if it carried no bytes). */
export async function readArrowChunks(messages: AsyncIterable<ArrowChunkMessage>): Promise<Table> {
  const pieces: Uint8Array[] = [];
  for await (const bytes of arrowChunkBytes(messages)) pieces.push(bytes);
  return pieces.length ? tableFromIPC(Buffer.concat(pieces)) : new Table();
}
