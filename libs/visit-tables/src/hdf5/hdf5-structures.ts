/**
 * A minimal HDF5 writer for the files PyTables itself makes: superblock version 0, version-1
 * object headers, groups as symbol tables (v1 B-tree + local heap + symbol nodes), contiguous
 * datasets and a global heap for variable-length data. Nothing is compressed or chunked, and
 * no timestamps are written, so a file is deterministic and as small as its contents allow.
 *
 * Why not h5wasm: its writer cannot create the two HDF5 types pandas' "fixed" layout needs
 * (bitfields for numpy bools and variable-length uint8 sequences for PyTables' pickled object
 * arrays), and every dataset it makes extendable is chunked. Reading still goes through h5wasm.
 *
 * Usage: describe the tree ({@link H5Group}, {@link H5Dataset}); {@link layoutFile} places
 * every structure and returns the metadata bytes (written at offset 0) and the addresses of the
 * datasets whose data the caller streams afterwards. The file format is the HDF5 File Format
 * Specification version 2/3, sections II–IV; the field layouts below follow it.
 */

/** A datatype. `vlen-bytes` is PyTables' ObjectAtom base: a variable-length sequence of uint8. */
export type H5Type =
  | { class: 'int'; size: 1 | 2 | 4 | 8; signed: boolean }
  | { class: 'float'; size: 4 | 8 }
  | { class: 'bitfield' }
  | { class: 'string'; size: number; cset: 'ascii' | 'utf8' }
  | { class: 'vlen-bytes' };

/** `scalar`, `null` (no value, as PyTables stores empty strings) or a simple shape. */
export type H5Shape = 'scalar' | 'null' | number[];

export interface H5Attribute {
  name: string;
  type: H5Type;
  shape: H5Shape;
  data: Uint8Array;
}

export interface H5Dataset {
  kind: 'dataset';
  name: string;
  type: H5Type;
  shape: number[];
  attributes: H5Attribute[];
  /** The data itself (placed with the metadata), or how many bytes to reserve for the caller. */
  data: Uint8Array | number;
}

export interface H5Group {
  kind: 'group';
  name: string;
  attributes: H5Attribute[];
  children: (H5Group | H5Dataset)[];
}

export interface H5Layout {
  /** Everything before the reserved data regions: write it at offset 0. */
  metadata: Uint8Array;
  /** Address of each dataset's reserved data region, in the order they were given. */
  reserved: Map<H5Dataset, number>;
  /** First byte after the reserved regions (where a global heap may follow). */
  end: number;
}

/** Size of the disk form of a variable-length element: length (4), heap address (8), index (4). */
export const VLEN_REFERENCE_SIZE = 16;
/** Offset in the superblock of the end-of-file address. */
const SUPERBLOCK_EOF_OFFSET = 40;
const SUPERBLOCK_SIZE = 96;
const UNDEFINED = 0xffffffffffffffffn;
/** B-tree and symbol-node fan-out recorded in the superblock (the library defaults). */
const GROUP_LEAF_K = 4;
const GROUP_INTERNAL_K = 16;
const SNOD_SIZE = 8 + 2 * GROUP_LEAF_K * 40;
const BTREE_SIZE = 24 + (2 * GROUP_INTERNAL_K + 1) * 8 + 2 * GROUP_INTERNAL_K * 8;
/** The local heap's "no free block" offset (H5HL_FREE_NULL). */
const HEAP_FREE_NULL = 1n;
/** HDF5 reads at least this much of a global heap collection. */
const GLOBAL_HEAP_MIN_SIZE = 4096;

const pad8 = (n: number) => (n + 7) & ~7;

/** A little-endian byte builder (`room` may replace `buf`, so it is called before `buf` is used). */
class Bytes {
  private buf = Buffer.alloc(256);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(...values: number[]): this {
    for (const v of values) {
      const at = this.room(1);
      this.buf[at] = v;
    }
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16LE(v, at);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32LE(v, at);
    return this;
  }
  u64(v: number | bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), at);
    return this;
  }
  bytes(data: Uint8Array): this {
    const at = this.room(data.length);
    this.buf.set(data, at);
    return this;
  }
  zeros(n: number): this {
    this.room(n);
    return this;
  }
  pad(to = 8): this {
    return this.zeros((to - (this.length % to)) % to);
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

// ---------------------------------------------------------------- messages

function encodeType(type: H5Type): Uint8Array {
  const b = new Bytes();
  // Byte 0: version 1 and the class; bytes 1–3: class bit fields; bytes 4–7: size.
  switch (type.class) {
    case 'int':
      return b.u8(0x10, type.signed ? 0x08 : 0, 0, 0).u32(type.size).u16(0).u16(type.size * 8).done();
    case 'bitfield':
      return b.u8(0x14, 0, 0, 0).u32(1).u16(0).u16(8).done();
    case 'float': {
      // IEEE little-endian, implied leading mantissa bit; sign bit, exponent/mantissa layout and bias.
      const [sign, exponentAt, exponentBits, mantissaBits, bias] = type.size === 8 ? [63, 52, 11, 52, 1023] : [31, 23, 8, 23, 127];
      return b.u8(0x11, 0x20, sign, 0).u32(type.size).u16(0).u16(type.size * 8).u8(exponentAt, exponentBits, 0, mantissaBits).u32(bias).done();
    }
    case 'string':
      // Null-terminated padding; character set in bits 4–7.
      return b.u8(0x13, type.cset === 'utf8' ? 0x10 : 0, 0, 0).u32(type.size).done();
    case 'vlen-bytes':
      // A sequence (not a string) of unsigned 8-bit integers.
      return b.u8(0x19, 0, 0, 0).u32(VLEN_REFERENCE_SIZE).bytes(encodeType({ class: 'int', size: 1, signed: false })).done();
  }
}

/** Bytes per element of a dataset of this type. */
export function h5TypeSize(type: H5Type): number {
  switch (type.class) {
    case 'bitfield':
      return 1;
    case 'vlen-bytes':
      return VLEN_REFERENCE_SIZE;
    default:
      return type.size;
  }
}

function encodeShape(shape: H5Shape): Uint8Array {
  const b = new Bytes();
  if (shape === 'scalar') return b.u8(1, 0, 0, 0).u32(0).done(); // version 1, rank 0
  if (shape === 'null') return b.u8(2, 0, 0, 2).done(); // version 2, type "null"
  // Version 1 with the maximum dimensions (equal to the dimensions), as PyTables writes.
  b.u8(1, shape.length, 1, 0).u32(0);
  for (const n of shape) b.u64(n);
  for (const n of shape) b.u64(n);
  return b.done();
}

interface Message {
  type: number;
  flags: number;
  data: Uint8Array;
}

function attributeMessage(attr: H5Attribute): Message {
  const name = Buffer.from(`${attr.name}\0`, 'utf8');
  const type = encodeType(attr.type);
  const shape = encodeShape(attr.shape);
  const b = new Bytes().u8(1, 0).u16(name.length).u16(type.length).u16(shape.length);
  b.bytes(name).pad().bytes(type).pad().bytes(shape).pad().bytes(attr.data);
  return { type: 0x0c, flags: 0, data: b.done() };
}

function objectHeader(messages: Message[]): Uint8Array {
  const body = new Bytes();
  for (const m of messages) body.u16(m.type).u16(pad8(m.data.length)).u8(m.flags, 0, 0, 0).bytes(m.data).pad();
  // Version 1 prefix: version, reserved, message count, reference count, header size, padding.
  return new Bytes().u8(1, 0).u16(messages.length).u32(1).u32(body.length).u32(0).bytes(body.done()).done();
}

function symbolTableMessage(btree: number, heap: number): Message {
  return { type: 0x11, flags: 0, data: new Bytes().u64(btree).u64(heap).done() };
}

function datasetMessages(ds: H5Dataset, dataAddress: number, dataSize: number): Message[] {
  return [
    { type: 0x01, flags: 0, data: encodeShape(ds.shape) },
    { type: 0x03, flags: 1, data: encodeType(ds.type) },
    // Fill value version 2: late allocation, written if set, "defined" as the default (no value).
    { type: 0x05, flags: 1, data: new Bytes().u8(2, 2, 2, 1).u32(0).done() },
    // Layout version 3, contiguous: address and size.
    { type: 0x08, flags: 0, data: new Bytes().u8(3, 1).u64(dataSize ? dataAddress : UNDEFINED).u64(dataSize).done() },
    ...ds.attributes.map(attributeMessage),
  ];
}

// ---------------------------------------------------------------- groups

interface PlacedGroup {
  group: H5Group;
  header: number;
  heap: number;
  btree: number;
  snods: number[];
  /** Children sorted by name (bytewise, as HDF5 compares them) and their name offsets in the heap. */
  sorted: (H5Group | H5Dataset)[];
  nameOffsets: Map<H5Group | H5Dataset, number>;
  heapData: Uint8Array;
}

function groupHeap(children: (H5Group | H5Dataset)[]): { data: Uint8Array; offsets: Map<H5Group | H5Dataset, number> } {
  const b = new Bytes().zeros(8); // offset 0: the empty name
  const offsets = new Map<H5Group | H5Dataset, number>();
  for (const child of children) {
    offsets.set(child, b.length);
    b.bytes(Buffer.from(`${child.name}\0`, 'utf8')).pad();
  }
  return { data: b.done(), offsets };
}

function localHeap(dataAddress: number, data: Uint8Array): Uint8Array {
  return new Bytes().bytes(Buffer.from('HEAP')).u8(0, 0, 0, 0).u64(data.length).u64(HEAP_FREE_NULL).u64(dataAddress).bytes(data).done();
}

function symbolEntry(nameOffset: number, header: number, cache?: { btree: number; heap: number }): Bytes {
  const b = new Bytes().u64(nameOffset).u64(header).u32(cache ? 1 : 0).u32(0);
  return cache ? b.u64(cache.btree).u64(cache.heap) : b.zeros(16);
}

/** Lays out a file whose root group is `root` (its name is ignored). */
export function layoutFile(root: H5Group): H5Layout {
  let cursor = SUPERBLOCK_SIZE;
  const alloc = (size: number) => {
    const at = cursor;
    cursor += pad8(size);
    return at;
  };
  const groups: PlacedGroup[] = [];
  const datasetHeaders = new Map<H5Dataset, number>();
  const inlineData = new Map<H5Dataset, number>();
  const reservedOrder: H5Dataset[] = [];

  // Sizes do not depend on addresses, so a header measured with address 0 keeps its size.
  const place = (group: H5Group): PlacedGroup => {
    const sorted = [...group.children].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
    const names = new Set<string>();
    for (const child of sorted) {
      if (!child.name || child.name.includes('/') || names.has(child.name)) throw new Error(`bad or repeated HDF5 name ${JSON.stringify(child.name)}`);
      names.add(child.name);
    }
    const snodCount = Math.ceil(sorted.length / (2 * GROUP_LEAF_K));
    if (snodCount > 2 * GROUP_INTERNAL_K) throw new Error(`too many members (${sorted.length}) in HDF5 group ${JSON.stringify(group.name)}`);
    const { data: heapData, offsets } = groupHeap(sorted);
    const placed: PlacedGroup = {
      group,
      header: alloc(objectHeader([symbolTableMessage(0, 0), ...group.attributes.map(attributeMessage)]).length),
      heap: alloc(32 + heapData.length),
      btree: alloc(BTREE_SIZE),
      snods: Array.from({ length: snodCount }, () => alloc(SNOD_SIZE)),
      sorted,
      nameOffsets: offsets,
      heapData,
    };
    groups.push(placed);
    for (const child of sorted) {
      if (child.kind === 'group') place(child);
      else {
        datasetHeaders.set(child, alloc(objectHeader(datasetMessages(child, 0, 0)).length));
        if (typeof child.data === 'number') reservedOrder.push(child);
        else inlineData.set(child, alloc(child.data.length));
      }
    }
    return placed;
  };
  const rootPlaced = place(root);
  const metadataEnd = cursor;
  const reserved = new Map<H5Dataset, number>();
  for (const ds of reservedOrder) reserved.set(ds, alloc(ds.data as number));

  const out = Buffer.alloc(metadataEnd);
  const put = (at: number, data: Uint8Array) => out.set(data, at);
  const headerOf = (child: H5Group | H5Dataset) => (child.kind === 'group' ? groups.find((g) => g.group === child)!.header : datasetHeaders.get(child)!);
  const cacheOf = (child: H5Group | H5Dataset) => {
    if (child.kind !== 'group') return undefined;
    const placed = groups.find((g) => g.group === child)!;
    return { btree: placed.btree, heap: placed.heap };
  };

  for (const g of groups) {
    put(g.header, objectHeader([symbolTableMessage(g.btree, g.heap), ...g.group.attributes.map(attributeMessage)]));
    put(g.heap, localHeap(g.heap + 32, g.heapData));
    // One B-tree leaf whose children are the symbol nodes; key i+1 is the last name of node i.
    const btree = new Bytes().bytes(Buffer.from('TREE')).u8(0, 0).u16(g.snods.length).u64(UNDEFINED).u64(UNDEFINED).u64(0);
    g.snods.forEach((snod, i) => {
      const members = g.sorted.slice(i * 2 * GROUP_LEAF_K, (i + 1) * 2 * GROUP_LEAF_K);
      const last = members[members.length - 1];
      btree.u64(snod).u64(g.nameOffsets.get(last)!);
      const node = new Bytes().bytes(Buffer.from('SNOD')).u8(1, 0).u16(members.length);
      for (const child of members) node.bytes(symbolEntry(g.nameOffsets.get(child)!, headerOf(child), cacheOf(child)).done());
      put(snod, node.done());
    });
    put(g.btree, btree.done());
  }
  for (const [ds, header] of datasetHeaders) {
    const inline = inlineData.get(ds);
    const address = inline ?? reserved.get(ds)!;
    const size = typeof ds.data === 'number' ? ds.data : ds.data.length;
    put(header, objectHeader(datasetMessages(ds, address, size)));
    if (inline !== undefined) put(inline, ds.data as Uint8Array);
  }

  // Superblock version 0: versions, offset/length sizes 8, group K values, then base address,
  // free-space address, end of file, driver block, and the root group's symbol table entry.
  const superblock = new Bytes()
    .bytes(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))
    .u8(0, 0, 0, 0, 0, 8, 8, 0)
    .u16(GROUP_LEAF_K)
    .u16(GROUP_INTERNAL_K)
    .u32(0)
    .u64(0)
    .u64(UNDEFINED)
    .u64(cursor)
    .u64(UNDEFINED)
    .bytes(symbolEntry(0, rootPlaced.header, { btree: rootPlaced.btree, heap: rootPlaced.heap }).done());
  put(0, superblock.done());
  return { metadata: out, reserved, end: cursor };
}

/** The superblock's end-of-file address, to be written at {@link eofPatch}.offset once the file is complete. */
export function eofPatch(fileSize: number): { offset: number; bytes: Uint8Array } {
  return { offset: SUPERBLOCK_EOF_OFFSET, bytes: new Bytes().u64(fileSize).done() };
}

/**
 * A global heap collection holding one object of `objectSize` bytes, as the pieces around the
 * object: `prefix` (collection and object headers), then the object, then `suffix` (padding and
 * the free-space object filling the collection to HDF5's minimum size). `reference` is the
 * variable-length element (disk form) that points at the object.
 */
export function globalHeapWithOneObject(address: number, objectSize: number): { prefix: Uint8Array; suffix: Uint8Array; reference: Uint8Array; size: number } {
  if (objectSize > 0xffffffff) throw new Error(`a variable-length HDF5 element cannot hold ${objectSize} bytes (at most 4 GiB)`);
  const used = 16 + 16 + pad8(objectSize);
  const size = Math.max(GLOBAL_HEAP_MIN_SIZE, used);
  const prefix = new Bytes().bytes(Buffer.from('GCOL')).u8(1, 0, 0, 0).u64(size).u16(1).u16(0).u32(0).u64(objectSize).done();
  const suffix = new Bytes().zeros(pad8(objectSize) - objectSize);
  // Free space is object 0; a remainder too small for its header is free space by definition.
  if (size - used >= 16) suffix.u16(0).u16(0).u32(0).u64(size - used).zeros(size - used - 16);
  else suffix.zeros(size - used);
  const reference = new Bytes().u32(objectSize).u64(address).u32(1).done();
  return { prefix, suffix: suffix.done(), reference, size };
}

/** Fixed-width, NUL-padded strings of `width` bytes (at least 1): numpy `S<width>`. */
export function fixedWidthStrings(values: string[]): { data: Uint8Array; width: number } {
  const encoded = values.map((v) => Buffer.from(v, 'utf8'));
  const width = Math.max(1, ...encoded.map((e) => e.length));
  const data = Buffer.alloc(width * values.length);
  encoded.forEach((e, i) => e.copy(data, i * width));
  return { data, width };
}

/** Attribute helpers with the types PyTables gives Python values. */
export const attribute = {
  /** A str: UTF-8 text, or a null dataspace when empty (as PyTables stores ''). */
  text(name: string, value: string): H5Attribute {
    const data = Buffer.from(value, 'utf8');
    return { name, type: { class: 'string', size: Math.max(1, data.length), cset: 'utf8' }, shape: value ? 'scalar' : 'null', data: value ? data : new Uint8Array(0) };
  },
  /** A pickled Python object: protocol-0 pickle text in ASCII. */
  pickled(name: string, pickle: string): H5Attribute {
    return { name, type: { class: 'string', size: pickle.length, cset: 'ascii' }, shape: 'scalar', data: Buffer.from(pickle, 'latin1') };
  },
  int64(name: string, value: number): H5Attribute {
    return { name, type: { class: 'int', size: 8, signed: true }, shape: 'scalar', data: new Bytes().u64(BigInt.asUintN(64, BigInt(value))).done() };
  },
  /** numpy.bool_, an 8-bit bitfield. */
  bool(name: string, value: boolean): H5Attribute {
    return { name, type: { class: 'bitfield' }, shape: 'scalar', data: Uint8Array.of(value ? 1 : 0) };
  },
};
