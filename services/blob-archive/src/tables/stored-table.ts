import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { DataType, RecordBatch, Schema } from 'apache-arrow';
import { failedPrecondition, GrpcError, invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveStorage, LocalSnapshot, sha256OfFile, verifySha256 } from '@visitsarch/storage';
import { batchStream, formatFromMagic, openVisitTable, VisitBatchStream, VisitTableFormat } from '@visitsarch/visit-tables';
import { status } from '@grpc/grpc-js';
import { dayNumberOf, DayNumberRange, DayObsSource, dayObsSourceOf, rowsInRange } from '../arrow/day-obs';
import { IpcMessage, readIpcMessages } from '../arrow/ipc-messages';

/** Which rows and columns of a stored table a request wants. */
export interface TableSelection {
  /** Column names in the order wanted; empty: all, in stored order. */
  columns: readonly string[];
  /** Inclusive `YYYY-MM-DD`/`YYYYMMDD` bounds; empty or missing: unbounded. */
  firstDayObs?: string;
  lastDayObs?: string;
}

/**
 * A stored visit table, pinned (a local snapshot) and verified against the expected file hash
 * before anything is read from it, so no row of a corrupted object is ever decoded or sent.
 */
export class StoredTable {
  private constructor(
    readonly url: string,
    readonly format: VisitTableFormat,
    private readonly snapshot: LocalSnapshot,
  ) {}

  /** Pins and verifies the object at `url` (NOT_FOUND, DATA_LOSS, UNIMPLEMENTED for unreadable formats). */
  static async open(storage: ArchiveStorage, url: string, expectedSha256: Uint8Array | undefined, field: string): Promise<StoredTable> {
    const resolved = storage.resolve(url, field);
    const snapshot = await resolved.store.snapshot(resolved.url);
    try {
      if (expectedSha256) verifySha256(resolved.url, snapshot.sha256 ?? (await sha256OfFile(snapshot.path)).sha256, expectedSha256);
      const format = await detectFormat(snapshot.path);
      if (!format) throw new GrpcError(status.UNIMPLEMENTED, `${resolved.url} is not a visit table in a format this service reads`, { reason: 'UNKNOWN_TABLE_FORMAT' });
      return new StoredTable(resolved.url, format, snapshot);
    } catch (error) {
      await snapshot.release();
      throw error;
    }
  }

  /** All rows and columns, as stored. */
  openBatches(): Promise<VisitBatchStream> {
    return openVisitTable(this.snapshot.path, { format: this.format });
  }

  /**
   * The raw IPC messages of a table stored as an Arrow IPC stream without dictionary-encoded
   * columns (which the contract does not let us send), to forward without decoding; otherwise
   * undefined.
   */
  async rawMessages(): Promise<AsyncIterable<IpcMessage> | undefined> {
    if (this.format !== 'arrow-stream') return undefined;
    const stream = await this.openBatches();
    const plain = !stream.schema.fields.some((field) => DataType.isDictionary(field.type));
    await stream[Symbol.asyncIterator]().return?.();
    if (!plain) return undefined;
    // Large reads: a message straddling two reads costs a copy.
    return readIpcMessages(fs.createReadStream(this.snapshot.path, { highWaterMark: 8 * 1024 * 1024 }));
  }

  /** The selected rows and columns (INVALID_ARGUMENT for unknown columns, FAILED_PRECONDITION for a day_obs filter without nights). */
  async openSelection(selection: TableSelection, columnsField = 'columns'): Promise<VisitBatchStream> {
    const stream = await this.openBatches();
    return selectRows(stream, selection, columnsField);
  }

  release(): Promise<void> {
    return this.snapshot.release();
  }
}

async function detectFormat(path: string): Promise<VisitTableFormat | undefined> {
  const handle = await fsp.open(path, 'r');
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    return formatFromMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** True if the selection asks for everything (the stored bytes can be forwarded as they are). */
export function selectsEverything(selection: TableSelection): boolean {
  return selection.columns.length === 0 && !selection.firstDayObs && !selection.lastDayObs;
}

/** Applies a selection to a stream of batches: projection, then the day_obs filter. */
export function selectRows(stream: VisitBatchStream, selection: TableSelection, columnsField = 'columns'): VisitBatchStream {
  const indices = columnIndices(stream.schema, selection.columns, columnsField);
  const range = dayRange(selection);
  let source: DayObsSource | undefined;
  if (range) {
    source = dayObsSourceOf(stream.schema);
    if (!source) {
      throw failedPrecondition('a day_obs range was given, but the table has no day_obs, observationStartMJD or obs_start_mjd column', 'NO_DAY_OBS_COLUMN');
    }
  }
  const schema = indices ? stream.schema.selectAt(indices) : stream.schema;
  async function* batches(): AsyncGenerator<RecordBatch> {
    for await (const batch of stream) {
      const parts = range ? rowsInRange(batch, source!, range) : [batch];
      for (const part of parts) yield indices ? part.selectAt(indices) : part;
    }
  }
  return batchStream(schema as Schema, batches());
}

function columnIndices(schema: Schema, columns: readonly string[], field: string): number[] | undefined {
  if (columns.length === 0) return undefined;
  const seen = new Set<string>();
  return columns.map((name) => {
    if (seen.has(name)) throw invalidArgument(`${field}: column ${JSON.stringify(name)} is requested twice`, field);
    seen.add(name);
    const index = schema.fields.findIndex((f) => f.name === name);
    if (index < 0) throw invalidArgument(`${field}: the table has no column ${JSON.stringify(name)}`, field, 'UNKNOWN_COLUMN');
    return index;
  });
}

function dayRange(selection: TableSelection): DayNumberRange | undefined {
  if (!selection.firstDayObs && !selection.lastDayObs) return undefined;
  const parse = (text: string | undefined, field: string) => {
    if (!text) return undefined;
    try {
      return dayNumberOf(text);
    } catch (error) {
      throw invalidArgument(`${field}: ${(error as Error).message}`, field);
    }
  };
  const range = { first: parse(selection.firstDayObs, 'day_obs_range.first_day_obs'), last: parse(selection.lastDayObs, 'day_obs_range.last_day_obs') };
  if (range.first !== undefined && range.last !== undefined && range.last < range.first) {
    throw invalidArgument('day_obs_range: last_day_obs is earlier than first_day_obs', 'day_obs_range');
  }
  return range;
}
