/**
 * Loads h5wasm (HDF5 compiled to WebAssembly) and gives raw access to datasets on disk.
 *
 * h5wasm ships only ES modules. Node ≥ 20.19 can `require()` them, which is what production
 * uses. Jest's module system cannot, so there we fall back to compiling the two files to
 * CommonJS with @swc/core (a dev dependency, present wherever jest runs) and evaluating them:
 * that keeps every consumer's jest configuration untouched.
 *
 * The Node build uses emscripten's NODERAWFS, so host paths work as they are (see
 * {@link withHostFile}).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import type * as H5 from 'h5wasm';

export type H5Api = typeof H5;

let loading: Promise<{ h5: H5Api; module: any }> | undefined;

function h5wasmDirectory(): string {
  const candidates = [...(require.resolve.paths('h5wasm') ?? [])];
  for (let dir = __dirname; ; dir = nodePath.dirname(dir)) {
    candidates.push(nodePath.join(dir, 'node_modules'));
    if (nodePath.dirname(dir) === dir) break;
  }
  for (const base of candidates) {
    const dir = nodePath.join(base, 'h5wasm', 'dist', 'node');
    if (existsSync(nodePath.join(dir, 'hdf5_hl.js'))) return dir;
  }
  throw new Error('h5wasm is not installed (looked for node_modules/h5wasm/dist/node/hdf5_hl.js)');
}

function loadAsCommonJs(dir: string): H5Api {
  const swc = require('@swc/core');
  const cache = new Map<string, unknown>();
  const load = (file: string): any => {
    if (cache.has(file)) return cache.get(file);
    const source = readFileSync(file, 'utf8');
    const { code } = swc.transformSync(source, {
      filename: file,
      jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } },
      module: { type: 'commonjs' },
    });
    const module = { exports: {} as any };
    cache.set(file, module.exports);
    const localRequire = (id: string) => (id.startsWith('.') ? load(nodePath.resolve(nodePath.dirname(file), id)) : require(id));
    new Function('require', 'module', 'exports', '__filename', '__dirname', code)(localRequire, module, module.exports, file, nodePath.dirname(file));
    cache.set(file, module.exports);
    return module.exports;
  };
  return load(nodePath.join(dir, 'hdf5_hl.js'));
}

/** The h5wasm API and its emscripten Module, initialised once per process. */
export function loadH5wasm(): Promise<{ h5: H5Api; module: any }> {
  loading ??= (async () => {
    const dir = h5wasmDirectory();
    let h5: H5Api;
    try {
      h5 = require(nodePath.join(dir, 'hdf5_hl.js'));
    } catch {
      h5 = loadAsCommonJs(dir);
    }
    const module = await h5.ready;
    return { h5, module };
  })();
  return loading;
}

/**
 * Runs `work` with the path under which the wasm HDF5 library sees the host file. h5wasm's
 * Node build is compiled with NODERAWFS: its file system *is* the host's, so reads and writes
 * go straight to disk (bounded memory) and the path is just the absolute host path.
 */
export async function withHostFile<T>(path: string, work: (wasmPath: string, api: { h5: H5Api; module: any }) => T | Promise<T>): Promise<T> {
  const api = await loadH5wasm();
  return await work(nodePath.resolve(path), api);
}

/** Reads raw bytes of a hyperslab [offset, offset + count) of a dataset (no conversion). */
export function readRaw(module: any, fileId: bigint, dataset: string, offset: number[], count: number[], bytes: number): Uint8Array {
  const ptr = module._malloc(Math.max(1, bytes));
  if (!ptr) throw new Error(`h5wasm could not allocate ${bytes} bytes`);
  try {
    module.get_dataset_data(fileId, dataset, count.map(BigInt), offset.map(BigInt), count.map(() => 1n), BigInt(ptr));
    return module.HEAPU8.slice(ptr, ptr + bytes);
  } finally {
    module._free(ptr);
  }
}

/** Writes raw bytes into a hyperslab [offset, offset + count) of a dataset (no conversion). */
export function writeRaw(module: any, fileId: bigint, dataset: string, offset: number[], count: number[], data: Uint8Array): void {
  const ptr = module._malloc(Math.max(1, data.byteLength));
  if (!ptr) throw new Error(`h5wasm could not allocate ${data.byteLength} bytes`);
  try {
    module.HEAPU8.set(data, ptr);
    module.set_dataset_data(fileId, dataset, count.map(BigInt), offset.map(BigInt), count.map(() => 1n), BigInt(ptr));
  } finally {
    module._free(ptr);
  }
}
