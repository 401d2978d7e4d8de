import type * as grpc from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { gatewayV1 } from '@visitsarch/contracts';
import { HeaderOrData, serveClientStream, splitHeader } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';
import { GatewayController } from '../support/gateway-controller';
import { addFile } from './add-file';
import { deleteSequenceFile } from './delete-file';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** Files of a sequence (rewards, pickles, …), and deleting what a sequence stores. */
@Controller()
export class FilesController extends GatewayController {
  @GrpcStreamCall('GatewayService', 'AddFile')
  addFile(call: grpc.ServerReadableStream<HeaderOrData<gatewayV1.AddFileHeader, Uint8Array>, unknown>, callback: grpc.sendUnaryData<gatewayV1.AddFileResponse>) {
    return serveClientStream(call, callback, async (requests) => {
      const { header, rest } = await splitHeader(requests, checkRequestLimits);
      return addFile(this.downstream, this.config.VISITSARCH_ARCHIVE_URL, this.logger, header, rest, call);
    });
  }

  /** Deletes the record (unless keep_record, which clears its URL) and then the stored object (unless keep_blob). */
  @GrpcMethod('GatewayService', 'DeleteFile')
  deleteFile(request: gatewayV1.DeleteFileRequest, _m: grpc.Metadata, call: Call): Promise<gatewayV1.DeleteFileResponse> {
    return deleteSequenceFile(this.downstream, request, call);
  }

  /** Deletes the metadata first (never a record without its blob), then the blobs it pointed to. */
  @GrpcMethod('GatewayService', 'DeleteVisitSequence')
  async deleteVisitSequence(request: gatewayV1.DeleteVisitSequenceRequest, _m: grpc.Metadata, call: Call): Promise<gatewayV1.DeleteVisitSequenceResponse> {
    const deleted = await this.downstream.registry.unary(
      'deleteVisitSequence',
      { visitseqUuid: request.visitseqUuid, allowMissing: request.allowMissing, force: request.force },
      { parent: call },
    );
    const deletedBlobUrls: string[] = [];
    const orphanedBlobUrls: string[] = [];
    for (const url of deleted.blobUrls) {
      if (request.keepBlobs) {
        orphanedBlobUrls.push(url);
        continue;
      }
      try {
        await this.downstream.blobArchive.unary('deleteObject', { url, allowMissing: true }, { parent: call });
        deletedBlobUrls.push(url);
      } catch (error) {
        this.logger.warn({ url, err: error }, 'could not delete a blob of a deleted sequence');
        orphanedBlobUrls.push(url);
      }
    }
    return { visitSequence: deleted.visitSequence, deletedBlobUrls, orphanedBlobUrls };
  }
}

