import type { metadataV1 } from '@visitsarch/contracts';

/** What an audit row says a write was about: the sequence (audit_log.visitseq_uuid) and the rest (detail). */
export interface AuditedObject {
  visitseqUuid?: string;
  detail: Record<string, unknown>;
}

/** What to record of a successful call; undefined: nothing (it wrote nothing, e.g. a dry run). */
type Describe<Request, Response> = (request: Request, response: Response) => AuditedObject | undefined;

/** Sequence UUIDs listed in a detail at most; a batch naming more says how many in `visitseq_count`. */
const MAX_LISTED_SEQUENCES = 100;

/**
 * The sequences a batch of rows is about: the one in visitseq_uuid if there is one, else each of
 * them (up to MAX_LISTED_SEQUENCES) in the detail, with the batch's counts.
 */
function batch(rows: { visitseqUuid: string }[], counts: { insertedCount: number; updatedCount: number }): AuditedObject {
  const uuids = [...new Set(rows.map((row) => row.visitseqUuid.toLowerCase()))];
  const detail: Record<string, unknown> = { rows: rows.length, inserted_count: counts.insertedCount, updated_count: counts.updatedCount };
  if (uuids.length === 1) return { visitseqUuid: uuids[0], detail };
  return { detail: { ...detail, visitseq_count: uuids.length, visitseq_uuids: uuids.slice(0, MAX_LISTED_SEQUENCES) } };
}

/** A UUID as the audit log keeps it (lower case), or none. */
function uuidOf(value: string | undefined | null): string | undefined {
  return value ? value.toLowerCase() : undefined;
}

/** The paths of a FieldMask, as proto-loader decodes it (`{ paths }`) or as ts-proto types it (the paths). */
function maskPaths(mask: unknown): string[] {
  if (Array.isArray(mask)) return mask as string[];
  return (mask as { paths?: string[] } | undefined)?.paths ?? [];
}

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

/**
 * Every write RPC the metadata process serves, by its name, with what its audit row records
 * besides the actor and the RPC (decision 0020: "the creator of a sequence or file is the actor of
 * its creation row"). The AuditInterceptor appends one row per successful call of these;
 * `audit.spec.ts` fails when an RPC of the metadata process is neither here nor in NOT_AUDITED.
 */
export const AUDITED_WRITES: Record<string, Describe<any, any>> = {
  // MetadataService
  UpdateVisitSequence: ((request, response) => ({
    visitseqUuid: uuidOf(response.visitSequence?.visitseqUuid ?? request.visitSequence?.visitseqUuid),
    detail: { update_mask: maskPaths(request.updateMask) },
  })) satisfies Describe<metadataV1.UpdateVisitSequenceRequest, metadataV1.UpdateVisitSequenceResponse>,
  AddTags: ((request) => ({ visitseqUuid: uuidOf(request.visitseqUuid), detail: { tags: request.tags } })) satisfies Describe<metadataV1.AddTagsRequest, metadataV1.AddTagsResponse>,
  RemoveTags: ((request) => ({ visitseqUuid: uuidOf(request.visitseqUuid), detail: { tags: request.tags } })) satisfies Describe<metadataV1.RemoveTagsRequest, metadataV1.RemoveTagsResponse>,
  AddComment: ((request) => ({ visitseqUuid: uuidOf(request.visitseqUuid), detail: {} })) satisfies Describe<metadataV1.AddCommentRequest, metadataV1.AddCommentResponse>,
  RecordCondaEnv: ((request, response) => ({
    visitseqUuid: uuidOf(request.visitseqUuid),
    detail: { conda_env_hash: hex(response.condaEnvHash), already_recorded: response.alreadyRecorded },
  })) satisfies Describe<metadataV1.RecordCondaEnvRequest, metadataV1.RecordCondaEnvResponse>,
  UpsertNightlyStats: ((request, response) => batch(request.stats, response)) satisfies Describe<metadataV1.UpsertNightlyStatsRequest, metadataV1.UpsertNightlyStatsResponse>,
  UpsertMafMetrics: ((request, response) => ({
    detail: { maf_metric_names: [...new Set(request.metrics.map((metric) => metric.mafMetricName))].slice(0, MAX_LISTED_SEQUENCES), inserted_count: response.insertedCount, updated_count: response.updatedCount },
  })) satisfies Describe<metadataV1.UpsertMafMetricsRequest, metadataV1.UpsertMafMetricsResponse>,
  UpsertMafMetricSets: ((request, response) => ({
    detail: { metric_sets: [...new Set(request.members.map((member) => member.metricSet))].slice(0, MAX_LISTED_SEQUENCES), inserted_count: response.insertedCount, updated_count: response.updatedCount },
  })) satisfies Describe<metadataV1.UpsertMafMetricSetsRequest, metadataV1.UpsertMafMetricSetsResponse>,
  UpsertMafSummaryMetrics: ((request, response) => batch(request.metrics, response)) satisfies Describe<metadataV1.UpsertMafSummaryMetricsRequest, metadataV1.UpsertMafSummaryMetricsResponse>,
  UpsertMafHealpixStats: ((request, response) => batch(request.stats, response)) satisfies Describe<metadataV1.UpsertMafHealpixStatsRequest, metadataV1.UpsertMafHealpixStatsResponse>,
  // The DSN is not recorded: it may hold a password. A dry run writes nothing.
  ImportUpstream: ((request, response) =>
    (request as { dryRun?: boolean }).dryRun
      ? undefined
      : { detail: { schema: request.schema, tables: response.tables.map((table) => ({ table_name: table.tableName, copied_count: table.copiedCount })) } }) satisfies Describe<metadataV1.ImportUpstreamRequest, metadataV1.ImportUpstreamResponse>,
  // RegistryService
  CreateVisitSequence: ((request, response) => ({
    visitseqUuid: uuidOf(response.visitSequence?.visitseqUuid),
    detail: { visitseq_label: response.visitSequence?.visitseqLabel, file_types: response.files.map((file) => file.fileType) },
  })) satisfies Describe<metadataV1.CreateVisitSequenceRequest, metadataV1.CreateVisitSequenceResponse>,
  DeleteVisitSequence: ((request, response) => ({
    visitseqUuid: uuidOf(request.visitseqUuid),
    detail: { deleted: response.visitSequence !== undefined, force: request.force },
  })) satisfies Describe<metadataV1.DeleteVisitSequenceRequest, metadataV1.DeleteVisitSequenceResponse>,
  RegisterFile: ((request, response) => ({
    visitseqUuid: uuidOf(request.file?.visitseqUuid),
    detail: {
      file_type: request.file?.fileType,
      file_url: response.file?.fileUrl ?? null,
      replaced: response.replacedFile !== undefined,
      ...(response.previousVisitseqSha256.length
        ? { visitseq_sha256: Buffer.from(request.visitseqSha256 ?? []).toString('hex'), previous_visitseq_sha256: Buffer.from(response.previousVisitseqSha256).toString('hex') }
        : {}),
    },
  })) satisfies Describe<metadataV1.RegisterFileRequest, metadataV1.RegisterFileResponse>,
  DeleteFile: ((request, response) => ({
    visitseqUuid: uuidOf(request.visitseqUuid),
    detail: { file_type: request.fileType, file_url: response.file?.fileUrl ?? null, keep_record: request.keepRecord },
  })) satisfies Describe<metadataV1.DeleteFileRequest, metadataV1.DeleteFileResponse>,
  // TokenService (never the secret)
  CreateToken: ((request, response) => ({
    detail: { token_id: response.token?.tokenId, name: response.token?.name, owner: response.token?.owner, scopes: response.token?.scopes, expire_time: response.token?.expireTime?.toISOString() ?? null },
  })) satisfies Describe<metadataV1.CreateTokenRequest, metadataV1.CreateTokenResponse>,
  RevokeToken: ((_request, response) => ({ detail: { token_id: response.token?.tokenId, owner: response.token?.owner } })) satisfies Describe<metadataV1.RevokeTokenRequest, metadataV1.RevokeTokenResponse>,
};

/** The RPCs of the metadata process that write no audit row: reads, and RecordAudit, which appends to the audit log itself. */
export const NOT_AUDITED = new Set([
  'GetVisitSequence',
  'ListVisitSequences',
  'CheckTag',
  'ListComments',
  'GetFile',
  'ListFiles',
  'GetCondaEnv',
  'ListCondaPackages',
  'ListNightlyStats',
  'ListMafSummary',
  'Query',
  'QueryNight',
  'PrenightSims',
  'ListPurgeCandidates',
  'CheckBlobReferences',
  'RecordAudit',
  'ListTokens',
  'VerifyToken',
]);
