/**
 * Worker thread of {@link canonicalSha256OfIpcFile}: one of `workers` packers. It walks the
 * Arrow IPC stream file message by message, reads only the record batches whose index is its
 * own (index mod workers) into its WebAssembly memory, packs their rows there with the kernels
 * into the canonical record array's bytes, and tells the parent where each packed buffer is;
 * the parent hashes the buffers of all packers in batch order straight from the (shared) memory
 * and hands them back for reuse. A fixed number of buffers circulates per packer, so a slow
 * hasher stops the packers instead of piling up memory.
 *
 * A worker serves one job at a time, as many jobs as the parent gives it (it keeps idle workers:
 * starting one loads Arrow again, a few hundred milliseconds of CPU per large table). Each job
 * comes with its own message port, closed when the job ends.
 */
import * as fs from 'node:fs';
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Message, MessageHeader, RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalLayout, CanonicalRowPacker } from './canonical-hash';
import { KernelMemory, ensureMemory, packKernels } from './pack-kernels';

/** What the parent passes as `workerData`: this worker's memory (see kernelMemory), for every job. */
export interface PackerSetup {
  memory: KernelMemory;
}

/** One job, posted to the worker with the port it answers on. */
export interface PackerJob {
  path: string;
  layout: CanonicalLayout;
  /** `buffers` packed buffers of `bufferBytes` from address 0 of the memory, then the record batch being packed. */
  bufferBytes: number;
  buffers: number;
  /** This packer's number, from 0, and how many share the file. */
  worker: number;
  workers: number;
}

/**
 * What a packer posts on the job's port: a packed part of batch `batch` (`bytes` at address
 * `offset` of its memory; `last`: the batch's final part; a batch without rows posts one empty
 * last part), the end (rows packed), or a failure (`dictionary`: the file has dictionary batches,
 * which this path does not handle). The parent answers each part with its `offset`, free again.
 */
export type PackerMessage =
  | { batch: number; offset: number; bytes: number; last: boolean }
  | { rows: number }
  | { error: string; dictionary?: boolean };

const CONTINUATION = -1;

const { memory } = workerData as PackerSetup;
const kernels = packKernels(memory);

async function run(job: PackerJob, port: MessagePort): Promise<void> {
  const packer = new CanonicalRowPacker(job.layout, kernels);
  const size = Math.max(1, packer.rowsPer(job.bufferBytes) * packer.rowSize);
  const free: number[] = Array.from({ length: job.buffers }, (_, i) => i * job.bufferBytes);
  let wake: (() => void) | undefined;
  port.on('message', (offset: number) => {
    free.push(offset);
    wake?.();
  });
  const acquire = async (): Promise<number> => {
    while (free.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    return free.pop()!;
  };
  let rows = 0;
  for (const { index, batch } of ownBatches(job.path, job.worker, job.workers, memory, job.buffers * job.bufferBytes)) {
    if (batch.numRows === 0) port.postMessage({ batch: index, offset: 0, bytes: 0, last: true } satisfies PackerMessage);
    for (let row = 0; row < batch.numRows; ) {
      const offset = await acquire();
      // A fresh view: reading a batch may have grown the memory (a new buffer object).
      const n = packer.pack(batch, row, new Uint8Array(memory.buffer, offset, size));
      row += n;
      port.postMessage({ batch: index, offset, bytes: n * packer.rowSize, last: row >= batch.numRows } satisfies PackerMessage);
    }
    rows += batch.numRows;
  }
  port.postMessage({ rows } satisfies PackerMessage);
}

/**
 * The record batches of the file whose index is `worker` mod `workers`, read with positional
 * reads into `memory` from address `at` (the schema message, then the batch's), where the
 * batch's buffers stay: each batch is done with before the next is read over it.
 */
function* ownBatches(path: string, worker: number, workers: number, memory: KernelMemory, at: number): Generator<{ index: number; batch: RecordBatch }> {
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
          ensureMemory(memory, at + schema.length + total);
          const bytes = new Uint8Array(memory.buffer, at, schema.length + total);
          bytes.set(schema, 0);
          readFully(fd, bytes.subarray(schema.length), position);
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

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`the file ends inside a record batch (at byte ${position + done})`);
    done += n;
  }
}

class DictionaryBatchError extends Error {}

parentPort!.on('message', ({ job, port }: { job: PackerJob; port: MessagePort }) => {
  run(job, port)
    .catch((error: unknown) => {
      port.postMessage({ error: error instanceof Error ? error.message : String(error), dictionary: error instanceof DictionaryBatchError } satisfies PackerMessage);
    })
    .finally(() => port.close());
});
