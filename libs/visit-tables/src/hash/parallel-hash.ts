import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalHashError, CanonicalHasher, CanonicalLayout } from './canonical-hash';
import type { PackerJob, PackerMessage, PackerSetup } from './canonical-hash-worker';
import { KernelMemory, kernelMemory } from './pack-kernels';

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
  const taken = Array.from({ length: packers }, takePacker);
  const ports = taken.map(({ worker }, index) => {
    const { port1, port2 } = new MessageChannel();
    const job: PackerJob = { path: file, layout, bufferBytes: BUFFER_BYTES, buffers: BUFFERS, worker: index, workers: packers };
    worker.postMessage({ job, port: port2 }, [port2]);
    return port1;
  });
  const memories = taken.map((packer) => packer.memory);
  // A packer goes back to the pool only after a job it finished cleanly.
  let clean = false;
  const stopped: (() => void)[] = [];
  try {
    const rows = await new Promise<number>((resolve, reject) => {
      // Each packer's parts arrive in its order; batch b comes from packer b mod packers.
      const queues: Extract<PackerMessage, { batch: number }>[][] = taken.map(() => []);
      let next = 0;
      let finished = 0;
      let rows = 0;
      const drain = () => {
        for (;;) {
          const owner = next % packers;
          const part = queues[owner][0];
          if (!part || part.batch !== next) break;
          queues[owner].shift();
          if (part.bytes > 0) {
            hash.update(new Uint8Array(memories[owner].buffer, part.offset, part.bytes));
            ports[owner].postMessage(part.offset);
          }
          if (part.last) next++;
        }
        if (finished === packers) {
          if (queues.some((queue) => queue.length > 0)) reject(new CanonicalHashError(`hashing ${file}: packed batches out of order`));
          else resolve(rows);
        }
      };
      taken.forEach(({ worker }, index) => {
        ports[index].on('message', (message: PackerMessage) => {
          if ('batch' in message) queues[index].push(message);
          else if ('rows' in message) {
            rows += message.rows;
            finished++;
          } else {
            reject(message.dictionary ? new DictionaryFileError() : new CanonicalHashError(`hashing ${file}: ${message.error}`));
            return;
          }
          drain();
        });
        const onError = (error: Error) => reject(error);
        const onExit = (code: number) => reject(new CanonicalHashError(`hashing ${file}: a worker stopped (exit code ${code})`));
        worker.once('error', onError);
        worker.once('exit', onExit);
        stopped.push(() => {
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
      });
    });
    checkRows(layout, rows);
    clean = true;
    return hash.digest();
  } catch (error) {
    if (error instanceof DictionaryFileError) {
      clean = true; // the packer reported the file's dictionaries and is ready for another job
      return canonicalSha256InProcess(file, layout);
    }
    throw error;
  } finally {
    stopped.forEach((stop) => stop());
    ports.forEach((port) => port.close());
    for (const packer of taken) {
      if (clean) releasePacker(packer);
      else await packer.worker.terminate();
    }
  }
}

/** A packer thread and its memory, kept for the next job while idle. */
interface Packer {
  worker: Worker;
  memory: KernelMemory;
  idleTimer?: NodeJS.Timeout;
}

/** Idle packers (at most IDLE_PACKERS), each ended after IDLE_MS without a job. */
const idlePackers: Packer[] = [];
const IDLE_PACKERS = 2;
const IDLE_MS = 60_000;

function takePacker(): Packer {
  const idle = idlePackers.pop();
  if (idle) {
    clearTimeout(idle.idleTimer);
    idle.worker.ref();
    return idle;
  }
  const memory = kernelMemory(BUFFERS * BUFFER_BYTES + BATCH_BYTES);
  return { worker: new Worker(WORKER_SCRIPT, { workerData: { memory } satisfies PackerSetup }), memory };
}

function releasePacker(packer: Packer): void {
  if (idlePackers.length >= IDLE_PACKERS) {
    void packer.worker.terminate();
    return;
  }
  // An idle packer keeps no process alive, and is ended when it has waited long enough.
  packer.worker.unref();
  packer.idleTimer = setTimeout(() => {
    idlePackers.splice(idlePackers.indexOf(packer), 1);
    void packer.worker.terminate();
  }, IDLE_MS).unref();
  idlePackers.push(packer);
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
