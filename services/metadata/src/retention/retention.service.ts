import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveDatabase } from '../database/archive-database';
import { decodePageToken, keysetPage } from '../common/page-token';
import { isoInstant, optionalUuid, pageSize, requireBatch, requireDayObs, requireText } from '../common/validation';
import { FilesService, VISITS_FILE_TYPE } from '../files/files.service';
import { kindOfProto, SEQUENCE_COLUMNS, SEQUENCE_FROM, SequenceRow, toVisitSequence } from '../visit-sequences/visit-sequence-row';

/** URLs one CheckBlobReferences may ask about (the request limit of any list). */
const MAX_URLS = 10_000;
/** Entries one RecordAudit may append. */
const MAX_AUDIT_ENTRIES = 10_000;

interface AuditRow {
  audit_id: number;
  audit_time: Date;
  actor: string;
  action: string;
  visitseq_uuid: string | null;
  detail: Record<string, unknown>;
}

/**
 * The registry's bookkeeping of retention (RegistryService, for the gateway's PurgeVisits and
 * CollectGarbage): which sequences a policy selects, which URLs records point to, and the
 * append-only audit log.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly database: ArchiveDatabase,
    private readonly files: FilesService,
  ) {}

  /**
   * The sequences matching the filters, old enough by both last_day_obs and creation_time, that still
   * store content of one of the file types, oldest last night first; keyset-paged on
   * (last_day_obs, visitseq_uuid), so sequences purged between pages drop out without shifting pages.
   */
  async listPurgeCandidates(request: metadataV1.ListPurgeCandidatesRequest): Promise<metadataV1.ListPurgeCandidatesResponse> {
    const lastDayObsBefore = requireDayObs(request.lastDayObsBefore, 'last_day_obs_before');
    if (!request.creationTimeBefore) throw invalidArgument('creation_time_before is required', 'creation_time_before');
    const fileTypes = [...new Set(requireBatch(request.fileTypes, 'file_types').map((type, index) => requireText(type, `file_types[${index}]`)))];
    const tags = (request.tags ?? []).map((tag, index) => requireText(tag, `tags[${index}]`));

    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const types = param(fileTypes);
    const where = [
      `v.last_day_obs < ${param(lastDayObsBefore)}::date`,
      `v.creation_time < ${param(isoInstant(request.creationTimeBefore))}::timestamptz`,
      `(EXISTS (SELECT 1 FROM files f WHERE f.visitseq_uuid = v.visitseq_uuid AND f.file_type = ANY(${types}::text[]) AND f.file_url IS NOT NULL)
        OR (${param(VISITS_FILE_TYPE)} = ANY(${types}::text[]) AND v.visitseq_url IS NOT NULL))`,
    ];
    if (request.kind) {
      const kind = kindOfProto(request.kind);
      if (!kind) throw invalidArgument(`kind ${request.kind} is not a visit sequence kind`, 'kind');
      where.push(`r.kind = ${param(kind)}`);
    }
    if (request.telescope) where.push(`v.telescope = ${param(request.telescope)}`);
    if (tags.length > 0) where.push(`${param(tags)}::text[] <@ ARRAY(SELECT t.tag FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid)`);
    const after = decodePageToken(request.pageToken, request, 2);
    if (after) {
      if (!after.every((value) => typeof value === 'string')) throw invalidArgument('page_token is not a token this service issued', 'page_token');
      where.push(`(v.last_day_obs, v.visitseq_uuid) > (${param(after[0])}::date, ${param(after[1])}::uuid)`);
    }
    const size = pageSize(request.pageSize, 'page_size', 100, 1000);

    return this.database.transaction(async (tx) => {
      const rows = await tx.rows<SequenceRow & { key_day: string; key_uuid: string }>(
        `SELECT ${SEQUENCE_COLUMNS}, v.last_day_obs::text AS key_day, v.visitseq_uuid::text AS key_uuid FROM ${SEQUENCE_FROM}
         WHERE ${where.join(' AND ')}
         ORDER BY v.last_day_obs, v.visitseq_uuid
         LIMIT ${size + 1}`,
        params,
      );
      const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.key_day, last.key_uuid]);
      const uuids = page.map((row) => row.visitseq_uuid);
      const dependents = await tx.rows<{ visitseq_uuid: string; early_parent_uuid: string | null; late_parent_uuid: string | null }>(
        `SELECT visitseq_uuid, early_parent_uuid, late_parent_uuid FROM mixedvisitseqs
         WHERE visitseq_url IS NULL AND (early_parent_uuid = ANY($1::uuid[]) OR late_parent_uuid = ANY($1::uuid[]))
         ORDER BY visitseq_uuid`,
        [uuids],
      );
      const candidates: metadataV1.PurgeCandidate[] = [];
      for (const row of page) {
        const stored = (await this.files.listAll(tx, row.visitseq_uuid)).filter((file) => fileTypes.includes(file.fileType) && file.fileUrl);
        candidates.push({
          visitSequence: toVisitSequence(row),
          storedFiles: stored,
          dependentVisitseqUuids: dependents
            .filter((mixed) => mixed.early_parent_uuid === row.visitseq_uuid || mixed.late_parent_uuid === row.visitseq_uuid)
            .map((mixed) => mixed.visitseq_uuid),
        });
      }
      return { candidates, nextPageToken };
    }, 'REPEATABLE READ');
  }

  /** The given URLs that a sequence's visitseq_url, a file record's file_url or a MAF healpix statistic's url equals. */
  async checkBlobReferences(request: metadataV1.CheckBlobReferencesRequest): Promise<metadataV1.CheckBlobReferencesResponse> {
    const urls = request.urls ?? [];
    if (urls.length > MAX_URLS) throw invalidArgument(`urls has ${urls.length} entries; at most ${MAX_URLS} are accepted per call`, 'urls');
    if (urls.length === 0) return { referencedUrls: [] };
    const rows = await this.database.rows<{ url: string }>(
      `SELECT u.url FROM unnest($1::text[]) AS u(url)
       WHERE EXISTS (SELECT 1 FROM visitseq v WHERE v.visitseq_url = u.url)
          OR EXISTS (SELECT 1 FROM files f WHERE f.file_url = u.url)
          OR EXISTS (SELECT 1 FROM maf_healpix_stats h WHERE h.url = u.url)`,
      [urls],
    );
    const referenced = new Set(rows.map((row) => row.url));
    return { referencedUrls: [...new Set(urls.filter((url) => referenced.has(url)))] };
  }

  /** Appends entries to the audit log in one transaction, returning them with their number and time. */
  async recordAudit(request: metadataV1.RecordAuditRequest): Promise<metadataV1.RecordAuditResponse> {
    const entries = requireBatch(request.entries, 'entries', MAX_AUDIT_ENTRIES).map((entry, index) => {
      const field = `entries[${index}]`;
      const detail = entry.detail ?? {};
      if (typeof detail !== 'object' || Array.isArray(detail)) throw invalidArgument(`${field}.detail must be a JSON object`, `${field}.detail`);
      return {
        actor: requireText(entry.actor, `${field}.actor`),
        action: requireText(entry.action, `${field}.action`),
        visitseqUuid: optionalUuid(entry.visitseqUuid ?? undefined, `${field}.visitseq_uuid`),
        detail: JSON.stringify(detail),
      };
    });
    return this.database.transaction(async (tx) => {
      const written: metadataV1.AuditEntry[] = [];
      for (const entry of entries) {
        const row = (await tx.one<AuditRow>(
          `INSERT INTO audit_log (actor, action, visitseq_uuid, detail) VALUES ($1, $2, $3, $4::jsonb)
           RETURNING audit_id, audit_time, actor, action, visitseq_uuid::text, detail`,
          [entry.actor, entry.action, entry.visitseqUuid ?? null, entry.detail],
        ))!;
        written.push({
          auditId: Number(row.audit_id),
          auditTime: row.audit_time,
          actor: row.actor,
          action: row.action,
          visitseqUuid: row.visitseq_uuid ?? undefined,
          detail: row.detail,
        });
      }
      return { entries: written };
    });
  }
}
