import { EncodedResponseBuffers, markSerialized } from './encoded-responses';

describe('EncodedResponseBuffers', () => {
  it('reuses a buffer once it has been serialized, not before', () => {
    const buffers = new EncodedResponseBuffers();
    const first = buffers.take(1000);
    expect(first.length).toBe(1000);
    const second = buffers.take(1000);
    expect(second.buffer).not.toBe(first.buffer); // the first is still waiting to be sent
    markSerialized(first);
    const third = buffers.take(900);
    expect(third.buffer).toBe(first.buffer);
    expect(third.length).toBe(900);
  });

  it('returns a buffer once however often it is marked, and only to a pool with room', () => {
    const buffers = new EncodedResponseBuffers(1);
    const [a, b] = [buffers.take(10), buffers.take(10)];
    markSerialized(a);
    markSerialized(a);
    markSerialized(b); // the pool keeps one
    const [c, d] = [buffers.take(10), buffers.take(10)];
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    expect(d.buffer).not.toBe(b.buffer);
  });

  it('takes a larger backing store for a larger message, and ignores buffers of no pool', () => {
    const buffers = new EncodedResponseBuffers();
    const small = buffers.take(100);
    markSerialized(small);
    const large = buffers.take(200_000);
    expect(large.buffer).not.toBe(small.buffer);
    expect(large.length).toBe(200_000);
    expect(() => markSerialized(Buffer.alloc(4))).not.toThrow();
  });
});
