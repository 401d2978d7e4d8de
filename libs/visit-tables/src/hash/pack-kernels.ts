import { WASM_BYTES } from './pack-kernels.wasm';

/** A shared WebAssembly.Memory (TypeScript types the WebAssembly API only in lib "dom", not loaded here). */
export interface KernelMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly API the kernels need. */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => KernelMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/**
 * The WebAssembly packing kernels (pack-kernels.wat) over one shared memory: the record-batch
 * buffers they read and the packed rows they write must both lie in `memory`; every pointer is
 * a byte address in it. {@link CanonicalRowPacker} uses them for the columns they cover when
 * given them, and its own JavaScript otherwise; the bytes are the same.
 */
export interface PackKernels {
  readonly memory: KernelMemory;
  /** Copies `count` items of 8, 4, 2 or 1 bytes from a dense array into rows `stride` bytes apart. */
  copy64(src: number, count: number, dst: number, stride: number): void;
  copy32(src: number, count: number, dst: number, stride: number): void;
  copy16(src: number, count: number, dst: number, stride: number): void;
  copy8(src: number, count: number, dst: number, stride: number): void;
  /** The same for floats, writing numpy's nan for every NaN. */
  copyFloat64(src: number, count: number, dst: number, stride: number): void;
  copyFloat32(src: number, count: number, dst: number, stride: number): void;
  copyFloat16(src: number, count: number, dst: number, stride: number): void;
  /** UTF-8 values (no nulls; offsets of `offsetSize` bytes: 4, or 8 for LargeUtf8) as zero-padded UTF-32 fields of `width` bytes. */
  packText(offsets: number, offsetSize: 4 | 8, bytes: number, count: number, dst: number, stride: number, width: number): void;
}

/** WebAssembly pages are 64 KiB; the kernels' memory may grow to 4 GiB. */
export const WASM_PAGE_BYTES = 64 * 1024;
const MAX_PAGES = 65536;

let compiled: object | undefined;

/** A shared memory of at least `bytes` for the kernels (shared, so another thread can read what they packed). */
export function kernelMemory(bytes: number): KernelMemory {
  return new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES)), maximum: MAX_PAGES, shared: true });
}

/** The kernels over `memory` (made by {@link kernelMemory}). */
export function packKernels(memory: KernelMemory): PackKernels {
  compiled ??= new wasm.Module(WASM_BYTES);
  const exports = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as Omit<PackKernels, 'memory'>;
  return { memory, ...exports };
}

/** Grows `memory` to at least `bytes`. */
export function ensureMemory(memory: KernelMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
}
