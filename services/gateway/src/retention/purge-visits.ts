import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { dayObsOfInstant } from '@visitsarch/day-obs';
import type { Logger } from '@visitsarch/logging';
import { deleteSequenceFile } from '../files/delete-file';
import { Downstream } from '../support/downstream';
import { requireText } from '../sequences/validation';
import { auditActor, durationMs, errorMessage, StreamingCall } from './audit';

const VISITS = 'visits';
const { PurgeOutcome } = gatewayV1;

/** Candidates asked of the registry at a time. */
const PAGE_SIZE = 100;

/** The kinds as the audit log names them. */
const KIND_NAMES: Record<number, string> = {
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_SIMULATION]: 'simulation',
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED]: 'completed',
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_MIXED]: 'mixed',
};

/** One stored file to remove: a file record with a URL, or (sequences imported from the upstream) a visitseq_url alone. */
interface StoredFile {
  fileType: string;
  fileUrl: string;
  fileSize: number;
  fileSha256?: Uint8Array;
  /** Whether a file record holds the URL (else only visitseq_url does). */
  recorded: boolean;
}

/**
 * GatewayService.PurgeVisits: the sequences a retention policy selects (RegistryService's
 * ListPurgeCandidates), and for each stored file of the requested types the path of DeleteFile
 * with keep_record: the record forgets the URL, the audit log records it, then the blob goes. One
 * message per sequence; a sequence that fails does not stop the others.
 */
export async function* purgeVisits(downstream: Downstream, logger: Logger, request: gatewayV1.PurgeVisitsRequest, call: StreamingCall): AsyncGenerator<gatewayV1.PurgeVisitsResponse> {
  const actor = auditActor(request.actor, call);
  const olderThanMs = durationMs(request.olderThan, 'older_than');
  const fileTypes = [...new Set((request.fileTypes?.length ? request.fileTypes : [VISITS]).map((type, index) => requireText(type, `file_types[${index}]`)))];
  const now = Date.now();
  const creationTimeBefore = new Date(now - olderThanMs);
  const lastDayObsBefore = dayObsOfInstant(creationTimeBefore);
  const purgeId = randomUUID();
  const policy = {
    tags: request.tags ?? [],
    kind: KIND_NAMES[request.kind] ?? null,
    telescope: request.telescope || null,
    older_than_s: olderThanMs / 1000,
    last_day_obs_before: lastDayObsBefore,
    creation_time_before: creationTimeBefore.toISOString(),
    file_types: fileTypes,
    force: request.force,
  };
  const purge = new SequencePurge(downstream, logger, call, actor, purgeId, policy);

  let pageToken = '';
  do {
    const page = await downstream.registry.unary(
      'listPurgeCandidates',
      { tags: request.tags ?? [], kind: request.kind, telescope: request.telescope, lastDayObsBefore, creationTimeBefore, fileTypes, pageSize: PAGE_SIZE, pageToken },
      { parent: call },
    );
    for (const candidate of page.candidates) {
      const sequence = candidate.visitSequence!;
      let files: StoredFile[] = candidate.storedFiles.map((file) => ({
        fileType: file.fileType,
        fileUrl: file.fileUrl!,
        fileSize: file.fileSize,
        fileSha256: file.fileSha256,
        recorded: true,
      }));
      if (fileTypes.includes(VISITS) && sequence.visitseqUrl && !files.some((file) => file.fileType === VISITS)) {
        files.push({ fileType: VISITS, fileUrl: sequence.visitseqUrl, fileSize: 0, recorded: false });
      }
      let detail = '';
      if (candidate.dependentVisitseqUuids.length > 0 && !request.force && files.some((file) => file.fileType === VISITS)) {
        files = files.filter((file) => file.fileType !== VISITS);
        detail = `its visits are kept: the mixed sequence${candidate.dependentVisitseqUuids.length > 1 ? 's' : ''} ${candidate.dependentVisitseqUuids.join(', ')} (not materialized) read${candidate.dependentVisitseqUuids.length > 1 ? '' : 's'} them (force purges them anyway)`;
      }
      if (files.length === 0) {
        yield { visitSequence: sequence, outcome: PurgeOutcome.PURGE_OUTCOME_SKIPPED, files: [], detail };
        continue;
      }
      if (request.dryRun) {
        const { kept, notes } = await purge.unreachable(files);
        files = files.filter((file) => !kept.has(file));
        detail = [detail, ...notes].filter(Boolean).join('; ');
        const outcome = files.length > 0 ? PurgeOutcome.PURGE_OUTCOME_WOULD_PURGE : PurgeOutcome.PURGE_OUTCOME_SKIPPED;
        yield { visitSequence: sequence, outcome, files: files.map(reported), detail };
        continue;
      }
      yield await purge.sequence(sequence, files, detail);
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/** A stored file as the response reports it, before anything was done. */
function reported(file: StoredFile): gatewayV1.PurgedFile {
  return { fileType: file.fileType, fileUrl: file.fileUrl, fileSize: file.fileSize, blobDeleted: false, error: '' };
}

/** The steps of purging one sequence's files, each audited before its blob is deleted. */
class SequencePurge {
  constructor(
    private readonly downstream: Downstream,
    private readonly logger: Logger,
    private readonly call: StreamingCall,
    private readonly actor: string,
    private readonly purgeId: string,
    private readonly policy: Record<string, unknown>,
  ) {}

  async sequence(sequence: metadataV1.VisitSequence, files: StoredFile[], skipped: string): Promise<gatewayV1.PurgeVisitsResponse> {
    const uuid = sequence.visitseqUuid;
    const done: gatewayV1.PurgedFile[] = [];
    const notes = skipped ? [skipped] : [];
    for (const file of files) {
      const entry = reported(file);
      let stage: 'check' | 'record' | 'audit' | 'blob' = 'check';
      try {
        // Never forget a URL whose blob this archive cannot delete (an imported record of another bucket).
        const reachable = await this.reachable(file.fileUrl);
        if (reachable !== true) {
          notes.push(`its ${file.fileType} file is kept: ${reachable}`);
          continue;
        }
        stage = 'record';
        if (file.recorded) {
          const result = await deleteSequenceFile(this.downstream, { visitseqUuid: uuid, fileType: file.fileType, keepRecord: true, keepBlob: false }, this.call, async (cleared) => {
            Object.assign(entry, { fileUrl: cleared.fileUrl, fileSize: cleared.fileSize });
            stage = 'audit';
            await this.audit(uuid, { ...file, fileUrl: cleared.fileUrl, fileSize: cleared.fileSize, fileSha256: cleared.fileSha256 });
            stage = 'blob';
          });
          if (stage === 'record') continue; // its URL was already cleared meanwhile: nothing left to purge
          entry.blobDeleted = result.blobDeleted;
        } else {
          await this.downstream.metadata.unary(
            'updateVisitSequence',
            // On the wire (proto-loader) a FieldMask is `{ paths }`, whatever ts-proto's type says.
            { visitSequence: { ...sequence, visitseqUrl: undefined }, updateMask: { paths: ['visitseq_url'] } as never },
            { parent: this.call },
          );
          stage = 'audit';
          await this.audit(uuid, file);
          stage = 'blob';
          entry.blobDeleted = (await this.downstream.blobArchive.unary('deleteObject', { url: file.fileUrl, allowMissing: true }, { parent: this.call })).deleted;
        }
        done.push(entry);
      } catch (error) {
        if (stage === 'blob') {
          entry.error = errorMessage(error);
          done.push(entry);
          this.logger.warn({ visitseqUuid: uuid, url: entry.fileUrl, err: error }, 'purge: the record no longer points at the blob, but deleting the blob failed (gc will remove it)');
          continue;
        }
        const reason = {
          check: `could not check the blob of its ${file.fileType} file: ${errorMessage(error)}`,
          record: `could not clear the URL of its ${file.fileType} file: ${errorMessage(error)}`,
          audit: `the URL of its ${file.fileType} file was cleared but the audit entry could not be written, so the blob ${entry.fileUrl} was kept (gc removes it later): ${errorMessage(error)}`,
        }[stage];
        if (stage === 'audit') done.push({ ...entry, error: 'kept: not audited' });
        return { visitSequence: sequence, outcome: PurgeOutcome.PURGE_OUTCOME_FAILED, files: done, detail: [...notes, reason].join('; ') };
      }
    }
    if (done.length === 0) return { visitSequence: sequence, outcome: PurgeOutcome.PURGE_OUTCOME_SKIPPED, files: [], detail: notes.join('; ') || 'nothing was stored any more' };
    this.logger.info(
      { visitseqUuid: uuid, purgeId: this.purgeId, files: done.map((file) => ({ fileType: file.fileType, url: file.fileUrl, blobDeleted: file.blobDeleted })) },
      `purged the stored ${done.map((file) => file.fileType).join(', ')} of ${uuid}`,
    );
    return { visitSequence: sequence, outcome: PurgeOutcome.PURGE_OUTCOME_PURGED, files: done, detail: notes.join('; ') };
  }

  /** For a dry run: the files whose blobs the blob archive may not delete, which a purge keeps, and why. */
  async unreachable(files: StoredFile[]): Promise<{ kept: Set<StoredFile>; notes: string[] }> {
    const kept = new Set<StoredFile>();
    const notes: string[] = [];
    for (const file of files) {
      const reachable = await this.reachable(file.fileUrl);
      if (reachable === true) continue;
      kept.add(file);
      notes.push(`its ${file.fileType} file would be kept: ${reachable}`);
    }
    return { kept, notes };
  }

  /** True if the blob archive may delete at the URL (an object there or not); otherwise why not. */
  async reachable(url: string): Promise<true | string> {
    try {
      await this.downstream.blobArchive.unary('statObject', { url, computeSha256: false }, { parent: this.call });
      return true;
    } catch (error) {
      const code = (error as grpc.ServiceError).code;
      if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.INVALID_ARGUMENT) return `the blob archive cannot delete ${url} (${errorMessage(error)})`;
      throw error;
    }
  }

  private async audit(uuid: string, file: StoredFile): Promise<void> {
    await this.downstream.registry.unary(
      'recordAudit',
      {
        entries: [
          {
            auditId: 0, // set by the registry
            actor: this.actor,
            action: 'purge',
            visitseqUuid: uuid,
            detail: {
              purge_id: this.purgeId,
              file_type: file.fileType,
              file_url: file.fileUrl,
              file_size: file.fileSize,
              file_sha256: file.fileSha256?.byteLength ? Buffer.from(file.fileSha256).toString('hex') : null,
              policy: this.policy,
            },
          },
        ],
      },
      { parent: this.call },
    );
  }
}
