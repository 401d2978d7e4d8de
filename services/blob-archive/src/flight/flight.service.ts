import { Inject, Injectable } from '@nestjs/common';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { IpcStreamEncoder } from '@visitsarch/arrow-ipc';
import { decodeVisitTableTicket, encapsulate, FlightData, FlightDescriptor, FlightInfo, PutResult, SchemaResult, VisitTableTicket } from '@visitsarch/flight';
import { ArchiveStorage, hex } from '@visitsarch/storage';
import { withGrpcErrors } from '../grpc/errors';
import { selectionOf, StoredTable } from '../tables/stored-table';
import { VisitTablesService } from '../tables/visit-tables.service';
import { ARCHIVE_STORAGE } from '../storage.provider';
import { destinationOfDescriptor, readOfDescriptor } from './flight-commands';

/**
 * Visit tables over Arrow Flight: GetFlightInfo/GetSchema describe a stored table, DoGet streams
 * it (exactly the bytes DownloadVisitTable would send, one IPC message per FlightData) and DoPut
 * stores one (exactly as UploadVisitTable does).
 */
@Injectable()
export class FlightService {
  constructor(
    private readonly tables: VisitTablesService,
    @Inject(ARCHIVE_STORAGE) private readonly storage: ArchiveStorage,
  ) {}

  async flightInfo(descriptor: FlightDescriptor): Promise<FlightInfo> {
    const { read, ticket } = readOfDescriptor(descriptor);
    const schema = await this.schemaMessage(read);
    return { schema, flightDescriptor: descriptor, endpoint: [{ ticket: { ticket }, location: [] }], totalRecords: -1, totalBytes: -1, ordered: true };
  }

  async schema(descriptor: FlightDescriptor): Promise<SchemaResult> {
    const { read } = readOfDescriptor(descriptor);
    return { schema: await this.schemaMessage(read) };
  }

  /**
   * DoGet: each IPC message of the selected table as one FlightData (header = metadata, body =
   * body), already encoded: the service sends these buffers as they are (preEncodedResponses).
   */
  async *get(ticket: Uint8Array): AsyncGenerator<Buffer> {
    const read = decodeVisitTableTicket(ticket);
    yield* this.tables.readFlightData(read.fileUrl, read.expectedFileSha256, selectionOf(read));
  }

  /** DoPut: stores the uploaded stream at the descriptor's destination; one PutResult with the outcome as JSON. */
  async *put(data: AsyncIterable<FlightData>, cancelled?: AbortSignal): AsyncGenerator<PutResult> {
    const iterator = data[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw invalidArgument('DoPut received no data', 'flight_descriptor');
    const destination = destinationOfDescriptor(first.value.flightDescriptor);
    async function* ipcBytes(): AsyncGenerator<Uint8Array> {
      for (let next = first; !next.done; next = await iterator.next()) {
        if (next.value.dataHeader.byteLength > 0) yield encapsulate(next.value);
      }
    }
    const stored = await this.tables.storeUpload(destination, 'flight_descriptor', ipcBytes(), cancelled);
    yield { appMetadata: Buffer.from(JSON.stringify(describeResult(stored))) };
  }

  private schemaMessage(read: VisitTableTicket): Promise<Uint8Array> {
    return withGrpcErrors(async () => {
      const table = await StoredTable.open(this.storage, read.fileUrl, read.expectedFileSha256, 'file_url');
      try {
        const stream = await table.openSelection(selectionOf(read));
        const schema = stream.schema;
        await stream[Symbol.asyncIterator]().return?.();
        return new IpcStreamEncoder(schema).schemaMessage();
      } finally {
        await table.release();
      }
    });
  }
}

function describeResult(result: blobArchiveV1.UploadVisitTableResponse): Record<string, unknown> {
  return {
    visitseq_sha256: hex(result.visitseqSha256),
    file_sha256: hex(result.fileSha256),
    file_size: result.fileSize,
    file_url: result.fileUrl,
    row_count: result.rowCount,
    first_day_obs: result.firstDayObs,
    last_day_obs: result.lastDayObs,
    columns: result.columns,
  };
}
