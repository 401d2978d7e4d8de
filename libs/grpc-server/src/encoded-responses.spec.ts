import { blobArchiveV1 } from '@visitsarch/contracts';
import { bytesFieldResponses, EncodedResponseBuffers } from './encoded-responses';
import { releaseFramable } from '@visitsarch/grpc-client';

describe('EncodedResponseBuffers', () => {
  it('reuses a buffer once it has been sent, not before', () => {
    const buffers = new EncodedResponseBuffers();
    const first = buffers.take(1000);
    expect(first.length).toBe(1000);
    const second = buffers.take(1000);
    expect(second.buffer).not.toBe(first.buffer); // the first is still waiting to be sent
    releaseFramable(first);
    const third = buffers.take(900);
    expect(third.buffer).toBe(first.buffer);
    expect(third.length).toBe(900);
  });

  it('returns a buffer once however often it is marked, and only to a pool with room', () => {
    const buffers = new EncodedResponseBuffers(1);
    const [a, b] = [buffers.take(10), buffers.take(10)];
    releaseFramable(a);
    releaseFramable(a);
    releaseFramable(b); // the pool keeps one
    const [c, d] = [buffers.take(10), buffers.take(10)];
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    expect(d.buffer).not.toBe(b.buffer);
  });

  it('does not keep backing stores larger than keepBytes', () => {
    const buffers = new EncodedResponseBuffers(8, 100_000);
    const [small, large] = [buffers.take(1000), buffers.take(200_000)];
    releaseFramable(small);
    releaseFramable(large);
    expect(buffers.take(150_000).buffer).not.toBe(large.buffer);
    expect(buffers.take(1000).buffer).toBe(small.buffer);
  });

  it('takes a larger backing store for a larger message, and ignores buffers of no pool', () => {
    const buffers = new EncodedResponseBuffers();
    const small = buffers.take(100);
    releaseFramable(small);
    const large = buffers.take(200_000);
    expect(large.buffer).not.toBe(small.buffer);
    expect(large.length).toBe(200_000);
    expect(() => releaseFramable(Buffer.alloc(4))).not.toThrow();
  });
});

describe('bytesFieldResponses', () => {
  /** A source that hands out `sizes`-long chunks of `bytes`, all in one buffer it overwrites each time. */
  async function* reusing(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
    const buffer = Buffer.alloc(Math.max(...sizes));
    let at = 0;
    for (const size of sizes) {
      bytes.copy(buffer, 0, at, at + size);
      at += size;
      yield buffer.subarray(0, size);
      buffer.fill(0xee); // the consumer must have copied the chunk by now
    }
  }

  it('encodes the stream as messages with one bytes field, each decoding to its part', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 251));
    const sizes = [1, 299, 150, 150, 400]; // crossing message boundaries, and a last message of 100 bytes
    const messages: Buffer[] = [];
    for await (const message of bytesFieldResponses(reusing(bytes, sizes), 1, 300)) {
      messages.push(Buffer.from(message)); // as grpc-js copies it
      releaseFramable(message);
    }
    const data = messages.map((message) => blobArchiveV1.ExportVisitTableResponse.decode(message).data);
    expect(data.map((part) => part.length)).toEqual([300, 300, 300, 100]);
    expect(Buffer.concat(data)).toEqual(bytes);
    // The last message's length takes one byte (100 < 128), the others two.
    expect(messages.map((message) => message.length)).toEqual([303, 303, 303, 102]);
  });

  it('encodes nothing for an empty stream, and other field numbers too', async () => {
    const none: Buffer[] = [];
    for await (const message of bytesFieldResponses(reusing(Buffer.alloc(0), [0]), 1, 10)) none.push(message);
    expect(none).toEqual([]);
    const [message] = await collect(bytesFieldResponses(reusing(Buffer.from('abc'), [3]), 1000, 10));
    expect([...message]).toEqual([0xc2, 0x3e, 3, 0x61, 0x62, 0x63]); // field 1000, wire type 2
  });
});

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}
