import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { compiledFileDescriptors, fileDescriptorsOfServices } from './index';

describe('compiledFileDescriptors', () => {
  it('holds every file of the contract as compiled, with its imports and the health service', () => {
    const files = compiledFileDescriptors().map((bytes) => FileDescriptorProto.decode(bytes) as unknown as { name: string; messageType: { name: string; field: { name: string; typeName?: string }[] }[] });
    const names = files.map((file) => file.name);
    expect(names).toEqual(expect.arrayContaining(['visitsarch/gateway/v1/gateway_service.proto', 'google/protobuf/timestamp.proto', 'arrow/flight/protocol/flight.proto', 'health.proto']));
    const header = files.find((file) => file.name === 'visitsarch/gateway/v1/gateway_service.proto')!.messageType.find((message) => message.name === 'AddSimulationHeader')!;
    // What protobufjs's rebuilt descriptors got wrong: names as written, type names fully qualified.
    expect(header.field.find((field) => field.name === 'first_day_obs')).toBeDefined();
    expect(header.field.find((field) => field.name === 'creation_time')!.typeName).toBe('.google.protobuf.Timestamp');
  });

  it("chooses a server's services' files with everything they import, and no other service's", () => {
    const names = fileDescriptorsOfServices(['visitsarch.gateway.v1.GatewayService', 'grpc.health.v1.Health']).map((bytes) => (FileDescriptorProto.decode(bytes) as unknown as { name: string }).name);
    expect(names).toEqual(expect.arrayContaining(['visitsarch/gateway/v1/gateway_service.proto', 'visitsarch/metadata/v1/visit_sequence.proto', 'google/protobuf/timestamp.proto', 'health.proto']));
    expect(names).not.toContain('visitsarch/metadata/v1/registry_service.proto');
    expect(names).not.toContain('visitsarch/blob_archive/v1/blob_archive_service.proto');
  });

  it('refuses a file that is not a FileDescriptorSet', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-descriptors-'));
    try {
      fs.writeFileSync(path.join(directory, 'broken.binpb'), Buffer.from([0x0a, 0x7f, 1, 2]));
      expect(() => compiledFileDescriptors([path.join(directory, 'broken.binpb')])).toThrow('is not a FileDescriptorSet (run npm run generate)');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
