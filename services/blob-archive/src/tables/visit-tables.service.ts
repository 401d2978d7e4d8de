import { Inject, Injectable } from '@nestjs/common';
import { DataType, Field, RecordBatch, Schema, util } from 'apache-arrow';
import type { blobArchiveV1 } from '@visitsarch/contracts';
import { bytesFieldResponses, failedPrecondition, invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveStorage, ObjectWrite, sequenceFileUrl } from '@visitsarch/storage';
import { batchStream, PassOptions, tableFormatOf, VisitBatchStream } from '@visitsarch/visit-tables';
import { ArrowChunk, encodeArrowChunks, forwardArrowMessages, IpcMessage, readIpcMessages } from '@visitsarch/arrow-ipc';
import { encodeFlightData, readFlightDataFromFile } from '@visitsarch/flight';
import { nightOfDayObs } from '@visitsarch/day-obs';
import { optionalSha256, requireDayObs } from '@visitsarch/validation';
import { withGrpcErrors } from '../grpc/errors';
import { BLOB_ARCHIVE_SETTINGS, BlobArchiveSettings } from '../settings';
import { ARCHIVE_STORAGE } from '../storage.provider';
import { BYTES_PER_MESSAGE } from '../files/object-files.service';
import { selectionOf, selectsEverything, StoredTable, TableSelection } from './stored-table';
import { encodeTableFile } from './table-encoding';
import { defaultTableFileName, exportFormat, storedFormat, STORAGE_FORMAT } from './table-formats';
import { StorageSink, TableSpool } from './table-spool';

/** ExportVisitTableResponse.data: the one field of the pre-encoded export messages. */
const EXPORT_DATA_FIELD = 1;

/** What storing a visit table produced (UploadVisitTableResponse and MaterializeMixedVisitTableResponse alike). */
export type StoredTableResult = blobArchiveV1.UploadVisitTableResponse;

/** Everything the service does with visit tables: store, hash, read, convert and splice them. */
@Injectable()
export class VisitTablesService {
  constructor(
    @Inject(ARCHIVE_STORAGE) private readonly storage: ArchiveStorage,
    @Inject(BLOB_ARCHIVE_SETTINGS) private readonly settings: BlobArchiveSettings,
  ) {}

  /** Stores the Arrow stream following the header (UploadVisitTable). */
  upload(requests: AsyncIterable<blobArchiveV1.UploadVisitTableRequest>, cancelled?: AbortSignal): Promise<StoredTableResult> {
    return withGrpcErrors(async () => {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      const header = first.done ? undefined : first.value.header;
      if (!header) throw invalidArgument('the first UploadVisitTable message must carry the header', 'header');
      async function* ipcBytes(): AsyncGenerator<Uint8Array> {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.header) throw invalidArgument('only the first UploadVisitTable message may carry a header', 'header');
          if (next.value.chunk?.ipcBytes?.byteLength) yield next.value.chunk.ipcBytes;
        }
      }
      try {
        return await this.storeUpload(header, 'header', ipcBytes(), cancelled);
      } finally {
        await iterator.return?.();
      }
    });
  }

  /** The canonical hash and extent of an uploaded Arrow stream, storing nothing (HashVisitTable). */
  hash(requests: AsyncIterable<blobArchiveV1.HashVisitTableRequest>): Promise<blobArchiveV1.HashVisitTableResponse> {
    return withGrpcErrors(async () => {
      async function* ipcBytes(): AsyncGenerator<Uint8Array> {
        for await (const request of requests) if (request.chunk?.ipcBytes?.byteLength) yield request.chunk.ipcBytes;
      }
      const spool = await TableSpool.fromUpload(ipcBytes(), this.settings.spoolDirectory);
      try {
        const { rowCount, firstDayObs, lastDayObs, columns } = spool.facts;
        return { visitseqSha256: await spool.canonicalSha256(), rowCount, firstDayObs, lastDayObs, columns };
      } finally {
        await spool.release();
      }
    });
  }

  /**
   * A table already stored at a URL, read in place (InspectVisitTable): its bytes' SHA-256 and
   * size, and its canonical hash and extent, for registering it where it is.
   */
  inspect(request: blobArchiveV1.InspectVisitTableRequest): Promise<blobArchiveV1.InspectVisitTableResponse> {
    return withGrpcErrors(async () => {
      if (!request.fileUrl) throw invalidArgument('file_url is required', 'file_url');
      const table = await StoredTable.open(this.storage, request.fileUrl, undefined, 'file_url');
      try {
        const file = await table.fileDigest();
        const spool = await TableSpool.fromBatches(await table.openBatches(), this.settings.spoolDirectory);
        try {
          const { rowCount, firstDayObs, lastDayObs } = spool.facts;
          return { fileSha256: file.sha256, fileSize: file.size, visitseqSha256: await spool.canonicalSha256(), rowCount, firstDayObs, lastDayObs, format: tableFormatOf(table.format) };
        } finally {
          await spool.release();
        }
      } finally {
        await table.release();
      }
    });
  }

  /** The selected rows and columns of a stored table, as Arrow chunks (DownloadVisitTable). */
  async *download(request: blobArchiveV1.DownloadVisitTableRequest): AsyncGenerator<blobArchiveV1.DownloadVisitTableResponse> {
    for await (const chunk of this.readChunks(request.fileUrl, request.expectedFileSha256, selectionOf(request))) yield { chunk };
  }

  /** The IPC messages of a stored table's selection: as stored when everything is wanted, else re-encoded. */
  async *readMessages(fileUrl: string, expectedFileSha256: Uint8Array | undefined, selection: TableSelection): AsyncGenerator<IpcMessage> {
    const table = await StoredTable.open(this.storage, fileUrl, optionalSha256(expectedFileSha256, 'expected_file_sha256'), 'file_url');
    try {
      const raw = selectsEverything(selection) ? await table.rawMessages() : undefined;
      yield* raw ?? reencodedMessages(table, selection);
    } finally {
      await table.release();
    }
  }

  /** The same as encoded Arrow Flight FlightData messages (DoGet): stored messages are read straight into them. */
  async *readFlightData(fileUrl: string, expectedFileSha256: Uint8Array | undefined, selection: TableSelection): AsyncGenerator<Buffer> {
    const table = await StoredTable.open(this.storage, fileUrl, optionalSha256(expectedFileSha256, 'expected_file_sha256'), 'file_url');
    try {
      const raw = selectsEverything(selection) ? await table.rawMessages(readFlightDataFromFile) : undefined;
      if (raw) {
        for await (const { framed } of raw) yield framed;
      } else {
        for await (const { metadata, body } of reencodedMessages(table, selection)) yield encodeFlightData(metadata, body);
      }
    } finally {
      await table.release();
    }
  }

  /** Arrow chunks of a stored table (its messages, grouped into chunks of about 1 MiB). */
  readChunks(fileUrl: string, expectedFileSha256: Uint8Array | undefined, selection: TableSelection): AsyncGenerator<ArrowChunk> {
    return forwardArrowMessages(this.readMessages(fileUrl, expectedFileSha256, selection));
  }

  /**
   * A stored table converted to a file format, as bytes (ExportVisitTable): pre-encoded
   * ExportVisitTableResponse messages (the service sends these buffers as they are).
   */
  async *export(request: blobArchiveV1.ExportVisitTableRequest): AsyncGenerator<Buffer> {
    const format = exportFormat(request.format, 'format');
    const expected = optionalSha256(request.expectedFileSha256, 'expected_file_sha256');
    const selection = selectionOf(request);
    const table = await StoredTable.open(this.storage, request.fileUrl, expected, 'file_url');
    try {
      // Open once up front so that a bad selection fails before any byte is produced. The first
      // pass reads that stream, unless it reuses buffers (it then holds no file until read) and
      // the pass keeps batches: such a pass opens its own.
      let opened: VisitBatchStream | undefined = await table.openSelection(selection, 'columns', { reuseBuffers: true });
      const open = async (pass: PassOptions = {}) => {
        const usable = opened && (pass.reuseBuffers || !opened.reusesBuffers) ? opened : undefined;
        opened = undefined;
        return usable ?? (await table.openSelection(selection, 'columns', pass));
      };
      yield* bytesFieldResponses(encodeTableFile(format, open, this.settings.spoolDirectory, { chunksCopied: true }), EXPORT_DATA_FIELD, BYTES_PER_MESSAGE);
    } finally {
      await table.release();
    }
  }

  /** The visits of a mixed sequence as Arrow chunks (ReadMixedVisitTable). */
  async *readMixed(request: blobArchiveV1.ReadMixedVisitTableRequest): AsyncGenerator<blobArchiveV1.ReadMixedVisitTableResponse> {
    const mixed = await MixedTable.open(this.storage, request.source, request.columns);
    try {
      const stream = await mixed.open();
      for await (const chunk of encodeArrowChunks(stream.schema, stream)) yield { chunk };
    } finally {
      await mixed.release();
    }
  }

  /** Splices a mixed sequence's visits and stores them (MaterializeMixedVisitTable). */
  materializeMixed(request: blobArchiveV1.MaterializeMixedVisitTableRequest): Promise<blobArchiveV1.MaterializeMixedVisitTableResponse> {
    return withGrpcErrors(async () => {
      if (!request.destination) throw invalidArgument('destination is required', 'destination');
      const destination = request.destination;
      const mixed = await MixedTable.open(this.storage, request.source, request.columns);
      try {
        return await this.storeTable(destination, 'destination', async (alsoWrite) => TableSpool.fromBatches(await mixed.open(), this.settings.spoolDirectory, alsoWrite));
      } finally {
        await mixed.release();
      }
    });
  }

  /** Stores an uploaded Arrow IPC stream (the bytes of its messages) at `destination`. */
  storeUpload(destination: blobArchiveV1.VisitTableDestination, field: string, ipcBytes: AsyncIterable<Uint8Array>, cancelled?: AbortSignal): Promise<StoredTableResult> {
    return withGrpcErrors(() =>
      this.storeTable(destination, field, (alsoWrite) => TableSpool.fromUpload(ipcBytes, this.settings.spoolDirectory, alsoWrite), cancelled),
    );
  }

  /**
   * Stores a table at its destination: the object is begun first (ALREADY_EXISTS before any data
   * is read), the table spooled (and, in the storage format, written on the way), hashed, encoded
   * if stored in another format, and committed last; any failure aborts the write.
   */
  private async storeTable(
    destination: blobArchiveV1.VisitTableDestination,
    field: string,
    receive: (alsoWrite?: StorageSink) => Promise<TableSpool>,
    cancelled?: AbortSignal,
  ): Promise<StoredTableResult> {
    const format = storedFormat(destination.format, `${field}.format`);
    this.storage.checkArchiveRoot(destination.archiveUrl, `${field}.archive_url`);
    const target = this.storage.resolve(
      sequenceFileUrl({
        archiveUrl: destination.archiveUrl,
        telescope: destination.telescope,
        creationDayObs: destination.creationDayObs,
        visitseqUuid: destination.visitseqUuid,
        fileName: destination.fileName || defaultTableFileName(format),
      }),
    );
    const write: ObjectWrite = await target.store.beginWrite(target.url, { overwrite: destination.overwrite });
    let spool: TableSpool | undefined;
    try {
      spool = await receive(format === STORAGE_FORMAT ? write : undefined);
      if (format !== STORAGE_FORMAT) {
        const spooled = spool;
        for await (const bytes of encodeTableFile(format, async () => spooled.open(), this.settings.spoolDirectory)) await write.write(bytes);
      }
      // The hash pass (CPU) overlaps making the written bytes durable (I/O).
      const [visitseqSha256] = await Promise.all([spool.canonicalSha256(), write.prepare()]);
      const stored = await write.commit({ signal: cancelled });
      const { rowCount, firstDayObs, lastDayObs, columns } = spool.facts;
      return { visitseqSha256, fileSha256: stored.sha256, fileSize: stored.size, fileUrl: stored.url, rowCount, firstDayObs, lastDayObs, columns };
    } catch (error) {
      await write.abort();
      throw error;
    } finally {
      await spool?.release();
    }
  }
}

/** A selection of a table decoded, then encoded again as IPC messages of ~1 MiB batches. */
async function* reencodedMessages(table: StoredTable, selection: TableSelection): AsyncGenerator<IpcMessage> {
  const stream = await table.openSelection(selection);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for await (const chunk of encodeArrowChunks(stream.schema, stream)) yield chunk.ipcBytes;
  }
  yield* readIpcMessages(bytes());
}

/**
 * A mixed sequence's two stored parents, verified, and how to splice them: the early parent's
 * visits through last_early_day_obs (from the range's first night), then the late parent's from
 * first_late_day_obs (to the range's last night).
 */
class MixedTable {
  private constructor(
    private readonly early: StoredTable,
    private readonly late: StoredTable,
    private readonly earlySelection: TableSelection,
    private readonly lateSelection: TableSelection,
    private readonly schema: Schema,
  ) {}

  static async open(storage: ArchiveStorage, source: blobArchiveV1.MixedVisitTableSource | undefined, requestedColumns: string[]): Promise<MixedTable> {
    if (!source) throw invalidArgument('source is required', 'source');
    const lastEarly = requireDayObs(source.lastEarlyDayObs, 'source.last_early_day_obs');
    const firstLate = requireDayObs(source.firstLateDayObs, 'source.first_late_day_obs');
    if (nightOfDayObs(lastEarly) >= nightOfDayObs(firstLate)) {
      throw invalidArgument('source.last_early_day_obs must be earlier than source.first_late_day_obs', 'source.last_early_day_obs');
    }
    const earlySha = optionalSha256(source.earlyParentFileSha256, 'source.early_parent_file_sha256');
    const lateSha = optionalSha256(source.lateParentFileSha256, 'source.late_parent_file_sha256');
    const early = await withGrpcErrors(() => StoredTable.open(storage, source.earlyParentUrl, earlySha, 'source.early_parent_url'));
    let late: StoredTable | undefined;
    try {
      late = await withGrpcErrors(() => StoredTable.open(storage, source.lateParentUrl, lateSha, 'source.late_parent_url'));
      const [earlySchema, lateSchema] = await Promise.all([schemaOf(early), schemaOf(late)]);
      const columns = requestedColumns.length > 0 ? requestedColumns : earlySchema.fields.map((f) => f.name).filter((name) => lateSchema.fields.some((f) => f.name === name));
      const fields = columns.map((name) => {
        const earlyField = earlySchema.fields.find((f) => f.name === name);
        const lateField = lateSchema.fields.find((f) => f.name === name);
        if (!earlyField || !lateField) throw invalidArgument(`columns: ${JSON.stringify(name)} is missing from the ${earlyField ? 'late' : 'early'} parent`, 'columns', 'UNKNOWN_COLUMN');
        if (!util.compareTypes(earlyField.type as DataType, lateField.type as DataType)) {
          throw failedPrecondition(`column ${JSON.stringify(name)} is ${earlyField.type} in the early parent but ${lateField.type} in the late one`, 'INCOMPATIBLE_COLUMN_TYPES');
        }
        return new Field(name, earlyField.type, earlyField.nullable || lateField.nullable, earlyField.metadata);
      });
      const range = source.dayObsRange;
      return new MixedTable(
        early,
        late,
        { columns, firstDayObs: range?.firstDayObs, lastDayObs: lastEarly },
        { columns, firstDayObs: firstLate, lastDayObs: range?.lastDayObs },
        new Schema(fields),
      );
    } catch (error) {
      await early.release();
      await late?.release();
      throw error;
    }
  }

  /** The spliced visits under one schema. */
  async open(): Promise<VisitBatchStream> {
    const early = await this.early.openSelection(this.earlySelection);
    const late = await this.late.openSelection(this.lateSelection);
    const schema = this.schema;
    async function* batches(): AsyncGenerator<RecordBatch> {
      for await (const batch of early) yield new RecordBatch(schema, batch.data);
      for await (const batch of late) yield new RecordBatch(schema, batch.data);
    }
    return batchStream(schema, batches());
  }

  async release(): Promise<void> {
    await Promise.all([this.early.release(), this.late.release()]);
  }
}

async function schemaOf(table: StoredTable): Promise<Schema> {
  const stream = await table.openBatches();
  const schema = stream.schema;
  await stream[Symbol.asyncIterator]().return?.();
  return schema;
}

