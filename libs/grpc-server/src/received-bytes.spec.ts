import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, gatewayV1, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { keepReceivedBytes, receivedBytesOf } from './received-bytes';

describe('keepReceivedBytes', () => {
  const definition = protoLoader.loadSync(CONTRACTS.gateway.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const method = () => (definition['visitsarch.gateway.v1.GatewayService'] as protoLoader.ServiceDefinition).AddSimulation;

  it("keeps each message's bytes for its payload, as the server's deserializer decodes it (and only once asked)", () => {
    const chunkBytes = Buffer.from(gatewayV1.AddSimulationRequest.encode({ chunk: { ipcBytes: Buffer.from([1, 2, 3]), rowCount: 7 } }).finish());
    const headerBytes = Buffer.from(gatewayV1.AddSimulationRequest.encode({ header: { ...gatewayV1.AddSimulationHeader.decode(new Uint8Array(0)), label: 'x' } }).finish());
    const before = method().requestDeserialize(chunkBytes) as { chunk: object };
    expect(receivedBytesOf(before.chunk)).toBeUndefined(); // not kept until asked for
    keepReceivedBytes(method());
    const decoded = method().requestDeserialize(chunkBytes) as { chunk: { rowCount: number } };
    expect(decoded.chunk.rowCount).toBe(7);
    expect(receivedBytesOf(decoded.chunk)).toBe(chunkBytes);
    const header = method().requestDeserialize(headerBytes) as { header: object; chunk?: object };
    expect(header.chunk).toBeUndefined(); // a header message has no payload to keep bytes for
  });
});
