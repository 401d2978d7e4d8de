import { Injectable } from '@nestjs/common';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { Message, MessageHeader } from 'apache-arrow';
import { IpcStreamEncoder } from '@visitsarch/arrow-ipc';
import { InvalidIpcStreamError } from '../arrow/ipc-messages';
import { withGrpcErrors } from '../grpc/errors';
import { StoredTable } from '../tables/stored-table';
import { VisitTablesService } from '../tables/visit-tables.service';
import { Inject } from '@nestjs/common';
import { ArchiveStorage, hex } from '@visitsarch/storage';
import { ARCHIVE_STORAGE } from '../storage.provider';
import { destinationOfDescriptor, FlightRead, readOfDescriptor, readOfTicket, ticketOfRead } from './flight-commands';
import { FlightData, FlightDescriptor, FlightInfo, PutResult, SchemaResult } from './flight-types';

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
    const read = readOfDescriptor(descriptor);
    const schema = await this.schemaMessage(read);
    return { schema, flightDescriptor: descriptor, endpoint: [{ ticket: { ticket: ticketOfRead(read) }, location: [] }], totalRecords: -1, totalBytes: -1, ordered: true };
  }

  async schema(descriptor: FlightDescriptor): Promise<SchemaResult> {
    return { schema: await this.schemaMessage(readOfDescriptor(descriptor)) };
  }

  /**
   * DoGet: each IPC message of the selected table as one FlightData (header = metadata, body =
   * body), already encoded: the service sends these buffers as they are (preEncodedResponses).
   */
  get(ticket: Uint8Array): AsyncGenerator<Buffer> {
    const read = readOfTicket(ticket);
    return this.tables.readFlightData(read.fileUrl, read.expectedFileSha256, read.selection);
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

  private schemaMessage(read: FlightRead): Promise<Uint8Array> {
    return withGrpcErrors(async () => {
      const table = await StoredTable.open(this.storage, read.fileUrl, read.expectedFileSha256, 'file_url');
      try {
        const stream = await table.openSelection(read.selection);
        const schema = stream.schema;
        await stream[Symbol.asyncIterator]().return?.();
        return new IpcStreamEncoder(schema).schemaMessage();
      } finally {
        await table.release();
      }
    });
  }
}

/** Bytes a sender may leave out at the end of a FlightData body: the last buffer's padding (Arrow pads buffers to 64 bytes at most). */
const TRIMMABLE_PADDING = 63;

/**
 * A FlightData as an encapsulated IPC message: continuation marker, length, header, padding, body.
 * The body length is the header's: a body shorter than that by more than trailing padding is an
 * InvalidIpcStreamError (INVALID_ARGUMENT), never filled up.
 */
export function encapsulate(data: FlightData): Uint8Array {
  const header = data.dataHeader;
  const padded = (header.byteLength + 7) & ~7;
  let message: Message;
  try {
    message = Message.decode(header);
  } catch (error) {
    throw new InvalidIpcStreamError(`a FlightData data_header is not an Arrow IPC message: ${(error as Error).message}`);
  }
  const bodyLength = message.headerType === MessageHeader.Schema ? 0 : Number(message.bodyLength);
  const body = data.dataBody.subarray(0, bodyLength);
  if (body.byteLength + TRIMMABLE_PADDING < bodyLength) {
    throw new InvalidIpcStreamError(`a FlightData data_body holds ${data.dataBody.byteLength} bytes where its data_header declares ${bodyLength}`);
  }
  // Every byte is written below (the paddings as zeros), so the buffer need not be zero-filled first.
  const bytes = Buffer.allocUnsafe(8 + padded + bodyLength);
  bytes.writeUInt32LE(0xffffffff, 0);
  bytes.writeInt32LE(padded, 4);
  bytes.set(header, 8);
  bytes.fill(0, 8 + header.byteLength, 8 + padded);
  bytes.set(body, 8 + padded);
  bytes.fill(0, 8 + padded + body.byteLength);
  return bytes;
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
