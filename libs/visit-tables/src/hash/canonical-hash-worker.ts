/**
 * Worker thread of {@link canonicalSha256OfIpcFile}: one of `workers` packers. It walks the
 * Arrow IPC stream file message by message, decodes only the record batches whose index is its
 * own (index mod workers), packs their rows into the canonical record array's bytes, and hands
 * each packed buffer to the parent (transferred, not copied), which hashes the buffers of all
 * packers in batch order and hands them back for reuse. A fixed number of buffers circulates per
 * packer, so a slow hasher stops the packers instead of piling up memory.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Message, MessageHeader, RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalLayout, CanonicalRowPacker } from './canonical-hash';

/** What the parent passes as `workerData`. */
export interface PackerJob {
  path: string;
  layout: CanonicalLayout;
  bufferBytes: number;
  buffers: number;
  /** This packer's number, from 0, and how many share the file. */
  worker: number;
  workers: number;
}

/**
 * What a packer posts: a packed part of batch `batch` (`last`: the batch's final part; a batch
 * without rows posts one empty last part), the end (rows packed), or a failure (`dictionary`:
 * the file has dictionary batches, which this path does not handle).
 */
export type PackerMessage =
  | { batch: number; buffer?: ArrayBuffer; bytes: number; last: boolean }
  | { rows: number }
  | { error: string; dictionary?: boolean };

const CONTINUATION = -1;

async function run(job: PackerJob): Promise<void> {
  const port = parentPort!;
  const packer = new CanonicalRowPacker(job.layout);
  const size = Math.max(1, packer.rowsPer(job.bufferBytes) * packer.rowSize);
  const free: ArrayBuffer[] = Array.from({ length: job.buffers }, () => new ArrayBuffer(size));
  let wake: (() => void) | undefined;
  port.on('message', (buffer: ArrayBuffer) => {
    free.push(buffer);
    wake?.();
  });
  const acquire = async (): Promise<ArrayBuffer> => {
    while (free.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    return free.pop()!;
  };
  let rows = 0;
  for (const { index, batch } of ownBatches(job.path, job.worker, job.workers)) {
    if (batch.numRows === 0) port.postMessage({ batch: index, bytes: 0, last: true } satisfies PackerMessage);
    for (let row = 0; row < batch.numRows; ) {
      const buffer = await acquire();
      const n = packer.pack(batch, row, new Uint8Array(buffer));
      row += n;
      port.postMessage({ batch: index, buffer, bytes: n * packer.rowSize, last: row >= batch.numRows } satisfies PackerMessage, [buffer]);
    }
    rows += batch.numRows;
  }
  port.postMessage({ rows } satisfies PackerMessage);
  port.close();
}

/** The record batches of the file whose index is `worker` mod `workers`, read with positional reads. */
function* ownBatches(path: string, worker: number, workers: number): Generator<{ index: number; batch: RecordBatch }> {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(8);
    let schema: Buffer | undefined;
    let index = 0;
    for (let position = 0; position + 4 <= size; ) {
      fs.readSync(fd, prefix, 0, Math.min(8, size - position), position);
      const continued = prefix.readInt32LE(0) === CONTINUATION;
      const prefixLength = continued ? 8 : 4;
      const metadataLength = prefix.readInt32LE(continued ? 4 : 0);
      if (metadataLength <= 0) return; // end of stream
      const head = Buffer.alloc(prefixLength + metadataLength);
      fs.readSync(fd, head, 0, head.length, position);
      const message = Message.decode(head.subarray(prefixLength));
      const total = head.length + Number(message.bodyLength);
      if (message.headerType === MessageHeader.Schema) {
        schema = head;
      } else if (message.headerType === MessageHeader.DictionaryBatch) {
        throw new DictionaryBatchError();
      } else if (message.headerType === MessageHeader.RecordBatch && schema) {
        if (index % workers === worker) {
          const bytes = Buffer.allocUnsafe(schema.length + total);
          schema.copy(bytes, 0);
          fs.readSync(fd, bytes, schema.length, total, position);
          const batch = RecordBatchReader.from(bytes).next().value as RecordBatch;
          yield { index, batch };
        }
        index++;
      }
      position += total;
    }
  } finally {
    fs.closeSync(fd);
  }
}

class DictionaryBatchError extends Error {}

run(workerData as PackerJob).catch((error: unknown) => {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error), dictionary: error instanceof DictionaryBatchError } satisfies PackerMessage);
});
