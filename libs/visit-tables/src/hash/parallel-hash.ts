import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalHashError, CanonicalHasher, CanonicalLayout } from './canonical-hash';
import type { PackerJob, PackerMessage } from './canonical-hash-worker';

/** The compiled worker (from src/hash under jest, or dist/hash, both resolve to dist). */
const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'hash', 'canonical-hash-worker.js');
/** Packed bytes per message between the threads, and how many such buffers circulate. */
const BUFFER_BYTES = 4 << 20;
const BUFFERS = 3;

/**
 * Pass two of the canonical hash over an Arrow IPC stream file, on two threads: a worker packs
 * the rows (as fast as the hashing, ~2 s for 2 million opsim visits), this thread hashes them.
 * `layout` is pass one's (a CanonicalHashScan over the same file). Without the compiled worker
 * (an unbuilt checkout) it hashes in this thread.
 */
export async function canonicalSha256OfIpcFile(file: string, layout: CanonicalLayout): Promise<Buffer> {
  if (!fs.existsSync(WORKER_SCRIPT)) return canonicalSha256InProcess(file, layout);
  const hash = createHash('sha256').update(layout.dtypeString, 'utf8');
  const job: PackerJob = { path: file, layout, bufferBytes: BUFFER_BYTES, buffers: BUFFERS };
  const worker = new Worker(WORKER_SCRIPT, { workerData: job });
  try {
    const rows = await new Promise<number>((resolve, reject) => {
      worker.on('message', (message: PackerMessage) => {
        if ('buffer' in message) {
          hash.update(new Uint8Array(message.buffer, 0, message.bytes));
          worker.postMessage(message.buffer, [message.buffer]);
        } else if ('rows' in message) {
          resolve(message.rows);
        } else {
          reject(new CanonicalHashError(`hashing ${file}: ${message.error}`));
        }
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new CanonicalHashError(`hashing ${file}: the worker stopped (exit code ${code})`)));
    });
    checkRows(layout, rows);
    return hash.digest();
  } finally {
    await worker.terminate();
  }
}

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
