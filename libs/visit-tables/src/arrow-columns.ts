/**
 * Low-level access to the buffers of Arrow columns, shared by the hash and the writers, so
 * that hot loops read typed arrays directly instead of boxing every value.
 *
 * apache-arrow JS conventions (checked in tests): after slicing, fixed-width `values` and
 * `valueOffsets` are already sliced (row i is at index i), while bit-packed buffers (null
 * bitmaps, boolean values) and the UTF-8 byte buffer are not: bit i is at `data.offset + i`.
 */
import { TextDecoder } from 'node:util';
import { Data, DataType, Type } from 'apache-arrow';

/** True if row i of the data is not null. */
export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const bit = data.offset + i;
  return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** True if the data holds at least one null. */
export function hasNulls(data: Data): boolean {
  return !!data.nullBitmap && data.nullBitmap.length > 0 && data.nullCount > 0;
}

/** The value of row i of a boolean column (ignoring validity). */
export function boolAt(data: Data, i: number): boolean {
  const bit = data.offset + i;
  return (data.values[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** True for the Arrow types read as text: Utf8, LargeUtf8 and dictionaries of them. */
export function isTextType(type: DataType): boolean {
  if (DataType.isDictionary(type)) return isTextType(type.dictionary);
  return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
}

/**
 * A reader of UTF-8 values of a text column: `bytes` is the buffer and `start(i)`/`end(i)`
 * bound row i (null rows give an empty range), without creating JS strings.
 */
export interface Utf8Rows {
  bytes: Uint8Array;
  start(i: number): number;
  end(i: number): number;
}

export function utf8Rows(data: Data): Utf8Rows {
  if (DataType.isDictionary(data.type)) {
    // A dictionary vector may have several chunks (deltas); indices address them globally.
    const values = dictionaryText(data.dictionary!.data);
    const indices = data.values as ArrayLike<number | bigint>;
    return {
      bytes: values.bytes,
      start: (i) => (isValidAt(data, i) ? values.start(Number(indices[i])) : 0),
      end: (i) => (isValidAt(data, i) ? values.end(Number(indices[i])) : 0),
    };
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const nulls = hasNulls(data);
  if (offsets instanceof BigInt64Array) {
    return {
      bytes,
      start: (i) => (nulls && !isValidAt(data, i) ? 0 : Number(offsets[i])),
      end: (i) => (nulls && !isValidAt(data, i) ? 0 : Number(offsets[i + 1])),
    };
  }
  return {
    bytes,
    start: (i) => (nulls && !isValidAt(data, i) ? 0 : offsets[i]),
    end: (i) => (nulls && !isValidAt(data, i) ? 0 : offsets[i + 1]),
  };
}

/** Dictionary values spread over several Data chunks, addressed by a global index. */
function dictionaryText(chunks: readonly Data[]): Utf8Rows {
  if (chunks.length === 1) return utf8Rows(chunks[0]);
  // Rare (dictionary deltas): copy into one buffer.
  const texts: Uint8Array[] = [];
  for (const chunk of chunks) {
    const rows = utf8Rows(chunk);
    for (let i = 0; i < chunk.length; i++) texts.push(rows.bytes.subarray(rows.start(i), rows.end(i)));
  }
  const offsets = new Int32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) offsets[i + 1] = offsets[i] + texts[i].length;
  const bytes = new Uint8Array(offsets[texts.length]);
  texts.forEach((t, i) => bytes.set(t, offsets[i]));
  return { bytes, start: (i) => offsets[i], end: (i) => offsets[i + 1] };
}

/** Decodes row i of a text column to a JS string (null rows give null). */
export function textAt(rows: Utf8Rows, data: Data, i: number, decoder: TextDecoder): string | null {
  if (!isValidAt(data, i)) return null;
  return decoder.decode(rows.bytes.subarray(rows.start(i), rows.end(i)));
}

/** The number of Unicode code points in UTF-8 bytes [start, end): bytes that are not continuation bytes. */
export function utf8CodePoints(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k++) if ((bytes[k] & 0xc0) !== 0x80) n++;
  return n;
}
