/**
 * Pre-encoded responses (GrpcServiceOptions.preEncodedResponses) whose buffers are reused.
 *
 * grpc-js copies every response into a frame of its own (a 5-byte prefix, then the message)
 * synchronously, right after calling the method's serializer. A buffer handed to it as an
 * already-encoded message is therefore free again as soon as the serializer has seen it: taking
 * buffers from {@link EncodedResponseBuffers} instead of allocating one per message halves what
 * a large stream allocates (and the garbage collections that external memory triggers).
 */

const SERIALIZED = Symbol('visitsarch.grpc-server.serialized');

type Reusable = Buffer & { [SERIALIZED]?: () => void };

/** Called by the serializer of pre-encoded responses when grpc-js takes `encoded` (it copies it next). */
export function markSerialized(encoded: Buffer): void {
  const reusable = encoded as Reusable;
  const release = reusable[SERIALIZED];
  reusable[SERIALIZED] = undefined;
  release?.();
}

/** Backing stores are rounded up to this, so that messages of slightly different sizes share them. */
const GRANULE_BYTES = 64 * 1024;

/**
 * Buffers for the pre-encoded messages of one stream, each back in the pool once serialized.
 * A buffer that is never serialized (the call ended first) is simply left to the garbage collector.
 */
export class EncodedResponseBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** `keep`: how many free backing stores the pool holds on to at most. */
  constructor(private readonly keep = 8) {}

  /** A buffer of exactly `size` bytes (contents undefined), to be sent as a pre-encoded response. */
  take(size: number): Buffer {
    const index = this.free.findIndex((backing) => backing.byteLength >= size);
    const backing = index >= 0 ? this.free.splice(index, 1)[0] : new ArrayBuffer(Math.ceil(Math.max(size, 1) / GRANULE_BYTES) * GRANULE_BYTES);
    const buffer = Buffer.from(backing, 0, size) as Reusable;
    buffer[SERIALIZED] = () => {
      if (this.free.length < this.keep) this.free.push(backing);
    };
    return buffer;
  }
}
