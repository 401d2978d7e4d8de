import { AsyncByteQueue, RecordBatch, RecordBatchStreamWriter, Schema } from 'apache-arrow';

/** An AsyncByteQueue that just collects what the writer writes, so it can be taken synchronously. */
class CollectingSink extends AsyncByteQueue {
  private collected: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.collected.push(value);
  }

  takeAll(): Uint8Array {
    const parts = this.collected;
    this.collected = [];
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

/**
 * Encodes record batches of one schema as Arrow IPC stream messages (V5, uncompressed), one
 * call at a time, so each result is a run of whole messages that can travel on its own.
 */
export class IpcStreamEncoder {
  private readonly sink = new CollectingSink();
  private readonly writer = new RecordBatchStreamWriter({ autoDestroy: false });

  constructor(readonly schema: Schema) {}

  /** The Schema message. */
  schemaMessage(): Uint8Array {
    this.writer.reset(this.sink as never, this.schema);
    return this.sink.takeAll();
  }

  /** The messages of one batch (its dictionaries first, if any, then the RecordBatch). */
  encode(batch: RecordBatch): Uint8Array {
    // The writer starts a new stream (a second Schema message) for a batch whose schema differs
    // even only in nullability or metadata: always write batches under the encoder's schema.
    this.writer.write(batch.schema === this.schema ? batch : new RecordBatch(this.schema, batch.data));
    return this.sink.takeAll();
  }

  /** The end-of-stream marker. */
  static readonly END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
}
