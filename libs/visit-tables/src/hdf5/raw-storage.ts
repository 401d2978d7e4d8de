/**
 * Where a dataset's bytes lie in an HDF5 file, so that the readers can stream them straight from
 * disk instead of through h5wasm, which copies everything it reads into its WebAssembly heap
 * (a heap that grows to the largest read and never shrinks). Two cases matter for pandas'
 * "fixed" layout:
 * - a numeric block: a contiguous, unfiltered array (what PyTables writes for `Array`s): read
 *   any row slice with one `pread`;
 * - an object block: a PyTables VLArray of one element, whose variable-length bytes (the
 *   pickled numpy object array, hundreds of MB for a large table) sit in one object of a global
 *   heap collection: found here, then decoded while it is read (pickle-stream.ts).
 *
 * h5wasm gives the object header's address (an HDF5 object reference is that address); this
 * module reads only what follows from it: the object header's messages (versions 1 and 2, with
 * continuations), the data layout (versions 3 and 4; contiguous, compact, or chunked with a
 * version-1 B-tree), whether there is a filter pipeline, and a global heap collection. Anything else (other
 * chunk indexes, filtered chunks, odd offset sizes) is reported as undefined, and callers fall
 * back to h5wasm. Field layouts follow the HDF5 File Format Specification version 3.0,
 * sections II (superblock), III.A–C (B-trees, global heap) and IV.A (object headers, messages
 * 0x0001, 0x0008, 0x000B, 0x0010).
 */
import { readSync } from 'node:fs';

/** The data of a dataset, as it lies in the file. */
export type RawStorage =
  /** `size` bytes from file offset `address` (an absolute offset). */
  | { kind: 'contiguous'; address: number; size: number }
  /** The data is held in the object header itself. */
  | { kind: 'compact'; data: Uint8Array }
  /** Chunked: the chunk at the origin (unfiltered), `size` bytes at `address`. */
  | { kind: 'first-chunk'; address: number; size: number };

const OFFSET_SIZE = 8;
const UNDEFINED_ADDRESS = 0xffffffffffffffffn;

function readAt(fd: number, position: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new Error(`HDF5 file ends at ${position + done}, inside a structure at ${position} of ${length} bytes`);
    done += n;
  }
  return out;
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v === UNDEFINED_ADDRESS) return -1;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('HDF5 address out of range');
  return Number(v);
}

/** The file's base address and its offset and length sizes, from the superblock. */
export interface Superblock {
  base: number;
  offsetSize: number;
  lengthSize: number;
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads the superblock (at 0, or after a user block at 512, 1024, 2048, …). */
export function readSuperblock(fd: number, fileSize: number): Superblock | undefined {
  for (let at = 0; at + 48 <= fileSize; at = at === 0 ? 512 : at * 2) {
    const head = readAt(fd, at, 48);
    if (!head.subarray(0, 8).equals(SIGNATURE)) continue;
    const version = head[8];
    if (version === 0 || version === 1) {
      const offsetSize = head[13];
      const lengthSize = head[14];
      // Base address: after the group K values (and, in version 1, the indexed-storage K).
      const baseAt = version === 0 ? 24 : 28;
      return { base: offsetSize === 8 ? u64(head, baseAt) : -1, offsetSize, lengthSize };
    }
    if (version === 2 || version === 3) {
      const offsetSize = head[9];
      const lengthSize = head[10];
      return { base: offsetSize === 8 ? u64(head, 12) : -1, offsetSize, lengthSize };
    }
    return undefined;
  }
  return undefined;
}

interface HeaderMessage {
  type: number;
  data: Buffer;
}

/** The messages of the object header at `address` (absolute), following continuations. */
function headerMessages(fd: number, address: number, base: number): HeaderMessage[] {
  const messages: HeaderMessage[] = [];
  const first = readAt(fd, address, 16);
  const blocks: { at: number; length: number; v2: boolean }[] = [];
  let version: 1 | 2;
  if (first.subarray(0, 4).toString('latin1') === 'OHDR') {
    version = 2;
    const flags = first[5];
    let at = 6;
    if (flags & 0x20) at += 16; // access, modification, change and birth times
    if (flags & 0x10) at += 4; // attribute phase-change values
    const sizeBytes = 1 << (flags & 3);
    const prefix = readAt(fd, address, at + sizeBytes);
    const chunkSize = sizeBytes === 8 ? u64(prefix, at) : prefix.readUIntLE(at, sizeBytes);
    blocks.push({ at: address + at + sizeBytes, length: chunkSize, v2: true });
  } else if (first[0] === 1) {
    version = 1;
    blocks.push({ at: address + 16, length: first.readUInt32LE(8), v2: false });
  } else {
    throw new Error(`unsupported HDF5 object header version ${first[0]}`);
  }
  const creationOrder = version === 2 && (first[5] & 0x04) !== 0;
  for (let b = 0; b < blocks.length; b++) {
    if (blocks.length > 1024) throw new Error('HDF5 object header has too many continuation blocks');
    const { at, length, v2 } = blocks[b];
    const block = readAt(fd, at, length);
    let p = 0;
    let end = length;
    if (v2 && b > 0) {
      // A continuation block: "OCHK", the messages, a checksum (chunk 0's follows its length).
      p = 4;
      end -= 4;
    }
    const headerSize = v2 ? (creationOrder ? 6 : 4) : 8;
    while (p + headerSize <= end) {
      const type = v2 ? block[p] : block.readUInt16LE(p);
      const size = v2 ? block.readUInt16LE(p + 1) : block.readUInt16LE(p + 2);
      p += headerSize;
      if (p + size > end) break;
      const data = block.subarray(p, p + size);
      if (type === 0x10) blocks.push({ at: base + u64(data, 0), length: u64(data, OFFSET_SIZE), v2 });
      else messages.push({ type, data });
      p += size;
    }
  }
  return messages;
}

/**
 * The storage of the dataset whose object header is at `headerAddress` (relative to the base
 * address, as HDF5 object references hold it), or undefined when the data cannot be read
 * directly: filtered (compressed) or chunked with an index other than a version-1 B-tree.
 * A chunked dataset is answered only if its first chunk holds all of it (`firstChunkOnly`), as
 * PyTables' one-element VLArrays are.
 */
export function rawStorage(fd: number, headerAddress: number, superblock: Superblock): RawStorage | undefined {
  if (superblock.offsetSize !== OFFSET_SIZE || superblock.lengthSize !== 8 || superblock.base < 0) return undefined;
  const base = superblock.base;
  const messages = headerMessages(fd, base + headerAddress, base);
  const pipeline = messages.find((m) => m.type === 0x0b);
  if (pipeline && filterCount(pipeline.data) > 0) return undefined;
  const layout = messages.find((m) => m.type === 0x08);
  if (!layout) return undefined;
  const d = layout.data;
  const version = d[0];
  if (version === 3 || version === 4) {
    const layoutClass = d[1];
    if (layoutClass === 0) return { kind: 'compact', data: d.subarray(4, 4 + d.readUInt16LE(2)) };
    if (layoutClass === 1) {
      const address = u64(d, 2);
      const size = u64(d, 10);
      return address < 0 ? { kind: 'compact', data: new Uint8Array(0) } : { kind: 'contiguous', address: base + address, size };
    }
    if (layoutClass === 2 && version === 3) {
      const rank = d[2]; // dimensions + 1 (the element size)
      const btree = u64(d, 3);
      if (btree < 0) return { kind: 'compact', data: new Uint8Array(0) }; // nothing written yet
      const chunk = firstChunk(fd, base + btree, rank, base);
      return chunk && { kind: 'first-chunk', address: chunk.address, size: chunk.size };
    }
    return undefined;
  }
  return undefined;
}

function filterCount(d: Buffer): number {
  return d[1];
}

/** The chunk at the origin, following child 0 down a version-1 B-tree of chunks. */
function firstChunk(fd: number, nodeAddress: number, rank: number, base: number): { address: number; size: number } | undefined {
  const keySize = 8 + 8 * rank;
  for (let depth = 0; depth < 64; depth++) {
    const node = readAt(fd, nodeAddress, 24 + keySize + 8);
    if (node.subarray(0, 4).toString('latin1') !== 'TREE' || node[4] !== 1) throw new Error('bad HDF5 chunk B-tree node');
    const level = node[5];
    if (node.readUInt16LE(6) === 0) return undefined;
    const key = node.subarray(24, 24 + keySize);
    for (let k = 0; k < rank; k++) if (key.readBigUInt64LE(8 + 8 * k) !== 0n) return undefined; // not the chunk at the origin
    const child = base + u64(node, 24 + keySize);
    if (level === 0) return { address: child, size: key.readUInt32LE(0) };
    nodeAddress = child;
  }
  throw new Error('HDF5 chunk B-tree too deep');
}

/**
 * The bytes of the variable-length element stored as `reference` (its disk form: length,
 * global heap collection address, object index): where they lie in the file and how many.
 */
export function globalHeapObject(fd: number, reference: Uint8Array, superblock: Superblock): { address: number; size: number } {
  const ref = Buffer.from(reference.buffer, reference.byteOffset, reference.byteLength);
  if (ref.length < 16) throw new Error('short HDF5 variable-length reference');
  const length = ref.readUInt32LE(0);
  const collection = superblock.base + u64(ref, 4);
  const index = ref.readUInt32LE(12);
  const head = readAt(fd, collection, 16);
  if (head.subarray(0, 4).toString('latin1') !== 'GCOL') throw new Error(`no HDF5 global heap collection at ${collection}`);
  const collectionSize = u64(head, 8);
  for (let at = 16; at + 16 <= collectionSize; ) {
    const object = readAt(fd, collection + at, 16);
    const objectIndex = object.readUInt16LE(0);
    const size = u64(object, 8);
    if (objectIndex === 0) break; // free space: the rest of the collection
    if (objectIndex === index) {
      if (size !== length) throw new Error(`HDF5 global heap object ${index} holds ${size} bytes, its reference says ${length}`);
      return { address: collection + at + 16, size };
    }
    at += 16 + ((size + 7) & ~7);
  }
  throw new Error(`HDF5 global heap object ${index} not found in the collection at ${collection}`);
}
