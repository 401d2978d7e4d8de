import { tableToIPC } from 'apache-arrow';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { InvalidIpcStreamError, IpcMessage, readIpcMessages } from '../arrow/ipc-messages';
import { encapsulate } from './flight.service';

async function streamMessages(): Promise<IpcMessage[]> {
  const messages: IpcMessage[] = [];
  for await (const message of readIpcMessages([tableToIPC(syntheticOpsimTable({ rows: 300, batchRows: 300 }), 'stream')])) messages.push(message);
  return messages;
}

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
