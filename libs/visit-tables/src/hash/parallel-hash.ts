import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalHashError, CanonicalHasher, CanonicalLayout } from './canonical-hash';
import type { PackerJob, PackerMessage } from './canonical-hash-worker';
import { kernelMemory } from './pack-kernels';

/** The compiled worker (from src/hash under jest, or dist/hash, both resolve to dist). */
const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'hash', 'canonical-hash-worker.js');
/** Packed bytes per message between the threads, and how many such buffers circulate per packer. */
const BUFFER_BYTES = 4 << 20;
const BUFFERS = 3;
/** Room for the record batch a packer reads after its buffers (~1 MiB batches; grown if need be). */
const BATCH_BYTES = 2 << 20;
/**
 * Packers sharing a file. With the WebAssembly kernels, packing (with reading and decoding)
 * costs about as much as hashing: one packer and this thread's hashing keep two CPUs busy.
 */
const PACKERS = 1;
/**
 * Smaller files are hashed in this thread: starting a worker (a new isolate loading Arrow) costs
 * some 50–70 ms, more than hashing 32 MiB takes, and it was the fixed cost of every small add
 * (a pre-night simulation is a few MiB).
 */
const IN_PROCESS_BELOW_BYTES = 32 << 20;

/**
 * Pass two of the canonical hash over an Arrow IPC stream file, on several threads: worker
 * threads pack the rows of alternate record batches (in WebAssembly memory shared with this
 * thread), this thread hashes the packed bytes in order. `layout` is pass one's (a
 * CanonicalHashScan over the same file). Without the compiled worker (an unbuilt checkout), for a
 * file under IN_PROCESS_BELOW_BYTES, or for a file with dictionary batches, it hashes in this thread.
 */
export async function canonicalSha256OfIpcFile(file: string, layout: CanonicalLayout, packers = PACKERS, inProcessBelowBytes = IN_PROCESS_BELOW_BYTES): Promise<Buffer> {
  if (!fs.existsSync(WORKER_SCRIPT) || sizeOf(file) < inProcessBelowBytes) return canonicalSha256InProcess(file, layout);
  const hash = createHash('sha256').update(layout.dtypeString, 'utf8');
  const memories = Array.from({ length: packers }, () => kernelMemory(BUFFERS * BUFFER_BYTES + BATCH_BYTES));
  const workers = memories.map(
    (memory, worker) =>
      new Worker(WORKER_SCRIPT, { workerData: { path: file, layout, memory, bufferBytes: BUFFER_BYTES, buffers: BUFFERS, worker, workers: packers } satisfies PackerJob }),
  );
  try {
    const rows = await new Promise<number>((resolve, reject) => {
      // Each packer's parts arrive in its order; batch b comes from packer b mod packers.
      const queues: Extract<PackerMessage, { batch: number }>[][] = workers.map(() => []);
      let next = 0;
      let finished = 0;
      const done = workers.map(() => false);
      let rows = 0;
      const drain = () => {
        for (;;) {
          const owner = next % packers;
          const part = queues[owner][0];
          if (!part || part.batch !== next) break;
          queues[owner].shift();
          if (part.bytes > 0) {
            hash.update(new Uint8Array(memories[owner].buffer, part.offset, part.bytes));
            workers[owner].postMessage(part.offset);
          }
          if (part.last) next++;
        }
        if (finished === packers) {
          if (queues.some((queue) => queue.length > 0)) reject(new CanonicalHashError(`hashing ${file}: packed batches out of order`));
          else resolve(rows);
        }
      };
      workers.forEach((worker) => {
        worker.on('message', (message: PackerMessage) => {
          if ('batch' in message) queues[workers.indexOf(worker)].push(message);
          else if ('rows' in message) {
            rows += message.rows;
            done[workers.indexOf(worker)] = true;
            finished++;
          } else {
            reject(message.dictionary ? new DictionaryFileError() : new CanonicalHashError(`hashing ${file}: ${message.error}`));
            return;
          }
          drain();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (!done[workers.indexOf(worker)]) reject(new CanonicalHashError(`hashing ${file}: a worker stopped (exit code ${code})`));
        });
      });
    });
    checkRows(layout, rows);
    return hash.digest();
  } catch (error) {
    if (error instanceof DictionaryFileError) return canonicalSha256InProcess(file, layout);
    throw error;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

class DictionaryFileError extends Error {}

async function canonicalSha256InProcess(file: string, layout: CanonicalLayout): Promise<Buffer> {
  const hasher = new CanonicalHasher(layout);
  const reader = await RecordBatchReader.from(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }));
  for await (const batch of reader as AsyncIterable<RecordBatch>) hasher.update(batch);
  checkRows(layout, hasher.rows);
  return hasher.digest();
}

function checkRows(layout: CanonicalLayout, rows: number): void {
  if (rows !== layout.rows) throw new CanonicalHashError(`the table changed between the two passes of the hash (${layout.rows} then ${rows} rows)`);
}

/** A file's size; Infinity when it cannot be read (the hashing then reports why). */
function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return Infinity;
  }
}
