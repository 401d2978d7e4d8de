import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ArchiveLocation, parseObjectUrl } from './archive-url';
import { InvalidLocationError, ObjectExistsError, ObjectNotFoundError, StorageError, StorageUnavailableError } from './errors';
import { Sha256Counter, verifySha256 } from './hashing';
import type { CommitOptions, ListedObject, ListOptions, LocalSnapshot, ObjectInfo, ObjectPage, ObjectStore, ObjectWrite, StoredObject, WriteOptions } from './object-store';

export interface S3ObjectStoreOptions {
  /** Bytes per multipart part (S3 requires at least 5 MiB for every part but the last). */
  partSize?: number;
  /** Parts uploaded at once; memory held by a write is about partSize × (partConcurrency + 1). */
  partConcurrency?: number;
  /** Where snapshots (downloaded copies) are kept while in use; default the OS temp directory. */
  spoolDirectory?: string;
}

/** The service lacks the rights to do what was asked in the bucket (PERMISSION_DENIED). */
export class StorageAccessDeniedError extends StorageError {}

/**
 * Objects in S3 buckets (AWS, Ceph RGW, …) through one client.
 *
 * A write is a multipart upload of the object itself, so it stays invisible until
 * CompleteMultipartUpload, which S3 makes atomic; a failure or cancellation aborts the upload
 * and nothing remains (a crash leaves an incomplete upload, invisible and reclaimed by the
 * bucket's AbortIncompleteMultipartUpload lifecycle rule). Objects smaller than one part go up
 * with a single PutObject at commit time. Without `overwrite`, existence is checked up front
 * (HeadObject) and again atomically by the server at commit (`If-None-Match: *`), so a writer
 * that raced us in between is not silently replaced.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly spoolDirectory: string;

  constructor(
    private readonly client: S3Client,
    options: S3ObjectStoreOptions = {},
  ) {
    this.partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    this.partConcurrency = Math.max(options.partConcurrency ?? 4, 1);
    this.spoolDirectory = options.spoolDirectory ?? os.tmpdir();
  }

  async beginWrite(url: string, options: WriteOptions): Promise<ObjectWrite> {
    const { bucket, key } = s3Location(url);
    if (!options.overwrite && (await this.stat(url))) throw new ObjectExistsError(url);
    return new S3Write(this.client, url, bucket, key, options.overwrite, this.partSize, this.partConcurrency);
  }

  async read(url: string): Promise<{ size: number; stream: Readable }> {
    const { bucket, key } = s3Location(url);
    const response = await call(url, () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error(`GetObject of ${url} returned no Node stream`);
    return { size: response.ContentLength ?? 0, stream: body };
  }

  async snapshot(url: string): Promise<LocalSnapshot> {
    const { size, stream } = await this.read(url);
    const directory = await fsp.mkdtemp(path.join(this.spoolDirectory, 'visitsarch-s3-'));
    const localPath = path.join(directory, 'object');
    const counter = new Sha256Counter();
    const release = () => fsp.rm(directory, { recursive: true, force: true });
    try {
      await pipeline(
        stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            counter.update(chunk);
            yield chunk;
          }
        },
        fs.createWriteStream(localPath, { flags: 'wx', highWaterMark: 4 * 1024 * 1024 }),
      );
    } catch (error) {
      await release();
      throw translate(url, error);
    }
    if (counter.size !== size) {
      await release();
      throw new StorageUnavailableError(`reading ${url} ended after ${counter.size} of ${size} bytes`);
    }
    return { url, path: localPath, size, sha256: counter.digest(), release };
  }

  async stat(url: string): Promise<ObjectInfo | undefined> {
    const { bucket, key } = s3Location(url);
    try {
      const head = await call(url, () => this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      return { size: head.ContentLength ?? 0, updateTime: head.LastModified };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async delete(url: string): Promise<boolean> {
    const { bucket, key } = s3Location(url);
    // S3 deletes are idempotent and do not say whether something was there: ask first.
    if (!(await this.stat(url))) return false;
    await call(url, () => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    return true;
  }

  /**
   * The objects whose keys start with the location's prefix, in key order (ListObjectsV2); a page's
   * position is its last key relative to the prefix. Keys ending in `/` (folder markers some tools
   * create) are not objects and are skipped. S3 writes leave no temporary objects to flag.
   */
  async list(location: ArchiveLocation, options: ListOptions): Promise<ObjectPage> {
    if (location.kind !== 's3') throw new InvalidLocationError(`${location.url} is not an s3:// archive`);
    const limit = Math.min(Math.max(1, Math.floor(options.limit)), 1000);
    const response = await call(location.url, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.prefix || undefined,
          StartAfter: options.after ? `${location.prefix}${options.after}` : undefined,
          MaxKeys: limit,
        }),
      ),
    );
    const contents = response.Contents ?? [];
    const objects: ListedObject[] = contents
      .filter((item) => item.Key !== undefined && !item.Key.endsWith('/'))
      .map((item) => ({ url: `s3://${location.bucket}/${item.Key}`, size: item.Size ?? 0, updateTime: item.LastModified, incompleteUpload: false }));
    const lastKey = contents[contents.length - 1]?.Key;
    return { objects, next: response.IsTruncated && lastKey ? lastKey.slice(location.prefix.length) : undefined };
  }
}

class S3Write implements ObjectWrite {
  private readonly counter = new Sha256Counter();
  private part: Buffer;
  private partFill = 0;
  private uploadId?: string;
  private readonly completed: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: unknown;
  private finished = false;
  private prepared?: Promise<void>;

  constructor(
    private readonly client: S3Client,
    readonly url: string,
    private readonly bucket: string,
    private readonly key: string,
    private readonly overwrite: boolean,
    private readonly partSize: number,
    private readonly partConcurrency: number,
  ) {
    this.part = Buffer.allocUnsafe(partSize);
  }

  get size(): number {
    return this.counter.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished || this.prepared) throw new Error(`write to ${this.url} after it was prepared, committed or aborted`);
    this.throwIfFailed();
    this.counter.update(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const taken = Math.min(this.partSize - this.partFill, chunk.byteLength - offset);
      this.part.set(chunk.subarray(offset, offset + taken), this.partFill);
      this.partFill += taken;
      offset += taken;
      if (this.partFill === this.partSize) await this.sendFullPart();
    }
  }

  /** Nothing to wait for: there is no local file (localPath is undefined). */
  async flush(): Promise<void> {}

  /** Uploads the last part and waits for every part (small objects wait for the commit's PutObject). */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      if (this.uploadId === undefined) return;
      if (this.partFill > 0) this.startPart(Buffer.from(this.part.subarray(0, this.partFill)));
      this.partFill = 0;
      await Promise.all(this.inFlight);
      this.throwIfFailed();
    })();
    return this.prepared;
  }

  async commit(options: CommitOptions = {}): Promise<StoredObject> {
    if (this.finished) throw new Error(`${this.url} was already committed or aborted`);
    const sha256 = this.counter.digest();
    verifySha256(this.url, sha256, options.expectedSha256);
    const condition = this.overwrite ? {} : { IfNoneMatch: '*' };
    await this.prepare();
    if (this.uploadId === undefined) {
      options.signal?.throwIfAborted();
      const body = this.part.subarray(0, this.partFill);
      await call(this.url, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentLength: body.byteLength, ...condition })));
    } else {
      const parts = [...this.completed].sort((a, b) => a.PartNumber! - b.PartNumber!);
      const uploadId = this.uploadId;
      options.signal?.throwIfAborted();
      await call(this.url, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...condition })),
      );
    }
    this.finished = true;
    return { url: this.url, size: this.counter.size, sha256 };
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await Promise.allSettled(this.inFlight);
    if (this.uploadId !== undefined) {
      const uploadId = this.uploadId;
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId })).catch(() => undefined);
    }
  }

  private async sendFullPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await call(this.url, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key })));
      this.uploadId = created.UploadId;
    }
    this.startPart(this.part);
    this.part = Buffer.allocUnsafe(this.partSize);
    this.partFill = 0;
    // Backpressure: the caller's next write waits while the allowed number of parts is in flight.
    while (this.inFlight.size >= this.partConcurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private startPart(body: Buffer): void {
    const partNumber = this.completed.length + this.inFlight.size + 1;
    const upload = call(this.url, () =>
      this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.byteLength })),
    ).then(
      (response) => {
        this.completed.push({ PartNumber: partNumber, ETag: response.ETag });
      },
      (error) => {
        this.failure ??= error;
      },
    );
    const tracked = upload.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function s3Location(url: string): { bucket: string; key: string } {
  const location = parseObjectUrl(url);
  if (location.kind !== 's3') throw new InvalidLocationError(`${url} is not an s3:// URL`);
  return location;
}

interface S3ErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

async function call<T>(url: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translate(url, error);
  }
}

/** Maps S3 and network failures onto the storage error classes (the rest stays a defect). */
function translate(url: string, error: unknown): unknown {
  if (error instanceof StorageError) return error;
  const shape = (error ?? {}) as S3ErrorShape;
  const httpStatus = shape.$metadata?.httpStatusCode;
  if (shape.name === 'NoSuchKey' || shape.name === 'NotFound' || (httpStatus === 404 && shape.name !== 'NoSuchBucket')) return new ObjectNotFoundError(url);
  if (shape.name === 'PreconditionFailed' || httpStatus === 412) return new ObjectExistsError(url);
  if (shape.name === 'NoSuchBucket') return new StorageUnavailableError(`the bucket of ${url} does not exist`, { cause: error });
  if (shape.name === 'AccessDenied' || httpStatus === 403) return new StorageAccessDeniedError(`access to ${url} was denied by the S3 server`);
  const networkCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'];
  if ((httpStatus !== undefined && httpStatus >= 500) || networkCodes.includes(shape.code ?? '') || shape.name === 'TimeoutError') {
    return new StorageUnavailableError(`the S3 server could not be reached for ${url}: ${(error as Error).message}`, { cause: error });
  }
  return error;
}
