import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArchiveLocation, isIncomingUploadName, parseObjectUrl } from './archive-url';
import { InvalidLocationError, ObjectExistsError, ObjectNotFoundError } from './errors';
import { sha256OfLocalFile, verifySha256 } from './hashing';
import type { CommitOptions, ListedObject, ListOptions, LocalSnapshot, ObjectInfo, ObjectPage, ObjectStore, ObjectWrite, StoredObject, WriteOptions } from './object-store';

/**
 * Objects as files under local directories (the embedded archive).
 *
 * A write goes to a hidden sibling `.<name>.<random>.incoming` (same directory, hence same file
 * system), is fsync'ed, and is then published atomically: `link(2)` when overwriting is not
 * allowed (it fails if the name exists, so two racing writers cannot both win) or `rename(2)`
 * when it is. Readers therefore see either nothing, the old object or the complete new one.
 */
export class FileObjectStore implements ObjectStore {
  readonly kind = 'file' as const;

  async beginWrite(url: string, options: WriteOptions): Promise<ObjectWrite> {
    const target = filePath(url);
    if (!options.overwrite && (await exists(target))) throw new ObjectExistsError(url);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const temporary = path.join(path.dirname(target), incomingName(path.basename(target)));
    const handle = await fsp.open(temporary, 'wx', 0o644);
    return new FileWrite(url, target, temporary, handle, options.overwrite);
  }

  async read(url: string): Promise<{ size: number; stream: fs.ReadStream }> {
    const handle = await openExisting(url);
    const { size } = await handle.stat();
    return { size, stream: handle.createReadStream({ highWaterMark: 1024 * 1024 }) };
  }

  async snapshot(url: string): Promise<LocalSnapshot> {
    const handle = await openExisting(url);
    const { size } = await handle.stat();
    // The open descriptor pins the inode: an overwrite (rename) or delete meanwhile cannot change
    // what this snapshot reads. Readers that need a path get the descriptor's /proc link.
    const snapshotPath = process.platform === 'linux' ? `/proc/self/fd/${handle.fd}` : filePath(url);
    let released = false;
    return {
      url,
      path: snapshotPath,
      size,
      release: async () => {
        if (released) return;
        released = true;
        await handle.close();
      },
    };
  }

  async stat(url: string): Promise<ObjectInfo | undefined> {
    try {
      const stats = await fsp.stat(filePath(url));
      if (!stats.isFile()) return undefined;
      return { size: stats.size, updateTime: stats.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(url: string): Promise<boolean> {
    try {
      await fsp.unlink(filePath(url));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /**
   * Regular files under the directory, depth first, each directory's entries in name order (so a
   * page's position, the path of its last file relative to the directory, says where to resume
   * without remembering anything). Symbolic links are neither followed nor listed. Temporary
   * files of writes are listed too, flagged as incomplete uploads.
   */
  async list(location: ArchiveLocation, options: ListOptions): Promise<ObjectPage> {
    if (location.kind !== 'file') throw new InvalidLocationError(`${location.url} is not a file:// archive`);
    const limit = Math.max(1, Math.floor(options.limit));
    const after = options.after ? options.after.split('/') : undefined;
    if (after?.some((part) => part === '' || part === '.' || part === '..')) throw new InvalidLocationError(`not a listing position: ${JSON.stringify(options.after)}`, 'page_token');
    const objects: ListedObject[] = [];
    const positions: string[] = [];
    // One more than a page: whether it exists says if there is a next page.
    for await (const found of walkFiles(location.directory, [], after)) {
      if (objects.length === limit) return { objects, next: positions[positions.length - 1] };
      objects.push(found.object);
      positions.push(found.relative.join('/'));
    }
    return { objects };
  }
}

/** Name order of directory entries: by UTF-16 code units, the same everywhere. */
function byName(a: fs.Dirent, b: fs.Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The regular files under `directory` (whose path relative to the listing's root is `relative`),
 * in listing order, after the position `after` (the path components of the last file listed).
 */
async function* walkFiles(directory: string, relative: string[], after: string[] | undefined): AsyncGenerator<{ relative: string[]; object: ListedObject }> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  entries.sort(byName);
  const depth = relative.length;
  for (const entry of entries) {
    // While on the path of `after`, skip what precedes it; past it, nothing more is skipped.
    let below: string[] | undefined;
    if (after) {
      const bound = after[depth];
      if (entry.name < bound) continue;
      if (entry.name === bound) {
        if (!entry.isDirectory() || after.length === depth + 1) continue; // the file listed last (or what replaced it)
        below = after;
      }
    }
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      yield* walkFiles(entryPath, [...relative, entry.name], below);
    } else if (entry.isFile()) {
      let stats: fs.Stats;
      try {
        stats = await fsp.lstat(entryPath);
      } catch (error) {
        if (isMissing(error)) continue; // deleted, committed or aborted meanwhile
        throw error;
      }
      if (!stats.isFile()) continue;
      yield {
        relative: [...relative, entry.name],
        object: { url: pathToFileURL(entryPath).href, size: stats.size, updateTime: stats.mtime, incompleteUpload: isIncomingUploadName(entry.name) },
      };
    }
  }
}

/**
 * Bytes a file write may have in flight: writes are positional (pwrite), so several can run on
 * libuv's thread pool while the caller goes on receiving; awaiting each one before taking the
 * next message made uploads wait on the event loop, not the disk.
 */
const MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

class FileWrite implements ObjectWrite {
  private finished = false;
  private prepared?: Promise<Buffer>;
  private position = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private bytesInFlight = 0;
  private failure?: unknown;

  constructor(
    readonly url: string,
    private readonly target: string,
    private readonly temporary: string,
    private readonly handle: fsp.FileHandle,
    private readonly overwrite: boolean,
  ) {}

  get size(): number {
    return this.position;
  }

  get localPath(): string {
    return this.temporary;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished || this.prepared) throw new Error(`write to ${this.url} after it was prepared, committed or aborted`);
    if (this.failure) throw this.failure;
    const pending = writeFullyAt(this.handle, chunk, this.position).then(
      () => {
        this.bytesInFlight -= chunk.byteLength;
        this.inFlight.delete(pending);
      },
      (error: unknown) => {
        this.failure ??= error;
        this.bytesInFlight -= chunk.byteLength;
        this.inFlight.delete(pending);
      },
    );
    this.position += chunk.byteLength;
    this.bytesInFlight += chunk.byteLength;
    this.inFlight.add(pending);
    while (this.bytesInFlight > MAX_BYTES_IN_FLIGHT && !this.failure) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Waits for the writes in flight; throws the first failure. */
  private async settle(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  flush(): Promise<void> {
    return this.settle();
  }

  /**
   * Makes the bytes durable, then hashes them as they lie in the file (off the event loop for
   * large objects: the upload's receiving does not pay for it, and the hash is of what was written).
   */
  prepare(): Promise<void> {
    return this.durable().then(() => undefined);
  }

  private durable(): Promise<Buffer> {
    this.prepared ??= (async () => {
      await this.settle();
      await this.handle.sync();
      await this.handle.close();
      return await sha256OfLocalFile(this.temporary, this.position).digest;
    })();
    return this.prepared;
  }

  async commit(options: CommitOptions = {}): Promise<StoredObject> {
    if (this.finished) throw new Error(`${this.url} was already committed or aborted`);
    const sha256 = await this.durable();
    verifySha256(this.url, sha256, options.expectedSha256);
    options.signal?.throwIfAborted();
    if (this.overwrite) {
      await fsp.rename(this.temporary, this.target);
    } else {
      try {
        await fsp.link(this.temporary, this.target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ObjectExistsError(this.url);
        throw error;
      }
      await fsp.unlink(this.temporary);
    }
    this.finished = true;
    await syncDirectory(path.dirname(this.target));
    return { url: this.url, size: this.position, sha256 };
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.settle().catch(() => undefined);
    await this.prepared?.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await fsp.unlink(this.temporary).catch((error) => {
      if (!isMissing(error)) throw error;
    });
  }
}

/** The hidden temporary name of a write to `name`: `.<name>.<uuid>.incoming`. */
function incomingName(name: string): string {
  return `.${name}.${randomUUID()}.incoming`;
}


/** What a sweep removed. */
export interface SweepResult {
  files: number;
  bytes: number;
}

/**
 * Removes, anywhere under `directory`, the temporary files of writes (`.<name>.<uuid>.incoming`)
 * last modified more than `graceMs` ago: what a process killed mid-upload leaves behind (a write
 * that fails or is cancelled removes its own). A younger one may be an upload in flight in
 * another process sharing the directory, and is kept. Symbolic links are not followed; a missing
 * directory is an empty one.
 */
export async function sweepIncomingFiles(directory: string, graceMs: number, now = Date.now()): Promise<SweepResult> {
  const result: SweepResult = { files: 0, bytes: 0 };
  const pending = [directory];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(current, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    for (const entry of entries) {
      const entryPath = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(entryPath);
      else if (entry.isFile() && isIncomingUploadName(entry.name)) {
        try {
          const stats = await fsp.lstat(entryPath);
          if (now - stats.mtimeMs <= graceMs) continue;
          await fsp.unlink(entryPath);
          result.files += 1;
          result.bytes += stats.size;
        } catch (error) {
          if (!isMissing(error)) throw error; // committed or aborted meanwhile
        }
      }
    }
  }
  return result;
}

async function writeFullyAt(handle: fsp.FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, position + offset);
    offset += bytesWritten;
  }
}

function filePath(url: string): string {
  const location = parseObjectUrl(url);
  if (location.kind !== 'file') throw new InvalidLocationError(`${url} is not a file:// URL`);
  return location.path;
}

async function openExisting(url: string): Promise<fsp.FileHandle> {
  try {
    const handle = await fsp.open(filePath(url), 'r');
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(url);
    }
    return handle;
  } catch (error) {
    if (isMissing(error)) throw new ObjectNotFoundError(url);
    throw error;
  }
}

async function exists(target: string): Promise<boolean> {
  try {
    await fsp.lstat(target);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Makes a new directory entry durable (the fsync of the file alone does not). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fsp.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
