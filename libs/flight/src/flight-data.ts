/**
 * Arrow IPC messages as Arrow Flight `FlightData` and back: a FlightData carries one message,
 * its flatbuffer metadata as `data_header` (field 2) and its body as `data_body` (field 1000).
 */
import { Message, MessageHeader } from 'apache-arrow';
import { FramedMessage, InvalidIpcStreamError, MessageFrame, readFramedMessages, StoredStream } from '@visitsarch/arrow-ipc';
import { protobufVarint as varint } from '@visitsarch/contracts';
import { EncodedResponseBuffers } from '@visitsarch/grpc-server';
import type { FlightData } from './flight-types';

/**
 * An encoded `arrow.flight.protocol.FlightData`: data_header (field 2), then data_body (field
 * 1000), in a buffer from `allocate`.
 */
function flightDataFrame(allocate: (size: number) => Buffer = Buffer.allocUnsafe): MessageFrame {
  return (_prefix, metadataLength, bodyLength) => {
    const header = [0x12, ...varint(metadataLength)];
    const body = bodyLength > 0 ? [0xc2, 0x3e, ...varint(bodyLength)] : [];
    const framed = allocate(header.length + metadataLength + body.length + bodyLength);
    framed.set(header, 0);
    framed.set(body, header.length + metadataLength);
    return { framed, metadataAt: header.length, bodyAt: header.length + metadataLength + body.length };
  };
}

/** An encoded FlightData holding one IPC message (metadata and body), for messages not read from a file. */
export function encodeFlightData(metadata: Uint8Array, body: Uint8Array): Buffer {
  const { framed, metadataAt, bodyAt } = flightDataFrame()(new Uint8Array(0), metadata.byteLength, body.byteLength);
  framed.set(metadata, metadataAt);
  framed.set(body, bodyAt);
  return framed;
}

/**
 * The messages of a stored Arrow IPC stream (its file, or its bytes), each read straight into an
 * encoded FlightData (`framed`), for DoGet: pre-encoded responses, whose buffers are reused once
 * grpc-js has written them (EncodedResponseBuffers), so `framed` is only good until it has been sent.
 */
export function readFlightDataFromFile(stream: StoredStream): AsyncGenerator<FramedMessage> {
  return readFramedMessages(stream, flightDataFrame((size) => DO_GET_BUFFERS.take(size)));
}

/**
 * The buffers of every DoGet of the process: a buffer is free again once grpc-js has written it, so
 * steady reads (many small tables, each under 1 MiB) allocate none of their own, and trigger none
 * of the garbage collections that external memory does. Stored messages are ~1 MiB; larger ones
 * (a table uploaded in big batches) are not kept.
 */
const DO_GET_BUFFERS = new EncodedResponseBuffers(16, 4 << 20);

/** Bytes a sender may leave out at the end of a FlightData body: the last buffer's padding (Arrow pads buffers to 64 bytes at most). */
const TRIMMABLE_PADDING = 63;

/**
 * A FlightData (as DoPut receives it) as an encapsulated IPC message: continuation marker,
 * length, header, padding, body. The body length is the header's: a body shorter than that by
 * more than trailing padding is an InvalidIpcStreamError, never filled up.
 */
export function encapsulate(data: FlightData): Uint8Array {
  const header = data.dataHeader;
  const padded = (header.byteLength + 7) & ~7;
  let message: Message;
  try {
    message = Message.decode(header);
  } catch (error) {
    throw new InvalidIpcStreamError(`a FlightData data_header is not an Arrow IPC message: ${(error as Error).message}`);
  }
  const bodyLength = message.headerType === MessageHeader.Schema ? 0 : Number(message.bodyLength);
  const body = data.dataBody.subarray(0, bodyLength);
  if (body.byteLength + TRIMMABLE_PADDING < bodyLength) {
    throw new InvalidIpcStreamError(`a FlightData data_body holds ${data.dataBody.byteLength} bytes where its data_header declares ${bodyLength}`);
  }
  // Every byte is written below (the paddings as zeros), so the buffer need not be zero-filled first.
  const bytes = Buffer.allocUnsafe(8 + padded + bodyLength);
  bytes.writeUInt32LE(0xffffffff, 0);
  bytes.writeInt32LE(padded, 4);
  bytes.set(header, 8);
  bytes.fill(0, 8 + header.byteLength, 8 + padded);
  bytes.set(body, 8 + padded);
  bytes.fill(0, 8 + padded + body.byteLength);
  return bytes;
}
