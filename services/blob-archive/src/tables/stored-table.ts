import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { DataType, RecordBatch, Schema } from 'apache-arrow';
import { failedPrecondition, GrpcError, invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveStorage, LocalSnapshot, readWholeSmallFile, sha256OfLocalFile, verifySha256, WholeSmallFile } from '@visitsarch/storage';
import { batchStream, formatFromMagic, openVisitTable, PassOptions, VisitBatchStream, VisitTableFormat } from '@visitsarch/visit-tables';
import { status } from '@grpc/grpc-js';
import { nightOfDayObs } from '@visitsarch/day-obs';
import { dayObsRange } from '@visitsarch/validation';
import { IpcMessage, readIpcMessagesFromFile, StoredStream } from '@visitsarch/arrow-ipc';
import type { typeV1 } from '@visitsarch/contracts';
import { DayNumberRange, DayObsSource, dayObsSourceOf, rowsInRange } from '../arrow/day-obs';
import type { Message } from 'apache-arrow';

/** Which rows and columns of a stored table a request wants. */
export interface TableSelection {
  /** Column names in the order wanted; empty: all, in stored order. */
  columns: readonly string[];
  /** Inclusive `YYYY-MM-DD`/`YYYYMMDD` bounds; empty or missing: unbounded. */
  firstDayObs?: string;
  lastDayObs?: string;
}

/** The selection of a request (or a Flight ticket) naming columns and a day_obs range. */
export function selectionOf(request: { columns: readonly string[]; dayObsRange?: typeV1.DayObsRange }): TableSelection {
  return { columns: request.columns ?? [], firstDayObs: request.dayObsRange?.firstDayObs, lastDayObs: request.dayObsRange?.lastDayObs };
}

/**
 * A stored visit table, pinned (a local snapshot) and verified against the expected file hash.
 * Decoded reads (selections, conversions, splices) wait for the verification before decoding
 * anything. Forwarding the stored messages as they are ({@link rawMessages}) runs alongside it
 * (a worker thread hashes while the messages go out) and holds back the last message until the
 * hash matched: a stream that ends normally carried exactly the recorded bytes; a mismatch ends
 * it with DATA_LOSS instead (docs/decisions/0011-streaming-throughput.md). A small table (at most
 * 8 MiB, as a pre-night simulation's) is read whole once, and hashed and forwarded from memory.
 */
export class StoredTable {
  private constructor(
    readonly url: string,
    readonly format: VisitTableFormat,
    private readonly snapshot: LocalSnapshot,
    private readonly verification: Verification,
    /** The stored bytes, read whole, if the table is small. */
    private readonly whole?: WholeSmallFile,
  ) {}

  /** Pins the object at `url` and starts verifying it (NOT_FOUND, DATA_LOSS, UNIMPLEMENTED for unreadable formats). */
  static async open(storage: ArchiveStorage, url: string, expectedSha256: Uint8Array | undefined, field: string): Promise<StoredTable> {
    const resolved = storage.resolve(url, field);
    const snapshot = await resolved.store.snapshot(resolved.url);
    let whole: WholeSmallFile | undefined;
    let verification: Verification | undefined;
    try {
      whole = await readWholeSmallFile(snapshot.path, snapshot.size);
      verification = verify(resolved.url, snapshot, expectedSha256, whole?.bytes);
      const format = whole ? formatFromMagic(whole.bytes.subarray(0, 16)) : await detectFormat(snapshot.path);
      if (!format) {
        await verification.done; // a damaged object is DATA_LOSS, not an unknown format
        throw new GrpcError(status.UNIMPLEMENTED, `${resolved.url} is not a visit table in a format this service reads`, { reason: 'UNKNOWN_TABLE_FORMAT' });
      }
      return new StoredTable(resolved.url, format, snapshot, verification, whole);
    } catch (error) {
      verification?.cancel();
      whole?.release();
      await snapshot.release();
      throw error;
    }
  }

  /** All rows and columns, as stored, once verified (`pass`: what the consumer allows, PassOptions). */
  async openBatches(pass: PassOptions = {}): Promise<VisitBatchStream> {
    await this.verification.done;
    return openVisitTable(this.snapshot.path, { format: this.format, ...pass });
  }

  /**
   * The stored IPC messages of a table stored as an Arrow IPC stream without dictionary-encoded
   * columns (which the contract does not let us send), to forward without decoding, the last
   * one only once the object is verified; otherwise undefined.
   */
  async rawMessages(): Promise<AsyncIterable<IpcMessage> | undefined>;
  /** The same, each message read by `read` (e.g. straight into an encoded FlightData). */
  async rawMessages<M extends { message: Message }>(read: (stream: StoredStream) => AsyncGenerator<M>): Promise<AsyncIterable<M> | undefined>;
  async rawMessages(read: (stream: StoredStream) => AsyncGenerator<{ message: Message }> = readIpcMessagesFromFile): Promise<AsyncIterable<{ message: Message }> | undefined> {
    if (this.format !== 'arrow-stream') return undefined;
    const messages = read(this.whole?.bytes ?? this.snapshot.path)[Symbol.asyncIterator]();
    let first: IteratorResult<{ message: Message }>;
    try {
      first = await messages.next();
    } catch (error) {
      await this.verification.done;
      throw error;
    }
    const schema = first.done ? undefined : first.value.message;
    if (!schema?.isSchema() || schema.header().fields.some((field) => DataType.isDictionary(field.type))) {
      await messages.return?.(undefined);
      return undefined;
    }
    return verifiedBeforeEnd(first.value, messages, this.verification.done);
  }

  /** The selected rows and columns (INVALID_ARGUMENT for unknown columns, FAILED_PRECONDITION for a day_obs filter without nights). */
  async openSelection(selection: TableSelection, columnsField = 'columns', pass: PassOptions = {}): Promise<VisitBatchStream> {
    const stream = await this.openBatches(pass);
    return selectRows(stream, selection, columnsField);
  }

  /** The SHA-256 and size of the pinned bytes (what a record of them keeps, to verify every later read). */
  async fileDigest(): Promise<{ sha256: Buffer; size: number }> {
    const sha256 = this.snapshot.sha256 ?? (this.whole ? sha256Of(this.whole.bytes) : await sha256OfLocalFile(this.snapshot.path, this.snapshot.size).digest);
    return { sha256, size: this.snapshot.size };
  }

  release(): Promise<void> {
    this.verification.cancel();
    this.whole?.release();
    return this.snapshot.release();
  }
}

/** A running check of a snapshot against its recorded SHA-256: `done` rejects with ChecksumMismatchError. */
interface Verification {
  readonly done: Promise<void>;
  cancel(): void;
}

/** Verifies the snapshot's bytes: `bytes` when it was read whole, else its file. */
function verify(url: string, snapshot: LocalSnapshot, expected: Uint8Array | undefined, bytes?: Uint8Array): Verification {
  let cancel = () => {};
  let digest: Promise<Uint8Array>;
  if (!expected || expected.byteLength === 0) digest = Promise.resolve(new Uint8Array(0));
  else if (snapshot.sha256) digest = Promise.resolve(snapshot.sha256);
  else if (bytes) digest = Promise.resolve(sha256Of(bytes));
  else ({ digest, cancel } = sha256OfLocalFile(snapshot.path, snapshot.size));
  const done = digest.then((actual) => verifySha256(url, actual, expected));
  done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return { done, cancel };
}

function sha256Of(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** `first`, then the rest of `messages`, the last one held back until `verified` resolves (or its error thrown instead). */
async function* verifiedBeforeEnd<M>(first: M, messages: AsyncIterator<M>, verified: Promise<void>): AsyncGenerator<M> {
  let held = first;
  try {
    for (let next = await messages.next(); !next.done; next = await messages.next()) {
      yield held;
      held = next.value;
    }
  } catch (error) {
    await verified; // a damaged object is DATA_LOSS, whatever broke in its bytes
    throw error;
  } finally {
    await messages.return?.(undefined);
  }
  await verified;
  yield held;
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
  // The parts are views of the batches: they live in the same reused memory, if it is.
  return { ...batchStream(schema as Schema, batches()), reusesBuffers: stream.reusesBuffers };
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
  const { first, last } = dayObsRange(selection, 'day_obs_range');
  return { first: first === undefined ? undefined : nightOfDayObs(first), last: last === undefined ? undefined : nightOfDayObs(last) };
}
