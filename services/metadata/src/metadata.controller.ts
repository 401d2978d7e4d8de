import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseInterceptors } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { Observable } from 'rxjs';
import { requireUuid } from './common/validation';
import { AuditInterceptor } from './identity/audit.interceptor';
import { callerOfCall, commentAuthor } from './identity/caller';
import { IdentityConcurrency, QUERIES_PER_IDENTITY } from './identity/identity-concurrency';
import { AnnotationsService } from './annotations/annotations.service';
import { CondaService } from './conda/conda.service';
import { FilesService } from './files/files.service';
import { MafService } from './maf/maf.service';
import { QueriesService } from './queries/queries.service';
import { RetentionService } from './retention/retention.service';
import { NightlyStatsService } from './statistics/nightly-stats.service';
import { UpstreamImportService } from './upstream-import/upstream-import.service';
import { VisitSequencesService } from './visit-sequences/visit-sequences.service';

/**
 * The gRPC face of the metadata service's MetadataService: every RPC handed to its feature service.
 * Its writes are audited (AuditInterceptor); comments are recorded under the caller's identity.
 */
@Controller()
@metadataV1.MetadataServiceControllerMethods()
@UseInterceptors(AuditInterceptor)
export class MetadataController implements metadataV1.MetadataServiceController {
  constructor(
    private readonly sequences: VisitSequencesService,
    private readonly annotations: AnnotationsService,
    private readonly files: FilesService,
    private readonly conda: CondaService,
    private readonly nightlyStats: NightlyStatsService,
    private readonly maf: MafService,
    private readonly queries: QueriesService,
    private readonly upstream: UpstreamImportService,
    @Inject(QUERIES_PER_IDENTITY) private readonly queriesPerIdentity: IdentityConcurrency,
  ) {}

  async getVisitSequence(request: metadataV1.GetVisitSequenceRequest): Promise<metadataV1.GetVisitSequenceResponse> {
    return this.sequences.getWithVisitsFile(requireUuid(request.visitseqUuid, 'visitseq_uuid'));
  }

  listVisitSequences(request: metadataV1.ListVisitSequencesRequest) {
    return this.sequences.list(request);
  }

  updateVisitSequence(request: metadataV1.UpdateVisitSequenceRequest) {
    return this.sequences.update(request);
  }

  addTags(request: metadataV1.AddTagsRequest) {
    return this.annotations.addTags(request);
  }

  removeTags(request: metadataV1.RemoveTagsRequest) {
    return this.annotations.removeTags(request);
  }

  checkTag(request: metadataV1.CheckTagRequest) {
    return this.annotations.checkTag(request);
  }

  addComment(request: metadataV1.AddCommentRequest, metadata?: Metadata) {
    return this.annotations.addComment({ ...request, author: commentAuthor(request.author, metadata) });
  }

  listComments(request: metadataV1.ListCommentsRequest) {
    return this.annotations.listComments(request);
  }

  getFile(request: metadataV1.GetFileRequest) {
    return this.files.get(request);
  }

  listFiles(request: metadataV1.ListFilesRequest) {
    return this.files.list(request);
  }

  recordCondaEnv(request: metadataV1.RecordCondaEnvRequest) {
    return this.conda.record(request);
  }

  getCondaEnv(request: metadataV1.GetCondaEnvRequest) {
    return this.conda.get(request);
  }

  listCondaPackages(request: metadataV1.ListCondaPackagesRequest) {
    return this.conda.listPackages(request);
  }

  upsertNightlyStats(request: metadataV1.UpsertNightlyStatsRequest) {
    return this.nightlyStats.upsert(request);
  }

  listNightlyStats(request: metadataV1.ListNightlyStatsRequest) {
    return this.nightlyStats.list(request);
  }

  upsertMafMetrics(request: metadataV1.UpsertMafMetricsRequest) {
    return this.maf.upsertMetrics(request);
  }

  upsertMafMetricSets(request: metadataV1.UpsertMafMetricSetsRequest) {
    return this.maf.upsertMetricSets(request);
  }

  upsertMafSummaryMetrics(request: metadataV1.UpsertMafSummaryMetricsRequest) {
    return this.maf.upsertSummaryMetrics(request);
  }

  upsertMafHealpixStats(request: metadataV1.UpsertMafHealpixStatsRequest) {
    return this.maf.upsertHealpixStats(request);
  }

  listMafSummary(request: metadataV1.ListMafSummaryRequest) {
    return this.maf.listSummary(request);
  }

  query(request: metadataV1.QueryRequest, metadata?: Metadata): Observable<metadataV1.QueryResponse> {
    return this.queriesPerIdentity.run(callerOfCall(metadata)?.identity, () => this.queries.query(request));
  }

  queryNight(request: metadataV1.QueryNightRequest): Observable<metadataV1.QueryNightResponse> {
    return this.queries.queryNight(request);
  }

  prenightSims(request: metadataV1.PrenightSimsRequest): Observable<metadataV1.PrenightSimsResponse> {
    return this.queries.prenightSims(request);
  }

  importUpstream(request: metadataV1.ImportUpstreamRequest) {
    return this.upstream.importUpstream(request);
  }
}

/** RegistryService: the write path of records that stand for blobs, which only the gateway calls. Its writes are audited. */
@Controller()
@metadataV1.RegistryServiceControllerMethods()
@UseInterceptors(AuditInterceptor)
export class RegistryController implements metadataV1.RegistryServiceController {
  constructor(
    private readonly sequences: VisitSequencesService,
    private readonly files: FilesService,
    private readonly retention: RetentionService,
  ) {}

  createVisitSequence(request: metadataV1.CreateVisitSequenceRequest, metadata?: Metadata) {
    return this.sequences.create(request, metadata);
  }

  deleteVisitSequence(request: metadataV1.DeleteVisitSequenceRequest) {
    return this.sequences.delete(request);
  }

  registerFile(request: metadataV1.RegisterFileRequest, metadata?: Metadata) {
    return this.files.register(request, metadata);
  }

  deleteFile(request: metadataV1.DeleteFileRequest) {
    return this.files.delete(request);
  }

  listPurgeCandidates(request: metadataV1.ListPurgeCandidatesRequest) {
    return this.retention.listPurgeCandidates(request);
  }

  checkBlobReferences(request: metadataV1.CheckBlobReferencesRequest) {
    return this.retention.checkBlobReferences(request);
  }

  /** Entries written on a caller's behalf are the caller's: their actor is its identity, whatever the request says. */
  recordAudit(request: metadataV1.RecordAuditRequest, metadata?: Metadata) {
    const caller = callerOfCall(metadata);
    return this.retention.recordAudit(caller ? { ...request, entries: (request.entries ?? []).map((entry) => ({ ...entry, actor: caller.identity })) } : request);
  }
}
