/**
 * The chunk framing of messages that are already encoded (encode.ts encodes batches): a stored
 * Arrow stream forwarded without decoding (the blob archive's fast path, decision 0011), under
 * the same size rule (chunk-size.ts).
 */
import { MessageHeader, RecordBatch, RecordBatchReader } from 'apache-arrow';
import { ArrowChunk, MAX_CHUNK_BYTES, sliceBatch, TARGET_CHUNK_BYTES } from './chunk-size';
import { IpcStreamEncoder } from './ipc-stream-encoder';
import { IpcMessage } from './ipc-messages';

/**
 * Forwards the messages of an Arrow IPC stream as chunks without decoding them, grouping small
 * messages up to about 1 MiB: the fast path for stored Arrow streams, which we write in
 * batches of that size. A message too large for one chunk (a stream written elsewhere, with
 * huge batches) is decoded and re-sliced instead.
 */
export async function* forwardArrowMessages(messages: AsyncIterable<IpcMessage>, targetBytes = TARGET_CHUNK_BYTES): AsyncGenerator<ArrowChunk> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let pendingRows = 0;
  let schemaMessage: Uint8Array | undefined;
  let hasDictionaries = false;
  let reencoder: IpcStreamEncoder | undefined;
  const flush = (): ArrowChunk => {
    const chunk = { ipcBytes: pending.length === 1 ? pending[0] : Buffer.concat(pending), rowCount: pendingRows };
    pending = [];
    pendingBytes = 0;
    pendingRows = 0;
    return chunk;
  };
  for await (const { bytes, message } of messages) {
    if (message.headerType === MessageHeader.Schema) schemaMessage = bytes;
    if (message.headerType === MessageHeader.DictionaryBatch) hasDictionaries = true;
    if (bytes.byteLength > MAX_CHUNK_BYTES - 64 * 1024 && message.headerType === MessageHeader.RecordBatch && schemaMessage && !hasDictionaries) {
      if (pendingBytes > 0) yield flush();
      // Decode this one batch (with the schema) and re-slice it.
      const reader = RecordBatchReader.from(Buffer.concat([schemaMessage, bytes]));
      const batch = reader.next().value as RecordBatch;
      if (!reencoder) {
        reencoder = new IpcStreamEncoder(reader.schema);
        reencoder.schemaMessage(); // primes the encoder; the client already has the schema
      }
      for (const slice of sliceBatch(batch, targetBytes)) yield { ipcBytes: reencoder.encode(slice), rowCount: slice.numRows };
      continue;
    }
    // Small messages are grouped; one of about the target size travels alone (no copy).
    if (pendingBytes > 0 && pendingBytes + bytes.byteLength > Math.min(MAX_CHUNK_BYTES, targetBytes * 1.5)) yield flush();
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
    if (message.headerType === MessageHeader.RecordBatch) pendingRows += (message.header() as { length: number }).length;
    if (pendingBytes >= targetBytes) yield flush();
  }
  if (pendingBytes > 0) yield flush();
}
