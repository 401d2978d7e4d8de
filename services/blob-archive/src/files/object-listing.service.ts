import { Inject, Injectable } from '@nestjs/common';
import type { blobArchiveV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveStorage, parseArchiveUrl, sequenceFileOf } from '@visitsarch/storage';
import { pageSize } from '@visitsarch/validation';
import { withGrpcErrors } from '../grpc/errors';
import { ARCHIVE_STORAGE } from '../storage.provider';

/** Objects per ListObjects page: the default, and the most (S3's own ListObjectsV2 maximum). */
const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 1000;

/**
 * What is stored under an archive, for the gateway's garbage collection (CollectGarbage): the
 * storage's listing, a page at a time. The page token is the position the storage reached, tied
 * to the archive it was issued for.
 */
@Injectable()
export class ObjectListingService {
  constructor(@Inject(ARCHIVE_STORAGE) private readonly storage: ArchiveStorage) {}

  list(request: blobArchiveV1.ListObjectsRequest): Promise<blobArchiveV1.ListObjectsResponse> {
    return withGrpcErrors(async () => {
      if (!request.archiveUrl) throw invalidArgument('archive_url is required', 'archive_url');
      let archiveUrl: string;
      try {
        archiveUrl = parseArchiveUrl(request.archiveUrl).url;
      } catch (error) {
        throw invalidArgument(`archive_url: ${(error as Error).message}`, 'archive_url');
      }
      const limit = pageSize(request.pageSize, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const after = decodeToken(request.pageToken, archiveUrl);
      const page = await this.storage.list(archiveUrl, { after, limit });
      return {
        objects: page.objects.map((object) => ({
          url: object.url,
          size: object.size,
          updateTime: object.updateTime,
          incompleteUpload: object.incompleteUpload,
          visitseqUuid: this.layoutOf(object.url, object.incompleteUpload),
        })),
        nextPageToken: page.next === undefined ? '' : Buffer.from(JSON.stringify({ u: archiveUrl, a: page.next })).toString('base64url'),
      };
    });
  }

  /**
   * The sequence directory an object lies in, if it is where the archive puts a sequence's files
   * (or their uploads' temporary files) under the root that holds it; undefined for anything else.
   */
  private layoutOf(url: string, incompleteUpload: boolean): string | undefined {
    for (const root of this.storage.roots) {
      const place = sequenceFileOf(root.url, url);
      if (place && place.incompleteUpload === incompleteUpload) return place.visitseqUuid;
    }
    return undefined;
  }
}

/** The position a page token holds; INVALID_ARGUMENT unless this service issued it for the same archive. */
function decodeToken(token: string, archiveUrl: string): string | undefined {
  if (!token) return undefined;
  let parsed: { u?: unknown; a?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument('page_token is not a token this service issued', 'page_token');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.a !== 'string' || parsed.a === '') throw invalidArgument('page_token is not a token this service issued', 'page_token');
  if (parsed.u !== archiveUrl) throw invalidArgument('page_token belongs to a listing of another archive_url', 'page_token');
  return parsed.a;
}
