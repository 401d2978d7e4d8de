/**
 * The one piece of protobuf's wire format the archive writes and reads by hand: varints (tags and
 * lengths), for messages serialized without the generated encoders (pre-encoded responses and
 * requests whose bytes are written straight into their buffers), and for checking the layout of
 * a message as it arrived (a relay sending it on as it is).
 */

/**
 * `value` (a non-negative integer up to 2^53: a tag, a length or an int64 count) as a protobuf
 * varint, of at least `length` bytes: a longer encoding than needed (continuation bytes of zeros)
 * is a valid varint every protobuf parser reads, and lets a writer place what follows it.
 */
export function protobufVarint(value: number, length = 1): number[] {
  const bytes: number[] = [];
  for (; value >= 0x80 || bytes.length < length - 1; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
  bytes.push(value);
  return bytes;
}

/**
 * The varint at `at` in `bytes` (at most `maxBytes` long; up to 2^53) and where it ends;
 * undefined if none ends within `maxBytes` and `bytes`.
 */
export function readProtobufVarint(bytes: Uint8Array, at: number, maxBytes: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < maxBytes && at + i < bytes.byteLength; i++) {
    const byte = bytes[at + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, next: at + i + 1 };
  }
  return undefined;
}
