import { createHash, Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ChecksumMismatchError } from './errors';

/** Lower-case hex of a digest, for messages and logs (the API itself carries raw bytes). */
export function hex(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

/** SHA-256 and length of a byte stream, fed chunk by chunk as the bytes go by. */
export class Sha256Counter {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}

/** Streams a local file through SHA-256 (large reads: hashing runs at memory speed). */
export async function sha256OfFile(path: string): Promise<{ sha256: Buffer; size: number }> {
  const counter = new Sha256Counter();
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) counter.update(chunk as Buffer);
  return { sha256: counter.digest(), size: counter.size };
}

/** Throws ChecksumMismatchError unless `expected` is empty/undefined or equals `actual`. */
export function verifySha256(url: string, actual: Uint8Array, expected: Uint8Array | undefined): void {
  if (!expected || expected.byteLength === 0) return;
  if (!Buffer.from(actual).equals(Buffer.from(expected))) throw new ChecksumMismatchError(url, hex(expected), hex(actual));
}

/** A SHA-256 being computed off the event loop; `cancel` stops it (the digest then rejects). */
export interface BackgroundSha256 {
  readonly digest: Promise<Buffer>;
  cancel(): void;
}

/**
 * SHA-256 of a local file, computed by a worker thread, so that a service can stream the file
 * while it is being verified (hashing is ~0.7 s of CPU per GB; on the event loop it would
 * delay every byte sent). The worker opens the path itself (a /proc/self/fd link works).
 */
export function sha256OfFileInBackground(path: string): BackgroundSha256 {
  const worker = new Worker(SHA256_WORKER, { eval: true, workerData: { path } });
  let settled = false;
  const digest = new Promise<Buffer>((resolve, reject) => {
    worker.once('message', (bytes: Uint8Array) => {
      settled = true;
      resolve(Buffer.from(bytes));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`hashing ${path} stopped (worker exit code ${code})`));
    });
  });
  return { digest, cancel: () => void worker.terminate() };
}

/** Files up to this size are hashed on the event loop: a worker thread costs more to start than that takes. */
const HASH_IN_BACKGROUND_BYTES = 8 * 1024 * 1024;

/** SHA-256 of a local file of `size` bytes: on the event loop when small, on a worker thread above 8 MiB. */
export function sha256OfLocalFile(path: string, size: number): BackgroundSha256 {
  if (size > HASH_IN_BACKGROUND_BYTES) return sha256OfFileInBackground(path);
  return { digest: sha256OfSmallFile(path, size), cancel: () => {} };
}

async function sha256OfSmallFile(path: string, size: number): Promise<Buffer> {
  const whole = (await readWholeSmallFile(path, size))!;
  try {
    return createHash('sha256').update(whole.bytes).digest();
  } finally {
    whole.release();
  }
}

/** A small local file's bytes, read whole into a reused buffer: `bytes` is good until `release()`. */
export interface WholeSmallFile {
  readonly bytes: Buffer;
  release(): void;
}

/**
 * Buffers of whole small files, reused: a new buffer per read (a stream's, or readFile's of the
 * whole file) is external memory, and every 64 MiB of it costs a full garbage collection, which
 * for reads of 1 MB tables cost more than hashing them.
 */
const WHOLE_FILE_BUFFERS: Buffer[] = [];
/** The smallest such buffer: a 1 MB table's, reused for any smaller file. */
const WHOLE_FILE_BUFFER_MIN_BYTES = 1 << 20;

/**
 * The first `size` bytes of a local file of at most 8 MiB (the size hashed on the event loop), read
 * whole into a reused buffer in as few reads as the kernel allows; undefined for larger files.
 * Small stored tables are read once this way, then hashed and served from memory (decision 0011):
 * one open and one read instead of a pass to hash them and another to send them.
 */
export async function readWholeSmallFile(path: string, size: number): Promise<WholeSmallFile | undefined> {
  if (size > HASH_IN_BACKGROUND_BYTES) return undefined;
  const reused = WHOLE_FILE_BUFFERS.findIndex((buffer) => buffer.length >= size);
  const buffer = reused >= 0 ? WHOLE_FILE_BUFFERS.splice(reused, 1)[0] : Buffer.allocUnsafeSlow(Math.max(WHOLE_FILE_BUFFER_MIN_BYTES, size));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (WHOLE_FILE_BUFFERS.length < 4) WHOLE_FILE_BUFFERS.push(buffer);
  };
  try {
    const file = await fs.promises.open(path, 'r');
    let read = 0;
    try {
      for (let n; read < size && (n = (await file.read(buffer, read, size - read, read)).bytesRead) > 0; ) read += n;
    } finally {
      await file.close();
    }
    if (read < size) throw new Error(`${path} ended after ${read} of its ${size} bytes`);
    return { bytes: buffer.subarray(0, size), release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * A local file's bytes, read chunk by chunk into `buffer`: each chunk is only good until the next
 * is asked for (for consumers that hash or copy it at once), and reading allocates nothing per chunk.
 */
export async function* readFileInto(path: string, buffer: Buffer): AsyncGenerator<Buffer> {
  const file = await fs.promises.open(path, 'r');
  try {
    for (let n; (n = (await file.read(buffer, 0, buffer.length, null)).bytesRead) > 0; ) yield buffer.subarray(0, n);
  } finally {
    await file.close();
  }
}

const SHA256_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
const fd = fs.openSync(workerData.path, 'r');
try {
  for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
} finally {
  fs.closeSync(fd);
}
parentPort.postMessage(hash.digest());
`;
