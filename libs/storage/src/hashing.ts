import { createHash, Hash } from 'node:crypto';
import * as fs from 'node:fs';
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
