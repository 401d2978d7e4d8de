import { Dictionary, Int32, RecordBatchReader, Table, tableFromArrays, tableFromIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { blobArchiveV1, gatewayV1, protobufVarint } from '@visitsarch/contracts';
import { ArrowChunk, ArrowChunkEncoder, chunkRequestBytes, encodeArrowChunks, MAX_CHUNK_BYTES, openArrowChunks, readArrowChunks, receivedChunkRequest, sliceBatch, tableToArrowChunks, TARGET_CHUNK_BYTES } from './index';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* messagesOf(chunks: ArrowChunk[]) {
  for (const chunk of chunks) yield { chunk };
}

const concat = (chunks: ArrowChunk[]) => Buffer.concat(chunks.map((chunk) => chunk.ipcBytes));
const END = [255, 255, 255, 255, 0, 0, 0, 0];

describe('chunk requests serialized by hand', () => {
  const requestTypes = [
    ['AddSimulationRequest', gatewayV1.AddSimulationRequest],
    ['AddCompletedRequest', gatewayV1.AddCompletedRequest],
    ['ArchiveVisitsRequest', gatewayV1.ArchiveVisitsRequest],
  ] as const;

  it.each(requestTypes)('decode as the generated %s decoder reads { chunk } (field 2), the Arrow bytes 8-aligned in a receiving server', async (_name, type) => {
    const n = 200_000;
    const table = tableFromArrays({ mjd: Float64Array.from({ length: n }, (_, i) => 60000 + i / 7), band: Array.from({ length: n }, (_, i) => 'ugrizy'[i % 6]) });
    const empty = tableFromArrays({ x: Float64Array.from([1]) }).slice(0, 0);
    const chunks = [...(await collect(tableToArrowChunks(table))), ...(await collect(tableToArrowChunks(empty)))];
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      const copy = Buffer.from(chunk.ipcBytes);
      const bytes = chunkRequestBytes(chunk, 2);
      expect(Buffer.from(chunk.ipcBytes).equals(copy)).toBe(true); // the framing went around the bytes, not over them
      // As grpc-js gives it to a server: 5 bytes into the buffer of the whole gRPC frame.
      const received = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), bytes]).subarray(5);
      const decoded = type.decode(received).chunk!;
      expect(Buffer.from(decoded.ipcBytes).equals(copy)).toBe(true);
      expect(decoded.rowCount).toBe(chunk.rowCount);
      expect(decoded.ipcBytes.byteOffset % 8).toBe(0);
      // At most a few bytes longer than the generated encoder's, which reads back the same.
      const generated = Buffer.from(type.encode({ chunk: { ipcBytes: copy, rowCount: chunk.rowCount } } as never).finish());
      expect(bytes.length - generated.length).toBeLessThanOrEqual(7);
      expect(type.decode(generated)).toEqual(type.decode(bytes));
    }
  });

  it('leaves room for gRPC\'s prefix before every request, and frames a chunk in place only once', async () => {
    const table = tableFromArrays({ mjd: Float64Array.from({ length: 5000 }, (_, i) => 60000 + i / 7) });
    const [chunk] = await collect(tableToArrowChunks(table));
    const upload = chunkRequestBytes(chunk, 2);
    const before = Buffer.from(upload);
    const hash = chunkRequestBytes(chunk, 1); // another request of the same bytes: copied, not written over the first
    expect(Buffer.from(upload).equals(before)).toBe(true);
    expect(hash.buffer).not.toBe(upload.buffer);
    for (const request of [upload, hash]) expect(request.byteOffset).toBeGreaterThanOrEqual(8);
  });

  it('lets a relay send a received { chunk } request on as it came, and nothing else', async () => {
    const table = tableFromArrays({ mjd: Float64Array.from({ length: 5000 }, (_, i) => 60000 + i / 7) });
    const [chunk] = await collect(tableToArrowChunks(table));
    /** As grpc-js gives a server a message: 5 bytes into the buffer of the whole gRPC frame. */
    const arrived = (bytes: Uint8Array) => Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), bytes]).subarray(5);
    const decodedFrom = (received: Buffer) => gatewayV1.AddSimulationRequest.decode(received).chunk!;

    const received = arrived(chunkRequestBytes(chunk, 2));
    const forwarded = receivedChunkRequest(received, decodedFrom(received), 2)!;
    expect(forwarded.buffer).toBe(received.buffer); // not copied
    expect(forwarded.equals(received)).toBe(true);
    expect(blobArchiveV1.UploadVisitTableRequest.decode(forwarded).chunk).toEqual(decodedFrom(received));

    // Another field number; trailing fields; a chunk decoded from other bytes; the Arrow bytes misaligned.
    expect(receivedChunkRequest(received, decodedFrom(received), 1)).toBeUndefined();
    const trailing = arrived(Buffer.concat([chunkRequestBytes(chunk, 2), Buffer.from([0x0a, 0x00])])); // and a header = 1
    expect(receivedChunkRequest(trailing, decodedFrom(trailing), 2)).toBeUndefined();
    expect(receivedChunkRequest(received, decodedFrom(arrived(chunkRequestBytes(chunk, 2))), 2)).toBeUndefined();
    const generated = arrived(gatewayV1.AddSimulationRequest.encode({ chunk: { ipcBytes: Buffer.from(chunk.ipcBytes), rowCount: chunk.rowCount } } as never).finish());
    expect((5 + decodedFrom(generated).ipcBytes.byteOffset - generated.byteOffset) % 8).not.toBe(0); // the shortest lengths: 1 + 3 + 1 + 3 bytes
    expect(receivedChunkRequest(generated, decodedFrom(generated), 2)).toBeUndefined();
    expect(receivedChunkRequest(undefined, chunk, 2)).toBeUndefined();

    // Inside the chunk, only chunkRequestBytes' layout (ipc_bytes, then row_count if any, nothing
    // else), even when the Arrow bytes are aligned: each request below is built with its two
    // lengths padded so that they are, and decodes to the same chunk.
    const ipcBytes = Buffer.from(chunk.ipcBytes);
    const build = (before: number[], after: number[], outerLength = (n: number) => n) => {
      for (const outerSize of [1, 2, 3, 4, 5]) {
        for (const ipcSize of [2, 3, 4, 5]) {
          const inner = [...before, 0x0a, ...protobufVarint(ipcBytes.length, ipcSize)];
          if ((5 + 1 + outerSize + inner.length) % 8 !== 0) continue;
          const length = inner.length + ipcBytes.length + after.length;
          const request = arrived(Buffer.concat([Buffer.from([0x12, ...protobufVarint(outerLength(length), outerSize), ...inner]), ipcBytes, Buffer.from(after)]));
          return { request, chunk: decodedFrom(request) };
        }
      }
      throw new Error('no aligned layout');
    };
    const rowCount = [0x10, ...protobufVarint(chunk.rowCount)];
    const ok = build([], rowCount);
    expect(receivedChunkRequest(ok.request, ok.chunk, 2)).toBeDefined(); // the builder's own layout passes
    for (const { request, chunk: decoded } of [
      build(rowCount, []), // row_count first
      build([], [...rowCount, 0x18, 0x01]), // an unknown field after it
      build([], [0x0a, 0x00]), // ipc_bytes again
    ]) expect(receivedChunkRequest(request, decoded, 2)).toBeUndefined();
  });

  it('copies bytes the encoder did not make (no room around them to write into)', () => {
    const backing = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const chunk = { ipcBytes: backing.subarray(4, 8), rowCount: 300 };
    const bytes = chunkRequestBytes(chunk, 2);
    expect(gatewayV1.AddSimulationRequest.decode(bytes).chunk).toEqual({ ipcBytes: Buffer.from([5, 6, 7, 8]), rowCount: 300 });
    expect([...backing]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('encoding', () => {
  it('cuts a large table into chunks of about 1 MiB of whole messages, schema first, end marker last', async () => {
    const n = 300_000;
    const table = tableFromArrays({ mjd: Float64Array.from({ length: n }, (_, i) => 60000 + i / 1000), night: Int32Array.from({ length: n }, (_, i) => i % 365) });
    const chunks = await collect(tableToArrowChunks(table));
    expect(chunks.length).toBe(4); // 3.6 MB of buffers
    for (const chunk of chunks) expect(chunk.ipcBytes.byteLength).toBeLessThan(TARGET_CHUNK_BYTES * 1.1);
    expect(chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0)).toBe(n);
    // Every prefix decodes on its own: no message is split.
    let rows = 0;
    for (let i = 0; i < chunks.length; i++) {
      rows += chunks[i].rowCount;
      expect([...RecordBatchReader.from(concat(chunks.slice(0, i + 1)))].reduce((sum, batch) => sum + batch.numRows, 0)).toBe(rows);
    }
    expect([...chunks[chunks.length - 1].ipcBytes.slice(-8)]).toEqual(END);
    expect(tableFromIPC(concat(chunks)).getChild('mjd')?.get(12345)).toBe(60000 + 12345 / 1000);
  });

  it('caps rows per chunk when asked', async () => {
    const table = tableFromArrays({ id: Int32Array.from({ length: 7001 }, (_, i) => i) });
    expect((await collect(tableToArrowChunks(table, { maxRows: 3000 }))).map((chunk) => chunk.rowCount)).toEqual([3000, 3000, 1001]);
  });

  it('sends a table without rows as its schema (and the end marker), in one chunk', async () => {
    const table = tableFromArrays({ band: ['g'], x: Float64Array.from([1]) }).slice(0, 0);
    const chunks = await collect(tableToArrowChunks(table));
    expect(chunks).toHaveLength(1);
    const back = tableFromIPC(chunks[0].ipcBytes);
    expect([back.numRows, back.schema.fields.map((field) => field.name)]).toEqual([0, ['band', 'x']]);
  });

  it('carries dictionaries with their batches, and hands chunks out as batches come', async () => {
    const band = vectorFromArray(['u', 'g', 'g', 'r'], new Dictionary(new Utf8(), new Int32()));
    const table = new Table({ band });
    const encoder = new ArrowChunkEncoder(table.schema);
    expect(encoder.add(table.batches[0])).toEqual([]); // held back for the end marker
    const chunks = encoder.add(table.batches[0]);
    expect(chunks.map((chunk) => chunk.rowCount)).toEqual([4]);
    chunks.push(encoder.finish());
    expect(chunks[1].rowCount).toBe(4);
    const back = tableFromIPC(concat(chunks));
    expect(back.getChild('band')?.toArray()).toEqual(['u', 'g', 'g', 'r', 'u', 'g', 'g', 'r']);
  });

  it('keeps every chunk under the gRPC limit even for one huge batch', async () => {
    const n = 1_500_000;
    const table = tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) });
    expect(table.batches).toHaveLength(1);
    expect([...sliceBatch(table.batches[0])].length).toBe(12);
    for (const chunk of await collect(encodeArrowChunks(table.schema, table.batches))) expect(chunk.ipcBytes.byteLength).toBeLessThan(MAX_CHUNK_BYTES);
  });
});

describe('decoding', () => {
  it('reads the whole table, or batch by batch, with or without the end marker', async () => {
    const table = tableFromArrays({ id: Int32Array.from({ length: 5000 }, (_, i) => i) });
    const chunks = await collect(tableToArrowChunks(table, { maxRows: 1000 }));
    expect((await readArrowChunks(messagesOf(chunks))).numRows).toBe(5000);
    const withoutEnd = chunks.map((chunk, i) => (i === chunks.length - 1 ? { ...chunk, ipcBytes: chunk.ipcBytes.subarray(0, chunk.ipcBytes.byteLength - 8) } : chunk));
    const reader = await openArrowChunks(messagesOf(withoutEnd));
    expect(reader.schema.fields.map((field) => field.name)).toEqual(['id']);
    let rows = 0;
    for await (const batch of reader) rows += batch.numRows;
    expect(rows).toBe(5000);
  });

  it('gives an empty table for a stream without bytes', async () => {
    expect((await readArrowChunks(messagesOf([]))).numRows).toBe(0);
  });
});
