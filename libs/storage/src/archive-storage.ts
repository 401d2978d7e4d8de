import type { S3Client } from '@aws-sdk/client-s3';
import * as path from 'node:path';
import { ArchiveLocation, parseArchiveUrl, parseObjectUrl } from './archive-url';
import { InvalidLocationError, OutsideArchiveError } from './errors';
import { FileObjectStore, sweepIncomingFiles, SweepResult } from './file-object-store';
import type { ListOptions, ObjectPage, ObjectStore } from './object-store';
import { createS3Client, probeArchive, S3Settings } from './probe';
import { S3ObjectStore, S3ObjectStoreOptions } from './s3-object-store';
import { timedStore } from './storage-timing';

export interface ArchiveStorageOptions {
  /** The archive roots objects may be read from and written to: `file:///dir/` or `s3://bucket/prefix/`. */
  archiveUrls: string[];
  /** How to reach S3, if any root is an s3:// one. */
  s3?: S3Settings;
  s3Store?: S3ObjectStoreOptions;
}

/** An object URL resolved to the store that holds it. */
export interface ResolvedObject {
  store: ObjectStore;
  /** The URL in canonical form (file URLs normalised). */
  url: string;
}

/**
 * The archives one process serves, and the backend of each: every object URL a request names is
 * resolved here, and refused unless it lies inside one of the configured roots.
 */
export class ArchiveStorage {
  readonly roots: ArchiveLocation[];
  // Every operation timed for the service's metrics (storage-timing.ts).
  private readonly fileStore = timedStore(new FileObjectStore());
  private readonly s3Store?: S3ObjectStore;
  readonly s3Client?: S3Client;

  constructor(options: ArchiveStorageOptions) {
    this.roots = options.archiveUrls.map((url) => parseArchiveUrl(url));
    if (this.roots.some((root) => root.kind === 's3')) {
      this.s3Client = createS3Client(options.s3 ?? {});
      this.s3Store = timedStore(new S3ObjectStore(this.s3Client, options.s3Store));
    }
  }

  /** The store and canonical URL of an object; InvalidLocationError if malformed, OutsideArchiveError if not under a root. */
  resolve(url: string, field = 'url'): ResolvedObject {
    const location = parseObjectUrl(url, field);
    for (const root of this.roots) {
      if (location.kind === 'file' && root.kind === 'file' && isInside(root.directory, location.path)) {
        return { store: this.fileStore, url: location.url };
      }
      if (location.kind === 's3' && root.kind === 's3' && location.bucket === root.bucket && location.key.startsWith(root.prefix)) {
        return { store: this.s3Store!, url: location.url };
      }
    }
    throw new OutsideArchiveError(location.url);
  }

  /** Whether `archiveUrl` is one of the roots (destinations must be). */
  checkArchiveRoot(archiveUrl: string, field = 'archive_url'): ArchiveLocation {
    let location: ArchiveLocation;
    try {
      location = parseArchiveUrl(archiveUrl);
    } catch (error) {
      throw new InvalidLocationError(`${field}: ${(error as Error).message}`, field);
    }
    const inside = this.roots.some((root) =>
      root.kind === 'file' && location.kind === 'file'
        ? location.directory === root.directory || isInside(root.directory, location.directory)
        : root.kind === 's3' && location.kind === 's3' && root.bucket === location.bucket && location.prefix.startsWith(root.prefix),
    );
    if (!inside) throw new OutsideArchiveError(location.url);
    return location;
  }

  /**
   * A page of the objects under `archiveUrl` (a root, or a directory or prefix inside one), in the
   * store's listing order; InvalidLocationError if malformed, OutsideArchiveError if not under a root.
   */
  async list(archiveUrl: string, options: ListOptions, field = 'archive_url'): Promise<ObjectPage> {
    const location = this.checkArchiveRoot(archiveUrl, field);
    return location.kind === 'file' ? this.fileStore.list(location, options) : this.s3Store!.list(location, options);
  }

  /**
   * Removes the temporary files of writes that crashed, older than `graceMs`, from every file
   * archive (see sweepIncomingFiles). S3 writes have no temporary objects: an interrupted
   * multipart upload is invisible, and the bucket's lifecycle rule reclaims it.
   */
  async sweepIncoming(graceMs: number): Promise<SweepResult> {
    const total: SweepResult = { files: 0, bytes: 0 };
    for (const root of this.roots) {
      if (root.kind !== 'file') continue;
      const swept = await sweepIncomingFiles(root.directory, graceMs);
      total.files += swept.files;
      total.bytes += swept.bytes;
    }
    return total;
  }

  /** Resolves when the first (default) archive is usable: what the service's health follows. */
  probe(): Promise<void> {
    return probeArchive(this.roots[0].url, this.s3Client);
  }
}

function isInside(directory: string, candidate: string): boolean {
  const relative = path.relative(directory, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
