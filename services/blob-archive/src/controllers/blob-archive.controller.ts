import type { Metadata, sendUnaryData, ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { responseStream, serveClientStream } from '@visitsarch/grpc-server';
import { ObjectFilesService } from '../files/object-files.service';
import { ObjectListingService } from '../files/object-listing.service';
import { withGrpcErrors, withGrpcErrorsEach } from '../grpc/errors';
import { VisitTablesService } from '../tables/visit-tables.service';

const SERVICE = 'BlobArchiveService';
type In<Req, Res> = ServerReadableStream<Req, Res>;
type Out<Res> = ServerWritableStream<unknown, Res>;

/**
 * visitsarch.blob_archive.v1.BlobArchiveService: adapts gRPC calls (streams with backpressure,
 * @visitsarch/grpc-server's call-streams) to the services that do the work, their storage failures
 * turned into the contract's errors (grpc/errors.ts). Registered method by method rather than with
 * the generated BlobArchiveServiceControllerMethods(), because client-streaming methods take the
 * raw call; the other methods keep the generated interface's signatures.
 */
@Controller()
export class BlobArchiveController
  implements Omit<blobArchiveV1.BlobArchiveServiceController, 'uploadVisitTable' | 'hashVisitTable' | 'uploadFile' | 'exportVisitTable'>
{
  constructor(
    private readonly tables: VisitTablesService,
    private readonly files: ObjectFilesService,
    private readonly listing: ObjectListingService,
  ) {}

  @GrpcStreamCall(SERVICE, 'uploadVisitTable')
  uploadVisitTable(
    call: In<blobArchiveV1.UploadVisitTableRequest, blobArchiveV1.UploadVisitTableResponse>,
    callback: sendUnaryData<blobArchiveV1.UploadVisitTableResponse>,
  ) {
    return serveClientStream(call, callback, (requests, cancelled) => withGrpcErrors(() => this.tables.upload(requests, cancelled)));
  }

  @GrpcStreamCall(SERVICE, 'hashVisitTable')
  hashVisitTable(call: In<blobArchiveV1.HashVisitTableRequest, blobArchiveV1.HashVisitTableResponse>, callback: sendUnaryData<blobArchiveV1.HashVisitTableResponse>) {
    return serveClientStream(call, callback, (requests) => withGrpcErrors(() => this.tables.hash(requests)));
  }

  @GrpcMethod(SERVICE, 'inspectVisitTable')
  inspectVisitTable(request: blobArchiveV1.InspectVisitTableRequest) {
    return this.tables.inspect(request);
  }

  @GrpcMethod(SERVICE, 'downloadVisitTable')
  downloadVisitTable(request: blobArchiveV1.DownloadVisitTableRequest, _metadata?: Metadata, call?: Out<blobArchiveV1.DownloadVisitTableResponse>) {
    return responseStream(call, () => withGrpcErrorsEach(this.tables.download(request)));
  }

  /** Sends pre-encoded ExportVisitTableResponse messages (service.ts, preEncodedResponses). */
  @GrpcMethod(SERVICE, 'exportVisitTable')
  exportVisitTable(request: blobArchiveV1.ExportVisitTableRequest, _metadata?: Metadata, call?: Out<blobArchiveV1.ExportVisitTableResponse>): Observable<Buffer> {
    return responseStream(call, () => withGrpcErrorsEach(this.tables.export(request)));
  }

  @GrpcStreamCall(SERVICE, 'uploadFile')
  uploadFile(call: In<blobArchiveV1.UploadFileRequest, blobArchiveV1.UploadFileResponse>, callback: sendUnaryData<blobArchiveV1.UploadFileResponse>) {
    return serveClientStream(call, callback, (requests, cancelled) => withGrpcErrors(() => this.files.upload(requests, cancelled)));
  }

  @GrpcMethod(SERVICE, 'downloadFile')
  downloadFile(request: blobArchiveV1.DownloadFileRequest, _metadata?: Metadata, call?: Out<blobArchiveV1.DownloadFileResponse>) {
    return responseStream(call, () => withGrpcErrorsEach(this.files.download(request)));
  }

  @GrpcMethod(SERVICE, 'statObject')
  statObject(request: blobArchiveV1.StatObjectRequest) {
    return this.files.stat(request);
  }

  @GrpcMethod(SERVICE, 'deleteObject')
  deleteObject(request: blobArchiveV1.DeleteObjectRequest) {
    return this.files.delete(request);
  }

  @GrpcMethod(SERVICE, 'readMixedVisitTable')
  readMixedVisitTable(request: blobArchiveV1.ReadMixedVisitTableRequest, _metadata?: Metadata, call?: Out<blobArchiveV1.ReadMixedVisitTableResponse>) {
    return responseStream(call, () => withGrpcErrorsEach(this.tables.readMixed(request)));
  }

  @GrpcMethod(SERVICE, 'materializeMixedVisitTable')
  materializeMixedVisitTable(request: blobArchiveV1.MaterializeMixedVisitTableRequest) {
    return this.tables.materializeMixed(request);
  }

  @GrpcMethod(SERVICE, 'listObjects')
  listObjects(request: blobArchiveV1.ListObjectsRequest) {
    return this.listing.list(request);
  }
}
