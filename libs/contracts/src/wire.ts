/**
 * The one piece of protobuf's wire format the archive writes by hand: varints (tags and lengths),
 * for messages serialized without the generated encoders (pre-encoded responses and requests
 * whose bytes are written straight into their buffers).
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
