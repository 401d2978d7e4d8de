/**
 * Worker thread of {@link canonicalSha256OfIpcFile}: reads an Arrow IPC stream file, packs its
 * rows into the canonical record array's bytes, and hands each packed buffer to the parent
 * (transferred, not copied), which hashes it and hands it back for reuse. A fixed number of
 * buffers circulates, so a slow hasher stops the packer instead of piling up memory.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import { CanonicalLayout, CanonicalRowPacker } from './canonical-hash';

/** What the parent passes as `workerData`. */
export interface PackerJob {
  path: string;
  layout: CanonicalLayout;
  bufferBytes: number;
  buffers: number;
}

/** What the worker posts: a packed buffer, the end (rows packed), or a failure. */
export type PackerMessage = { buffer: ArrayBuffer; bytes: number } | { rows: number } | { error: string };

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
  // Node's default 64 KiB reads: apache-arrow assembles messages from small reads faster than from 1 MiB ones.
  const reader = await RecordBatchReader.from(fs.createReadStream(job.path));
  for await (const batch of reader as AsyncIterable<RecordBatch>) {
    for (let row = 0; row < batch.numRows; ) {
      const buffer = await acquire();
      const n = packer.pack(batch, row, new Uint8Array(buffer));
      port.postMessage({ buffer, bytes: n * packer.rowSize } satisfies PackerMessage, [buffer]);
      row += n;
    }
    rows += batch.numRows;
  }
  port.postMessage({ rows } satisfies PackerMessage);
  port.close();
}

run(workerData as PackerJob).catch((error: unknown) => {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies PackerMessage);
});
