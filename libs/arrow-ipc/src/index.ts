export { ArrowChunk, MAX_CHUNK_BYTES, TARGET_CHUNK_BYTES, batchBytes, sliceBatch } from './chunk-size';
export { IpcStreamEncoder } from './ipc-stream-encoder';
export { ArrowChunkEncoder, ArrowChunkOptions, chunkRequestBytes, encodeArrowChunks, receivedChunkRequest, tableToArrowChunks } from './encode';
export { ArrowChunkMessage, arrowChunkBytes, openArrowChunks, readArrowChunks } from './decode';
export { forwardArrowMessages } from './forward';
export {
  FramedMessage,
  InvalidIpcStreamError,
  IpcMessage,
  MessageFrame,
  checkUploadMessage,
  readFramedMessages,
  readIpcMessages,
  readIpcMessagesFromFile,
  StoredStream,
} from './ipc-messages';
export { ArrowUpload, openArrowUpload } from './upload';
