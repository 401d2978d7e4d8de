import * as grpc from '@grpc/grpc-js';
import { protobufVarint } from '@visitsarch/contracts';
import { FRAME_PREFIX_BYTES, framableIfReceived, frameOf, markFramable, receivedBytesFieldMessage, releaseFramable, sendFramableMessagesInPlace } from './framed-messages';

/** `size` bytes of a recognisable pattern, after `room` bytes of 0xee, as a view past the room. */
function withRoom(size: number, room = FRAME_PREFIX_BYTES, seed = 1): Buffer {
  const backing = Buffer.alloc(room + size, 0xee);
  for (let i = 0; i < size; i++) backing[room + i] = (i * 31 + seed) % 251;
  return backing.subarray(room);
}

/** The 5 bytes before `message` in its buffer. */
const prefixBefore = (message: Buffer) => Buffer.from(message.buffer, message.byteOffset - FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES);
/** Whether `frameOf` framed `message` where it lies (small copies may share Node's pool buffer, so `.buffer` alone does not tell). */
const framedInPlace = (message: Buffer) => {
  const frame = frameOf(message);
  return frame.buffer === message.buffer && frame.byteOffset === message.byteOffset - FRAME_PREFIX_BYTES;
};
/** `bytes` copied into an ArrayBuffer of exactly their size (Buffer.concat may put small ones in Node's pool). */
const ownBuffer = (bytes: Buffer) => {
  const own = Buffer.alloc(bytes.length);
  bytes.copy(own);
  return own;
};
/** `message` as grpc-js hands over one it received: a view just after its prefix, the two filling a buffer of their own. */
const framedAsReceived = (message: Buffer) => ownBuffer(Buffer.concat([expectedPrefix(message.length), message])).subarray(FRAME_PREFIX_BYTES);
const expectedPrefix = (length: number) => Buffer.from([0, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);

describe('frameOf', () => {
  it('frames a framable message in place: a view of the prefix written before it and the message', () => {
    const message = markFramable(withRoom(1000));
    const frame = frameOf(message);
    expect(frame.buffer).toBe(message.buffer);
    expect(frame.byteOffset).toBe(message.byteOffset - FRAME_PREFIX_BYTES);
    expect(frame.subarray(0, FRAME_PREFIX_BYTES)).toEqual(expectedPrefix(1000));
    expect(frame.subarray(FRAME_PREFIX_BYTES)).toEqual(message);
  });

  it('copies any other message into a frame of its own, as grpc-js does', () => {
    const message = withRoom(300);
    const frame = frameOf(message);
    expect(framedInPlace(message)).toBe(false);
    expect(prefixBefore(message)).toEqual(Buffer.alloc(FRAME_PREFIX_BYTES, 0xee)); // untouched
    expect(frame).toEqual(Buffer.concat([expectedPrefix(300), message]));
  });

  it('refuses to mark a message without room before it', () => {
    expect(() => markFramable(withRoom(10, 4))).toThrow(/5 bytes before it/);
  });
});

describe('framableIfReceived', () => {
  it('marks a message that fills a buffer of its own after its own uncompressed prefix, and nothing else', () => {
    expect(framedInPlace(framableIfReceived(framedAsReceived(withRoom(200, 0))))).toBe(true);
    const compressed = Buffer.concat([Buffer.from([1]), expectedPrefix(200).subarray(1), withRoom(200, 0)]);
    expect(framedInPlace(framableIfReceived(ownBuffer(compressed).subarray(FRAME_PREFIX_BYTES)))).toBe(false);
    const otherLength = Buffer.concat([expectedPrefix(199), withRoom(200, 0)]);
    expect(framedInPlace(framableIfReceived(ownBuffer(otherLength).subarray(FRAME_PREFIX_BYTES)))).toBe(false);
    // In a buffer shared with other bytes (Node's pool holds small messages), even after a matching prefix.
    const shared = ownBuffer(Buffer.concat([expectedPrefix(200), withRoom(200, 0), Buffer.alloc(10)]));
    expect(framedInPlace(framableIfReceived(shared.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + 200)))).toBe(false);
    expect(framedInPlace(framableIfReceived(withRoom(10, 0)))).toBe(false);
  });
});

describe('releaseFramable', () => {
  it('runs `sent` once, however often it is called', () => {
    const sent = jest.fn();
    const message = markFramable(withRoom(10), sent);
    releaseFramable(message);
    releaseFramable(message);
    releaseFramable(withRoom(10)); // not framable: nothing to run
    expect(sent).toHaveBeenCalledTimes(1);
  });
});

describe('grpc-js sending framable messages in place', () => {
  const asIs = (bytes: Buffer) => bytes;
  const method = (requestStream: boolean, responseStream: boolean, path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
    path,
    requestStream,
    responseStream,
    requestSerialize: asIs,
    requestDeserialize: framableIfReceived,
    responseSerialize: asIs,
    responseDeserialize: framableIfReceived,
  });
  const service = {
    Download: method(false, true, '/test.Framed/Download'),
    Upload: method(true, false, '/test.Framed/Upload'),
    Endless: method(false, true, '/test.Framed/Endless'),
  };
  /** Per message the Endless handler sent and released: whether the call was cancelled by then. */
  const releasedAfterCancel: boolean[] = [];
  let endlessEnded: () => void = () => undefined;
  const sizes = [1, 1000, 200_000, 1 << 20, 70_000];
  let server: grpc.Server;
  let client: grpc.Client;
  const sentResponses: Buffer[] = [];
  const releasedInsideWrite: boolean[] = [];
  const uploads: Buffer[][] = [];

  beforeAll(async () => {
    expect(sendFramableMessagesInPlace()).toBe(true);
    server = new grpc.Server();
    server.addService(service, {
      Download: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        let insideWrite = false;
        sizes.forEach((size, index) => {
          const response = markFramable(withRoom(size, FRAME_PREFIX_BYTES, index), () => releasedInsideWrite.push(insideWrite));
          sentResponses.push(response);
          // grpc-js frames (and used to copy) a response inside write(); the socket write completes later.
          insideWrite = true;
          call.write(response);
          insideWrite = false;
        });
        call.end();
      },
      Endless: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        // 1 MiB messages as fast as the client takes them, until it cancels.
        const next = () => {
          while (!call.cancelled) {
            const message = markFramable(withRoom(1 << 20), () => releasedAfterCancel.push(call.cancelled));
            if (!call.write(message)) return void call.once('drain', next);
          }
          setTimeout(() => endlessEnded(), 200);
        };
        call.on('cancelled', () => setTimeout(() => endlessEnded(), 200));
        next();
      },
      Upload: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const received: Buffer[] = [];
        call.on('data', (message: Buffer) => received.push(Buffer.from(message)));
        call.on('end', () => {
          uploads.push(received);
          callback(null, markFramable(withRoom(3)));
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it("sends a server's framable responses in place, intact, and releases each once written", async () => {
    const received: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.makeServerStreamRequest('/test.Framed/Download', asIs, framableIfReceived, Buffer.alloc(0));
      call.on('data', (message: Buffer) => received.push(message));
      call.on('error', reject);
      call.on('end', resolve);
    });
    expect(received.map((message) => message.length)).toEqual(sizes);
    received.forEach((message, index) => expect(message.equals(sentResponses[index])).toBe(true));
    // grpc-js framed each response where it lay: the prefix is written in the room before it.
    for (const response of sentResponses) expect(prefixBefore(response)).toEqual(expectedPrefix(response.length));
    // Released once its write completed, not when grpc-js framed it (the buffer would be reused too early).
    expect(releasedInsideWrite).toEqual(sizes.map(() => false));
  });

  it('never releases a buffer for reuse once its call was cancelled (part of it may still wait in a socket write)', async () => {
    const ended = new Promise<void>((resolve) => (endlessEnded = resolve));
    await new Promise<void>((resolve) => {
      const call = client.makeServerStreamRequest('/test.Framed/Endless', asIs, framableIfReceived, Buffer.alloc(0));
      let received = 0;
      call.on('data', () => {
        if (++received === 3) {
          call.cancel();
          resolve();
        }
      });
      call.on('error', () => undefined); // CANCELLED
    });
    await ended;
    expect(releasedAfterCancel.length).toBeGreaterThanOrEqual(2);
    expect(releasedAfterCancel.filter((cancelled) => cancelled)).toEqual([]);
  });

  it("sends a client's framable requests in place, intact", async () => {
    const requests = sizes.map((size, index) => markFramable(withRoom(size, FRAME_PREFIX_BYTES, index + 7)));
    const response = await new Promise<Buffer>((resolve, reject) => {
      const call = client.makeClientStreamRequest('/test.Framed/Upload', asIs, framableIfReceived, (error, value) => (error ? reject(error) : resolve(value!)));
      for (const request of requests) call.write(request);
      call.end();
    });
    expect(response.length).toBe(3);
    expect(uploads.at(-1)!.map((message) => message.length)).toEqual(sizes);
    uploads.at(-1)!.forEach((message, index) => expect(message.equals(requests[index])).toBe(true));
    for (const request of requests) expect(prefixBefore(request)).toEqual(expectedPrefix(request.length));
  });
});

describe('receivedBytesFieldMessage', () => {
  const received = framedAsReceived;
  const bytesField = (field: number, data: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2]), Buffer.from(protobufVarint(data.length)), data]);

  it('gives the whole received message, framable, when it is exactly that bytes field', () => {
    for (const size of [0, 5, 127, 128, 300_000]) {
      const data = withRoom(size, 0);
      const message = received(bytesField(1, data));
      const dataView = message.subarray(message.length - size);
      const whole = receivedBytesFieldMessage(dataView, 1);
      expect(whole?.equals(message)).toBe(true);
      expect(framedInPlace(whole!)).toBe(true);
    }
  });

  it('declines a message with anything else in it, another field number, or bytes not received', () => {
    const data = withRoom(200, 0);
    const withMore = received(Buffer.concat([bytesField(1, data), Buffer.from([0x12, 0x01, 0x41])])); // a media_type after the data
    expect(receivedBytesFieldMessage(withMore.subarray(withMore.length - 203, withMore.length - 3), 1)).toBeUndefined();
    const withBefore = received(Buffer.concat([Buffer.from([0x12, 0x01, 0x41]), bytesField(1, data)]));
    expect(receivedBytesFieldMessage(withBefore.subarray(withBefore.length - 200), 1)).toBeUndefined();
    const other = received(bytesField(2, data));
    expect(receivedBytesFieldMessage(other.subarray(other.length - 200), 1)).toBeUndefined();
    expect(receivedBytesFieldMessage(withRoom(200, 16), 1)).toBeUndefined();
  });
});
