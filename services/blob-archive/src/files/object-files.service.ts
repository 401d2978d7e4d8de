import { Inject, Injectable } from '@nestjs/common';
import { invalidArgument } from '@visitsarch/grpc-server';
import type { blobArchiveV1 } from '@visitsarch/contracts';
import { ArchiveStorage, ChecksumMismatchError, hex, ObjectNotFoundError, Sha256Counter, sequenceFileUrl } from '@visitsarch/storage';
import { optionalSha256 } from '@visitsarch/validation';
import { withGrpcErrors } from '../grpc/errors';
import { ARCHIVE_STORAGE } from '../storage.provider';

/** Raw bytes per response message: the contract's limit for byte streams. */
export const BYTES_PER_MESSAGE = 1024 * 1024;

/** Arbitrary files of a sequence (rewards, pickles, …): stored and read as bytes, hashed on the way. */
@Injectable()
export class ObjectFilesService {
  constructor(@Inject(ARCHIVE_STORAGE) private readonly storage: ArchiveStorage) {}

  /** Stores the bytes following the header; nothing is visible unless every byte arrived (and hashed as expected). */
  upload(requests: AsyncIterable<blobArchiveV1.UploadFileRequest>, cancelled?: AbortSignal): Promise<blobArchiveV1.UploadFileResponse> {
    return withGrpcErrors(async () => {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      const header = first.done ? undefined : first.value.header;
      if (!header) throw invalidArgument('the first UploadFile message must carry the header', 'header');
      const expectedSha256 = optionalSha256(header.expectedFileSha256, 'header.expected_file_sha256');
      this.storage.checkArchiveRoot(header.archiveUrl, 'header.archive_url');
      const target = this.storage.resolve(
        sequenceFileUrl({
          archiveUrl: header.archiveUrl,
          telescope: header.telescope,
          creationDayObs: header.creationDayObs,
          visitseqUuid: header.visitseqUuid,
          fileName: header.fileName,
        }),
      );
      const write = await target.store.beginWrite(target.url, { overwrite: header.overwrite });
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.header) throw invalidArgument('only the first UploadFile message may carry a header', 'header');
          if (next.value.data && next.value.data.byteLength > 0) await write.write(next.value.data);
        }
        const stored = await write.commit({ expectedSha256, signal: cancelled });
        return { fileSha256: stored.sha256, fileSize: stored.size, fileUrl: stored.url };
      } catch (error) {
        await write.abort();
        await iterator.return?.();
        throw error;
      }
    });
  }

  /**
   * Streams an object's bytes while hashing them. The hash is known only at the end, so a
   * mismatch fails the call after the data was sent (the contract tells clients to discard it):
   * verifying first would mean reading everything twice, or spooling S3 objects to disk, before
   * the first byte goes out.
   */
  async *download(request: blobArchiveV1.DownloadFileRequest): AsyncGenerator<blobArchiveV1.DownloadFileResponse> {
    const expected = optionalSha256(request.expectedFileSha256, 'expected_file_sha256');
    const { store, url } = this.storage.resolve(request.fileUrl, 'file_url');
    const { size, stream } = await store.read(url);
    const counter = new Sha256Counter();
    let first = true;
    try {
      for await (const piece of rechunk(stream, BYTES_PER_MESSAGE)) {
        counter.update(piece);
        yield { data: piece, fileSize: first ? size : 0 };
        first = false;
      }
    } finally {
      stream.destroy();
    }
    if (first) yield { data: new Uint8Array(0), fileSize: size };
    const actual = counter.digest();
    if (expected && !actual.equals(Buffer.from(expected))) {
      throw new ChecksumMismatchError(url, hex(expected), hex(actual));
    }
  }

  stat(request: blobArchiveV1.StatObjectRequest): Promise<blobArchiveV1.StatObjectResponse> {
    return withGrpcErrors(async () => {
      const { store, url } = this.storage.resolve(request.url);
      const info = await store.stat(url);
      if (!info) return { exists: false, size: 0 };
      let sha256: Uint8Array | undefined;
      if (request.computeSha256) {
        const { stream } = await store.read(url);
        const counter = new Sha256Counter();
        for await (const chunk of stream) counter.update(chunk as Buffer);
        sha256 = counter.digest();
      }
      return { exists: true, size: info.size, sha256, updateTime: info.updateTime };
    });
  }

  delete(request: blobArchiveV1.DeleteObjectRequest): Promise<blobArchiveV1.DeleteObjectResponse> {
    return withGrpcErrors(async () => {
      const { store, url } = this.storage.resolve(request.url);
      const deleted = await store.delete(url);
      if (!deleted && !request.allowMissing) throw new ObjectNotFoundError(url);
      return { deleted };
    });
  }
}

/** Regroups a byte stream into pieces of exactly `size` bytes (the last one shorter). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + buffer.length >= size) {
      const taken = size - pendingBytes;
      pending.push(buffer.subarray(0, taken));
      yield pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
      pending = [];
      pendingBytes = 0;
      buffer = buffer.subarray(taken);
    }
    if (buffer.length > 0) {
      pending.push(buffer);
      pendingBytes += buffer.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
