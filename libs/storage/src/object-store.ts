import type { Readable } from 'node:stream';
import type { ArchiveLocation } from './archive-url';

/** What a completed write stored. */
export interface StoredObject {
  url: string;
  size: number;
  /** SHA-256 of the stored bytes, computed while they were written. */
  sha256: Buffer;
}

/** What the storage knows about an existing object. */
export interface ObjectInfo {
  size: number;
  /** When the object was last written, if the backend records it. */
  updateTime?: Date;
}

export interface WriteOptions {
  /** Replace an existing object; without it an existing object fails the write with ObjectExistsError. */
  overwrite: boolean;
}

export interface CommitOptions {
  /** If non-empty, the SHA-256 the written bytes must have; a mismatch aborts with ChecksumMismatchError. */
  expectedSha256?: Uint8Array;
  /**
   * Checked immediately before the object is published: an aborted signal (e.g. the client
   * cancelled the call) fails the commit with its reason, and nothing becomes visible.
   */
  signal?: AbortSignal;
}

/**
 * A write in progress. Its bytes are invisible at the object's URL until `commit` succeeds; `abort`
 * (or a failed `commit`) removes every trace of them. Exactly one of `commit` or `abort` must be
 * called; `abort` is safe to call at any time, also after a failed commit.
 */
export interface ObjectWrite {
  readonly url: string;
  /** Bytes written so far. */
  readonly size: number;
  /**
   * A local file holding the bytes written so far once `flush` has resolved, readable until
   * commit or abort (file backend: the hidden temporary file), so a writer needing a second pass
   * over what it wrote need not keep its own copy; undefined when the bytes only go to a remote
   * store (S3).
   */
  readonly localPath?: string;
  /**
   * Resolves when every byte written so far is in `localPath` (writes are pipelined: `write`
   * resolves before its bytes land); not a promise of durability (`prepare`). Immediate without
   * a local file.
   */
  flush(): Promise<void>;
  /**
   * Appends bytes; resolves when more may be written (backpressure). The store may still hold
   * `chunk` until `prepare`/`commit`/`abort` settles: callers hand over fresh buffers and do
   * not modify them afterwards.
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Finishes writing the bytes durably (file: fsync; S3: the last part), without publishing
   * them; `commit` does it if not done. Lets slow I/O overlap other work before the commit.
   */
  prepare(): Promise<void>;
  /** Makes the object visible at its URL, atomically; fails with ObjectExistsError if one appeared meanwhile and overwriting was not requested. */
  commit(options?: CommitOptions): Promise<StoredObject>;
  abort(): Promise<void>;
}

/**
 * A local, immutable view of an object's bytes for readers that need a file (SQLite, HDF5) or two
 * passes (verify, then stream): a pinned file descriptor for the file backend, a downloaded copy
 * for S3. `release` frees it.
 */
export interface LocalSnapshot {
  url: string;
  /** A path that reads the snapshot's bytes (may be a /proc/self/fd link: never modify or rename it). */
  path: string;
  size: number;
  /** Known when the bytes were hashed on the way in (downloads); otherwise compute it from `path`. */
  sha256?: Buffer;
  release(): Promise<void>;
}

/** One object (or unpublished write) a listing found. */
export interface ListedObject {
  /** The object's URL, in the canonical form the store writes URLs in. */
  url: string;
  size: number;
  /** When it was last written, if the backend records it. */
  updateTime?: Date;
  /** The temporary file of a write that was never published (file backend: `.<name>.<uuid>.incoming`). */
  incompleteUpload: boolean;
}

/** One page of a listing. */
export interface ObjectPage {
  objects: ListedObject[];
  /** Where the next page starts (pass it as `after`); undefined on the last page. */
  next?: string;
}

export interface ListOptions {
  /** The `next` of the previous page: the listing continues after this position. */
  after?: string;
  /** Objects per page, at least 1. */
  limit: number;
}

/** One storage backend: a local directory tree or an S3 endpoint. Objects are addressed by URL. */
export interface ObjectStore {
  readonly kind: 'file' | 's3';
  /** Starts a write; fails with ObjectExistsError up front if the object exists and overwriting was not requested. */
  beginWrite(url: string, options: WriteOptions): Promise<ObjectWrite>;
  /** The object's bytes as a stream (ObjectNotFoundError if missing). */
  read(url: string): Promise<{ size: number; stream: Readable }>;
  snapshot(url: string): Promise<LocalSnapshot>;
  /** Undefined if there is no object at the URL. */
  stat(url: string): Promise<ObjectInfo | undefined>;
  /** Whether an object was deleted (false if none existed). */
  delete(url: string): Promise<boolean>;
  /**
   * The objects under a directory or key prefix, a page at a time, in a stable order (file:
   * path components compared one by one; S3: key order). Objects written meanwhile behind the
   * position reached are not seen; a missing directory or prefix is empty.
   */
  list(location: ArchiveLocation, options: ListOptions): Promise<ObjectPage>;
}

/** Writes every chunk of `source`, then commits; any failure (or a throwing source) aborts, leaving nothing. */
export async function putObject(
  store: ObjectStore,
  url: string,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: WriteOptions & CommitOptions,
): Promise<StoredObject> {
  const write = await store.beginWrite(url, options);
  try {
    for await (const chunk of source) await write.write(chunk);
    return await write.commit(options);
  } catch (error) {
    await write.abort();
    throw error;
  }
}
