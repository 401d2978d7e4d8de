import { randomUUID } from 'node:crypto';
import { blobArchiveV1, gatewayV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { Downstream } from '../support/downstream';
import { auditActor, durationMs, errorMessage, StreamingCall } from './audit';

const HOUR_MS = 3_600_000;
/** The grace period when none is asked for, and the shortest one allowed. */
export const DEFAULT_GRACE_MS = 24 * HOUR_MS;
export const MIN_GRACE_MS = HOUR_MS;
/** Objects asked of the blob archive at a time (its largest page). */
const LIST_PAGE_SIZE = 1000;

const { GarbageKind } = gatewayV1;

/** An object found removable. */
interface Garbage {
  object: blobArchiveV1.ArchiveObject;
  kind: gatewayV1.GarbageKind;
  visitseqUuid: string;
}

/**
 * GatewayService.CollectGarbage: walks an archive's objects (BlobArchiveService's ListObjects), keeps
 * those written before the grace period that lie in the archive's layout, and removes the temporary
 * files of uploads among them and the objects no record points to (RegistryService's
 * CheckBlobReferences, asked per page just before deleting). Each removal is audited before it is
 * done. One message per removable object; a failed deletion does not stop the others.
 */
export async function* collectGarbage(
  downstream: Downstream,
  logger: Logger,
  defaultArchiveUrl: string,
  request: gatewayV1.CollectGarbageRequest,
  call: StreamingCall,
): AsyncGenerator<gatewayV1.CollectGarbageResponse> {
  const actor = auditActor(request.actor, call);
  // Checked (form, and that it is one of its archives) by the blob archive when it lists it.
  const archiveUrl = request.archiveUrl ?? defaultArchiveUrl;
  if (!archiveUrl) throw invalidArgument('archive_url is empty: name an archive, or leave it unset for the default one', 'archive_url');
  const graceMs = request.grace ? durationMs(request.grace, 'grace') : DEFAULT_GRACE_MS;
  if (graceMs < MIN_GRACE_MS) throw invalidArgument(`grace must be at least one hour (an upload in flight writes its object before its record), got ${graceMs / 1000} s`, 'grace');
  const writtenBefore = Date.now() - graceMs;
  const collectionId = randomUUID();

  let pageToken = '';
  do {
    const page = await downstream.blobArchive.unary('listObjects', { archiveUrl, pageSize: LIST_PAGE_SIZE, pageToken }, { parent: call });
    const garbage = await removable(downstream, page.objects, writtenBefore, call);
    if (!request.dryRun && garbage.length > 0) {
      // Audited first: an object is never removed without its entry (if the deletion then fails, the next run finds it again).
      await downstream.registry.unary(
        'recordAudit',
        {
          entries: garbage.map(({ object, kind, visitseqUuid }) => ({
            auditId: 0, // set by the registry
            actor,
            action: 'gc',
            visitseqUuid,
            detail: {
              collection_id: collectionId,
              url: object.url,
              size: object.size,
              update_time: object.updateTime?.toISOString() ?? null,
              kind: kind === GarbageKind.GARBAGE_KIND_INCOMPLETE_UPLOAD ? 'incomplete_upload' : 'unreferenced',
              archive_url: archiveUrl,
              grace_s: graceMs / 1000,
            },
          })),
        },
        { parent: call },
      );
    }
    for (const { object, kind } of garbage) {
      const found = { url: object.url, size: object.size, updateTime: object.updateTime, kind, removed: false, error: '' };
      if (request.dryRun) {
        yield found;
        continue;
      }
      try {
        found.removed = (await downstream.blobArchive.unary('deleteObject', { url: object.url, allowMissing: true }, { parent: call })).deleted;
      } catch (error) {
        found.error = errorMessage(error);
        logger.warn({ url: object.url, err: error }, 'gc: could not delete an object');
      }
      yield found;
    }
    if (!request.dryRun && garbage.length > 0) logger.info({ collectionId, archiveUrl, objects: garbage.length }, `gc: removed ${garbage.length} objects no record points to`);
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/**
 * The objects of a page that may go: written before `writtenBefore` (an object without a known
 * time is kept), in the archive's layout (the blob archive names their sequence directory; anything
 * else stored there is not the archive's to remove), and either an upload's temporary file or an
 * object no record points to.
 */
async function removable(downstream: Downstream, objects: blobArchiveV1.ArchiveObject[], writtenBefore: number, call: StreamingCall): Promise<Garbage[]> {
  const old = objects.flatMap((object) => {
    if (!object.updateTime || object.updateTime.getTime() >= writtenBefore || !object.visitseqUuid) return [];
    return [{ object, visitseqUuid: object.visitseqUuid }];
  });
  const candidates = old.filter(({ object }) => !object.incompleteUpload);
  const referenced = new Set<string>();
  if (candidates.length > 0) {
    const { referencedUrls } = await downstream.registry.unary('checkBlobReferences', { urls: candidates.flatMap(({ object }) => spellings(object.url)) }, { parent: call });
    for (const url of referencedUrls) referenced.add(url);
  }
  return old.flatMap(({ object, visitseqUuid }): Garbage[] => {
    if (object.incompleteUpload) return [{ object, visitseqUuid, kind: GarbageKind.GARBAGE_KIND_INCOMPLETE_UPLOAD }];
    if (spellings(object.url).some((url) => referenced.has(url))) return [];
    return [{ object, visitseqUuid, kind: GarbageKind.GARBAGE_KIND_UNREFERENCED }];
  });
}

/**
 * The ways a record may spell an object's URL: the canonical form the archive writes (file URLs
 * percent-encoded), and the decoded one a person or an older tool may have recorded instead.
 */
function spellings(url: string): string[] {
  try {
    const decoded = decodeURI(url);
    return decoded === url ? [url] : [url, decoded];
  } catch {
    return [url];
  }
}
