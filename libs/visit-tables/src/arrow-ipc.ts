/**
 * Arrow IPC, file format (`.arrow`, Feather V2) and streaming format (`.arrows`). Reading
 * streams record batches from disk (random access for files), writing streams them out;
 * the batches pass through unchanged, so types are exact.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { AsyncByteQueue, DataType, RecordBatch, RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter, Schema, Table } from 'apache-arrow';
import { MessageFrame, readFramedMessages, readIpcMessagesFromFile } from '@visitsarch/arrow-ipc';
import { PassOptions, REUSED_BUFFER_SETS, VisitBatchStream, VisitTableSource, collectTable, openSource } from './source';
import { underSchema } from './opsim-info';

/** `file`: the IPC file format (footer, random access); `stream`: the IPC streaming format. */
export type ArrowIpcKind = 'file' | 'stream';

/**
 * Opens an Arrow IPC file or stream (told apart by their magic bytes) for streaming reads. With
 * `pass.reuseBuffers` (the consumer keeps no batch: PassOptions), a stream without dictionaries
 * is read message by message into a few buffers used in turn.
 */
export async function openArrowIpc(path: string, pass: PassOptions = {}): Promise<VisitBatchStream> {
  const handle = await open(path, 'r');
  const head = new Uint8Array(6);
  await handle.read(head, 0, 6, 0);
  const isFile = Buffer.from(head).toString('latin1') === 'ARROW1';
  if (!isFile) await handle.close();
  if (!isFile && pass.reuseBuffers) {
    const reusing = await openReusingStream(path);
    if (reusing) return reusing;
  }
  // Large reads: a message (~1 MiB) then mostly lies within one piece, decoded without joining pieces.
  const reader = await RecordBatchReader.from((isFile ? handle : createReadStream(path, { highWaterMark: 8 << 20 })) as any);
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

/**
 * A MessageFrame (@visitsarch/arrow-ipc) putting each message, as it lies in the stream, at the
 * start of the next of the ring's REUSED_BUFFER_SETS buffers (apache-arrow reads a message when
 * the next batch is asked for).
 */
function ringFrame(): MessageFrame {
  const ring: Buffer[] = [];
  let next = 0;
  return (prefix, metadataLength, bodyLength) => {
    const size = prefix.byteLength + metadataLength + bodyLength;
    let framed = ring[next];
    // Large enough for a ~1 MiB batch at once: the body starts 8-aligned (prefix and padded metadata), as apache-arrow reads it without a copy.
    if (!framed || framed.length < size) framed = ring[next] = Buffer.allocUnsafeSlow(Math.max(size, 2 << 20));
    next = (next + 1) % REUSED_BUFFER_SETS;
    framed.set(prefix, 0);
    return { framed, metadataAt: prefix.byteLength, bodyAt: prefix.byteLength + metadataLength };
  };
}

/** Whether a type is, or holds at any depth, a dictionary-encoded column. */
function hasDictionary(type: DataType): boolean {
  return DataType.isDictionary(type) || (type.children ?? []).some((child) => hasDictionary(child.type));
}

/** The stream's messages, each in a ring buffer (the bytes of the message only). */
async function* ringMessages(path: string): AsyncGenerator<Uint8Array> {
  for await (const { framed, body } of readFramedMessages(path, ringFrame())) yield framed.subarray(0, body.byteOffset - framed.byteOffset + body.byteLength);
}

/**
 * A stream file read into reused buffers, opened when first iterated (an unread stream holds no
 * file); undefined for a stream with dictionaries, which apache-arrow keeps across batches.
 */
async function openReusingStream(path: string): Promise<VisitBatchStream | undefined> {
  const head = readIpcMessagesFromFile(path); // the schema message, in a buffer of its own size
  let schema: Schema | undefined;
  try {
    const first = await head.next();
    if (!first.done && first.value.message.isSchema()) schema = first.value.message.header() as Schema;
  } finally {
    await head.return(undefined); // closes the file
  }
  if (!schema || schema.fields.some((field) => hasDictionary(field.type))) return undefined;
  return {
    schema,
    reusesBuffers: true,
    async *[Symbol.asyncIterator]() {
      const messages = ringMessages(path);
      try {
        const reader = await RecordBatchReader.from(messages);
        await reader.open();
        for await (const batch of reader as AsyncIterable<RecordBatch>) if (batch.numRows > 0) yield batch;
      } finally {
        await messages.return(undefined); // closes the file if the consumer stopped early
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

/** An AsyncByteQueue that only collects what a writer writes, so that it can be taken synchronously. */
class CollectingSink extends AsyncByteQueue {
  private collected: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.collected.push(value);
  }
  takeAll(): Uint8Array | undefined {
    const parts = this.collected;
    this.collected = [];
    return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

/**
 * Encodes a table as Arrow IPC bytes, chunk by chunk, holding one batch at a time: each batch
 * is encoded when the consumer asks for more bytes (so a slow consumer, such as a file on disk,
 * slows the reading of the source rather than letting encoded batches pile up). A table with no
 * rows still yields its schema (and, for the file format, the footer).
 */
export async function* encodeArrowIpc(source: VisitTableSource, kind: ArrowIpcKind = 'stream'): AsyncGenerator<Uint8Array> {
  const stream = await openSource(source);
  const sink = new CollectingSink();
  const writer = kind === 'file' ? new RecordBatchFileWriter({ autoDestroy: false }) : new RecordBatchStreamWriter({ autoDestroy: false });
  writer.reset(sink as never, stream.schema); // writes the schema (under which every batch goes: it may carry metadata, the opsim info, its batches lack)
  for await (const batch of stream) {
    writer.write(underSchema(batch, stream.schema));
    const bytes = sink.takeAll();
    if (bytes) yield bytes;
  }
  writer.finish();
  const rest = sink.takeAll();
  if (rest) yield rest;
}

/** Writes a table to an Arrow IPC file (`kind` 'file') or stream (`kind` 'stream'). */
export async function writeArrowIpc(path: string, source: VisitTableSource, kind: ArrowIpcKind = 'file'): Promise<void> {
  await pipeline(Readable.from(encodeArrowIpc(source, kind)), createWriteStream(path));
}
