import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { Int32, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { InvalidIpcStreamError, IpcMessage, readIpcMessages, readIpcMessagesFromFile } from '@visitsarch/arrow-ipc';
import { PROTO_ROOT } from '@visitsarch/contracts';
import { encapsulate, encodeFlightData, readFlightDataFromFile } from './index';

/** The Schema, one record batch (of more than 1000 body bytes), the end-of-stream marker. */
const STREAM = tableToIPC(
  new Table({
    id: vectorFromArray(Array.from({ length: 300 }, (_, i) => i), new Int32()),
    band: vectorFromArray(Array.from({ length: 300 }, (_, i) => 'ugrizy'[i % 6]), new Utf8()),
  }),
  'stream',
);
const FLIGHT_DATA = protobuf.loadSync(path.join(PROTO_ROOT, 'arrow', 'flight', 'protocol', 'flight.proto')).lookupType('arrow.flight.protocol.FlightData');

async function streamMessages(): Promise<IpcMessage[]> {
  const messages: IpcMessage[] = [];
  for await (const message of readIpcMessages([STREAM])) messages.push(message);
  return messages;
}

describe('IPC messages as FlightData (DoGet)', () => {
  it('encodes each message as a FlightData whose data_header is its metadata and data_body its body', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-flight-'));
    try {
      const file = path.join(directory, 'table.arrows');
      fs.writeFileSync(file, STREAM);
      const stored: IpcMessage[] = [];
      for await (const message of readIpcMessagesFromFile(file)) stored.push({ ...message, bytes: Buffer.from(message.bytes) });
      let index = 0;
      for await (const { framed } of readFlightDataFromFile(file)) {
        const { metadata, body } = stored[index++];
        for (const encoded of [framed, encodeFlightData(metadata, body)]) {
          const decoded = FLIGHT_DATA.decode(encoded) as unknown as { dataHeader: Uint8Array; dataBody: Uint8Array };
          expect(Buffer.from(decoded.dataHeader)).toEqual(Buffer.from(metadata));
          expect(Buffer.from(decoded.dataBody ?? [])).toEqual(Buffer.from(body));
        }
      }
      expect(index).toBe(stored.length);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('encapsulate (DoPut FlightData to IPC message)', () => {
  it('rebuilds the stream message a FlightData carries, byte for byte', async () => {
    for (const { bytes, metadata, body } of await streamMessages()) {
      expect(Buffer.from(encapsulate({ dataHeader: metadata, dataBody: body, appMetadata: new Uint8Array(0) }))).toEqual(Buffer.from(bytes));
    }
  });

  it('pads a header to 8 bytes and a body trimmed of its last padding with zeros', async () => {
    const [, batch] = await streamMessages();
    const unpadded = batch.metadata.subarray(0, batch.metadata.byteLength - 3);
    const message = encapsulate({ dataHeader: unpadded, dataBody: batch.body.subarray(0, batch.body.byteLength - 7), appMetadata: new Uint8Array(0) });
    expect(message.byteLength).toBe(batch.bytes.byteLength);
    expect([...message.subarray(message.byteLength - 7)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([...message.subarray(8 + unpadded.byteLength, 8 + batch.metadata.byteLength)]).toEqual([0, 0, 0]);
  });

  it('refuses a body shorter than its header declares (before allocating what the header declares)', async () => {
    const [, batch] = await streamMessages();
    const short = { dataHeader: batch.metadata, dataBody: batch.body.subarray(0, batch.body.byteLength - 1000), appMetadata: new Uint8Array(0) };
    expect(() => encapsulate(short)).toThrow(InvalidIpcStreamError);
    expect(() => encapsulate(short)).toThrow(`a FlightData data_body holds ${batch.body.byteLength - 1000} bytes where its data_header declares ${batch.body.byteLength}`);
  });
});
