/**
 * Receiving an uploaded Arrow IPC stream: every message checked against the contract before it
 * is decoded (ipc-messages.ts), dictionary-encoded columns decoded to plain ones (servers never
 * send dictionaries). Reading a stream a server sent needs no checks: decode.ts.
 */
import { Data, DataType, makeData, RecordBatch, RecordBatchReader, Schema, Struct, Field, Vector, vectorFromArray } from 'apache-arrow';
import { checkUploadMessage, InvalidIpcStreamError, IpcMessage, readIpcMessages } from './ipc-messages';

/** A table arriving as an Arrow IPC stream: its schema, then its batches, read once. */
export interface ArrowUpload {
  readonly schema: Schema;
  /** The batches, in order, with dictionary columns decoded to plain ones. */
  batches(): AsyncIterable<RecordBatch>;
}

/**
 * Opens an uploaded Arrow IPC stream (the concatenated `ipc_bytes` of its chunks), checking
 * every message against the contract (Schema first, uncompressed) before it is decoded, and
 * showing it to `onMessage` (which may keep its bytes). Fails with InvalidIpcStreamError on
 * anything that is not a valid stream.
 */
export async function openArrowUpload(bytes: AsyncIterable<Uint8Array>, onMessage?: (message: IpcMessage) => Promise<void>): Promise<ArrowUpload> {
  let index = 0;
  async function* checked(): AsyncGenerator<Uint8Array> {
    for await (const message of readIpcMessages(bytes)) {
      checkUploadMessage(message.message, index++);
      if (onMessage) await onMessage(message);
      yield message.bytes;
    }
    if (index === 0) throw new InvalidIpcStreamError('the Arrow IPC stream is empty: it must hold at least a Schema message');
  }
  let reader: RecordBatchReader;
  try {
    reader = await RecordBatchReader.from(checked());
    await reader.open();
  } catch (error) {
    throw asInvalidStream(error);
  }
  if (!reader.schema) throw new InvalidIpcStreamError('the Arrow IPC stream is empty: it must hold at least a Schema message');
  const schema = plainSchema(reader.schema);
  return {
    schema,
    async *batches() {
      try {
        for await (const batch of reader as AsyncIterable<RecordBatch>) {
          if (batch.numRows > 0) yield hydrateDictionaries(batch, schema);
        }
      } catch (error) {
        throw asInvalidStream(error);
      } finally {
        await reader.cancel?.();
      }
    },
  };
}

function asInvalidStream(error: unknown): unknown {
  if (error instanceof InvalidIpcStreamError) return error;
  // apache-arrow throws plain Errors for malformed messages; a gRPC status (cancellation) passes.
  if (error instanceof Error && !('code' in error)) return new InvalidIpcStreamError(`invalid Arrow IPC stream: ${error.message}`);
  return error;
}

/** The schema with every dictionary-encoded field replaced by its value type. */
export function plainSchema(schema: Schema): Schema {
  if (!schema.fields.some((field) => DataType.isDictionary(field.type))) return schema;
  return new Schema(
    schema.fields.map((field) => (DataType.isDictionary(field.type) ? new Field(field.name, field.type.dictionary, field.nullable, field.metadata) : field)),
    schema.metadata,
  );
}

/** Replaces dictionary columns by plain ones (the contract: servers never send dictionaries). */
export function hydrateDictionaries(batch: RecordBatch, schema: Schema): RecordBatch {
  if (schema === batch.schema) return batch;
  const children: Data[] = batch.schema.fields.map((field, index) => {
    // A column of a record batch is a vector of exactly one Data.
    const column = batch.getChildAt(index)!;
    if (!DataType.isDictionary(field.type)) return column.data[0];
    const plain: Vector = vectorFromArray([...column] as unknown[], field.type.dictionary);
    return plain.data[0];
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, children, nullCount: 0 }));
}

