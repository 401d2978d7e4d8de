import * as protoLoader from '@grpc/proto-loader';
import { tableFromArrays } from 'apache-arrow';
import { chunkRequestBytes, tableToArrowChunks } from '@visitsarch/arrow-ipc';
import { CONTRACTS, gatewayV1, PROTO_LOADER_OPTIONS, PROTO_ROOT, typeV1 } from '@visitsarch/contracts';
import { keepReceivedBytes } from '@visitsarch/grpc-server';
import { blobUploadRequests } from './record-sequence';

/** As grpc-js gives a server a message: 5 bytes into the buffer of the whole gRPC frame. */
const arrived = (bytes: Uint8Array) => Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), bytes]).subarray(5);

describe('blobUploadRequests', () => {
  it("sends a client's chunk on in the bytes it arrived in, as the gateway's server decodes them; re-serializes one it cannot", async () => {
    const definition = protoLoader.loadSync(CONTRACTS.gateway.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const method = (definition['visitsarch.gateway.v1.GatewayService'] as protoLoader.ServiceDefinition).AddSimulation;
    keepReceivedBytes(method); // as the gateway's server does (service.ts: keepReceivedBytes)
    const table = tableFromArrays({ mjd: Float64Array.from({ length: 5000 }, (_, i) => 60000 + i / 7) });
    const chunks: typeV1.ArrowIpcChunk[] = [];
    for await (const chunk of tableToArrowChunks(table)) chunks.push(chunk);
    const aligned = arrived(chunkRequestBytes(chunks[0], 2)); // the CLI's and the Python client's layout
    const shortest = arrived(gatewayV1.AddSimulationRequest.encode({ chunk: { ipcBytes: Buffer.from(chunks[0].ipcBytes), rowCount: chunks[0].rowCount } }).finish());
    const decoded = [aligned, shortest].map((bytes) => (method.requestDeserialize(bytes) as { chunk: typeV1.ArrowIpcChunk }).chunk);
    const sent: unknown[] = [];
    for await (const request of blobUploadRequests({} as never, (async function* () {
      yield* decoded;
    })())) sent.push(request);
    expect(sent).toHaveLength(3); // the destination, then the two chunks
    expect((sent[1] as Buffer).buffer).toBe(aligned.buffer); // as it came
    expect((sent[2] as Buffer).buffer).not.toBe(shortest.buffer); // serialized again, the Arrow bytes aligned for the blob archive
    expect(Buffer.from(sent[2] as Buffer).equals(chunkRequestBytes(chunks[0], 2))).toBe(true);
  });
});
