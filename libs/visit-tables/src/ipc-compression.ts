/**
 * Arrow IPC buffers compressed with LZ4 (frame format) or ZSTD, as pyarrow writes them on request
 * and Feather V2 files by default (`DataFrame.to_feather`, `pyarrow.feather.write_feather`):
 * apache-arrow decompresses them once a codec is registered for their type, and ships none. Node 20
 * has neither codec (node:zlib gained ZSTD in Node 22.15), so these are pure-JavaScript decoders
 * (fzstd, lz4js), slower than pyarrow's but needed only to read such files. Only programs that
 * read users' files register them (the CLI): the services must not read, and so never adopt or
 * serve, compressed buffers (the contract's ArrowIpcChunk is uncompressed; uploads are refused
 * before decoding, objects adopted in place fail to decode).
 */
import { compressionRegistry, CompressionType } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
// lz4js has no type declarations; its frame decoder is the one function used.
const lz4 = require('lz4js') as { decompress(source: Uint8Array, maxSize?: number): Uint8Array };

let registered = false;

/** Lets apache-arrow read LZ4- and ZSTD-compressed record and dictionary batches (in this thread). */
export function registerIpcCodecs(): void {
  if (registered) return;
  registered = true;
  compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: (bytes) => aligned(lz4.decompress(bytes)) });
  compressionRegistry.set(CompressionType.ZSTD, { decode: (bytes) => aligned(zstdDecompress(bytes)) });
}

/** The bytes at an 8-aligned offset, as apache-arrow views them as 64-bit values (fzstd may return a view at any offset). */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
}
