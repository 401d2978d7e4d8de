import * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1, metadataV1 } from '@visitsarch/contracts';
import { callerBinding, signVisitTableTicket, ticketKey } from '@visitsarch/auth';
import { failedPrecondition, GrpcError, invalidArgument, notFound, responseStream } from '@visitsarch/grpc-server';
import { receivedBytesFieldMessage } from '@visitsarch/grpc-client';
import { Downstream } from '../support/downstream';
import { GATEWAY_CONFIG, GatewayConfig } from '../support/tokens';
import { FORMAT_EXTENSIONS, FORMAT_MEDIA_TYPES, visitTableFormatOf } from '@visitsarch/visit-tables';
import { encodeVisitTableTicket } from '@visitsarch/flight';
import { sequenceVisitChunks, StoredVisitsFile, storedVisitsFile, visitsNotStoredError } from '@visitsarch/sequence-visits';
import { flightLocationOf } from './flight-location';
import { lookUpSequence } from '../sequences/record-sequence';
import { requireText, requireUuid } from '../sequences/validation';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** The field number of `data` in ExportVisitsResponse and in the blob archive's ExportVisitTableResponse (downloads.controller.spec.ts checks it). */
export const EXPORT_DATA_FIELD = 1;
/** The call of a server-streaming handler (Nest passes it third), written at the client's pace. */
type StreamingCall = grpc.ServerWritableStream<unknown, unknown>;

/** Getting data out: visits as Arrow or as files, and stored files, always verified against their recorded SHA-256. */
@Controller()
export class DownloadsController {
  /** The Flight location GetVisitsFlightEndpoint hands out ('none': none). */
  private readonly flightLocation: string;
  /** The key its tickets are signed with, and how long they may be used. */
  private readonly ticketKey: Buffer;
  private readonly ticketTtlMs: number;

  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.flightLocation = flightLocationOf({ TLS_CERT_FILE: '', ...config });
    this.ticketKey = ticketKey(config.SERVICE_CREDENTIAL);
    this.ticketTtlMs = config.FLIGHT_TICKET_TTL_S * 1000;
  }

  @GrpcMethod('GatewayService', 'DownloadVisits')
  downloadVisits(request: gatewayV1.DownloadVisitsRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.DownloadVisitsResponse> {
    return responseStream(call, async function* (this: DownloadsController) {
      const { visitSequence: sequence, visitsFile } = await this.sequence(request.visitseqUuid, call);
      const chunks = await sequenceVisitChunks(this.downstream, sequence, request, call, visitsFile);
      let first = true;
      for await (const message of chunks) {
        yield first ? { visitSequence: sequence, chunk: message.chunk } : { chunk: message.chunk };
        first = false;
      }
      if (first) yield { visitSequence: sequence };
    }.bind(this));
  }

  @GrpcMethod('GatewayService', 'GetVisitsFlightEndpoint')
  async getVisitsFlightEndpoint(request: gatewayV1.GetVisitsFlightEndpointRequest, _m: grpc.Metadata, call: Call): Promise<gatewayV1.GetVisitsFlightEndpointResponse> {
    const location = this.flightLocation;
    if (location === 'none') {
      throw failedPrecondition('this gateway offers no Arrow Flight location (BLOB_ARCHIVE_FLIGHT_LOCATION=none): read the visits with DownloadVisits', 'FLIGHT_NOT_OFFERED');
    }
    const { visitSequence: sequence, visitsFile } = await this.sequence(request.visitseqUuid, call);
    const file = await this.ownVisitsFile(sequence, visitsFile, call, 'as one table', 'DownloadVisits reconstructs them from its parents');
    if (!file.fileSha256?.byteLength) {
      throw failedPrecondition(`the visits of ${sequence.visitseqUuid} have no recorded SHA-256, and Arrow Flight serves only verified reads: read them with DownloadVisits`, 'VISITS_HASH_NOT_RECORDED');
    }
    // The blob archive's DoGet ticket, made by @visitsarch/flight (docs/storage.md, "Arrow Flight"),
    // signed for this caller alone and a short time: the blob archive serves it to nobody else (decision 0020).
    const caller = callerBinding(call.metadata);
    if (!caller) throw new GrpcError(grpc.status.UNAUTHENTICATED, 'a Flight ticket is issued only to an authenticated caller', { reason: 'NO_CREDENTIALS' });
    const visitTableTicket = encodeVisitTableTicket({ fileUrl: file.fileUrl, expectedFileSha256: file.fileSha256, columns: request.columns, dayObsRange: request.dayObsRange });
    const ticket = signVisitTableTicket(visitTableTicket, caller, this.ticketKey, this.ticketTtlMs);
    return { location, ticket, visitSequence: sequence };
  }

  @GrpcMethod('GatewayService', 'ExportVisits')
  exportVisits(request: gatewayV1.ExportVisitsRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.ExportVisitsResponse | Buffer> {
    return responseStream(call, async function* (this: DownloadsController) {
      if (!request.format) throw invalidArgument('format is required', 'format');
      const { visitSequence: sequence, visitsFile } = await this.sequence(request.visitseqUuid, call);
      const file = await this.ownVisitsFile(sequence, visitsFile, call, 'as a file', 'download them as Arrow with DownloadVisits, or record it with materialize');
      const exported = this.downstream.blobArchive.serverStream(
        'exportVisitTable',
        { fileUrl: file.fileUrl, expectedFileSha256: file.fileSha256, dayObsRange: request.dayObsRange, columns: request.columns, format: request.format },
        { parent: call },
      );
      const format = visitTableFormatOf(request.format);
      let first = true;
      for await (const message of exported) {
        if (first) {
          yield { data: message.data, mediaType: format ? FORMAT_MEDIA_TYPES[format] : 'application/octet-stream', fileName: `visits${format ? FORMAT_EXTENSIONS[format] : ''}` };
          first = false;
        } else {
          // `{ data }` alone encodes as the blob archive's message did (`data` is field 1 of both):
          // its bytes go on as they came, in place (preEncodedResponses), else it is encoded again.
          yield receivedBytesFieldMessage(message.data, EXPORT_DATA_FIELD) ?? { data: message.data, mediaType: '', fileName: '' };
        }
      }
    }.bind(this));
  }

  @GrpcMethod('GatewayService', 'DownloadFile')
  downloadFile(request: gatewayV1.DownloadFileRequest, _m: grpc.Metadata, call: StreamingCall): Observable<gatewayV1.DownloadFileResponse> {
    return responseStream(call, async function* (this: DownloadsController) {
      const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
      const fileType = requireText(request.fileType, 'file_type');
      const file =
        fileType === 'visits'
          ? await storedVisitsFile(this.downstream, uuid, call)
          : (await this.downstream.metadata.unary('getFile', { visitseqUuid: uuid, fileType }, { parent: call })).file;
      if (!file?.fileUrl) throw failedPrecondition(`the ${fileType} file of ${uuid} is no longer stored (its URL was cleared)`, 'FILE_NOT_STORED');
      const bytes = this.downstream.blobArchive.serverStream('downloadFile', { fileUrl: file.fileUrl, expectedFileSha256: file.fileSha256 }, { parent: call });
      let first = true;
      for await (const message of bytes) {
        yield first ? { file, data: message.data } : { data: message.data };
        first = false;
      }
      if (first) yield { file, data: new Uint8Array() };
    }.bind(this));
  }

  /** The sequence and the record of its stored visits (GetVisitSequence answers both), or NOT_FOUND. */
  private async sequence(uuid: string, call: Call): Promise<{ visitSequence: metadataV1.VisitSequence; visitsFile?: metadataV1.VisitSequenceFile }> {
    const checked = requireUuid(uuid, 'visitseq_uuid');
    const found = await lookUpSequence(this.downstream, checked, call);
    if (!found?.visitSequence) throw notFound('VisitSequence', checked);
    return { visitSequence: found.visitSequence, visitsFile: found.visitsFile };
  }

  /**
   * The file record of the sequence's own stored visit table; FAILED_PRECONDITION (VISITS_NOT_STORED)
   * if it has none, saying how it is not stored and, for a mixed sequence, what to do instead.
   */
  private async ownVisitsFile(sequence: metadataV1.VisitSequence, visitsFile: metadataV1.VisitSequenceFile | undefined, call: Call, storedAs: string, mixedAdvice: string): Promise<StoredVisitsFile> {
    if (!sequence.visitseqUrl) {
      if (!sequence.mixed) throw await visitsNotStoredError(this.downstream, sequence.visitseqUuid, call);
      throw failedPrecondition(`the visits of ${sequence.visitseqUuid} are not stored ${storedAs} (a mixed sequence: ${mixedAdvice})`, 'VISITS_NOT_STORED');
    }
    return storedVisitsFile(this.downstream, sequence.visitseqUuid, call, undefined, visitsFile);
  }
}
