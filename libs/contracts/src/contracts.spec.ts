import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, gatewayV1, metadataV1, PROTO_LOADER_OPTIONS, PROTO_ROOT } from './index';

const load = (files: string[]) => protoLoader.loadSync(files, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });

describe('contracts', () => {
  it.each(Object.entries(CONTRACTS))('%s: the proto loads at run time and defines its service', (_name, contract) => {
    const definition = load(contract.protoFiles);
    for (const service of contract.serviceNames) {
      expect(definition[service]).toBeDefined();
      expect(Object.keys(definition[service]).length).toBeGreaterThan(0);
    }
  });

  it('the generated NestJS controller interfaces name exactly the RPCs of the proto', () => {
    const definition = load(CONTRACTS.metadata.protoFiles)['visitsarch.metadata.v1.MetadataService'] as grpc.ServiceDefinition;
    const rpcs = Object.values(definition).map((method) => method.originalName);
    const source = fs.readFileSync(path.join(__dirname, 'gen/visitsarch/metadata/v1/metadata_service.ts'), 'utf8');
    const grpcMethods = /const grpcMethods: string\[\] = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
    const streamMethods = /const grpcStreamMethods: string\[\] = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
    const generated = `${grpcMethods},${streamMethods}`.match(/"(\w+)"/g)?.map((quoted) => quoted.slice(1, -1)) ?? [];
    expect(new Set(generated.map((name) => name.toLowerCase()))).toEqual(new Set(rpcs.map((name) => name?.toLowerCase())));
  });

  it('keeps run-time values and generated types consistent: Timestamp <-> Date, Struct <-> object, bytes', () => {
    const definition = load(CONTRACTS.metadata.protoFiles);
    // Through the method's own serializers, as NestJS uses them.
    const method = (definition['visitsarch.metadata.v1.MetadataService'] as grpc.ServiceDefinition).GetVisitSequence;
    const sequence: metadataV1.VisitSequence = {
      visitseqUuid: '7f8a0e4e-3a0b-4e5f-9d8e-2f1c6b5a4d3c',
      visitseqSha256: Buffer.alloc(32, 1),
      visitseqLabel: 'prenight 2025-08-14',
      telescope: 'simonyi',
      firstDayObs: '2025-08-14',
      lastDayObs: '2025-08-16',
      creationTime: new Date('2025-08-14T18:00:00.123Z'),
      kind: 1,
      tags: ['prenight', 'nominal'],
      simulation: { schedulerVersion: '3.10.0', configUrl: '', simRunnerArgs: { sim_duration: 3, keep_rewards: true }, parentVisitseqUuid: '', parentLastDayObs: '' },
    } as unknown as metadataV1.VisitSequence;
    const bytes = method.responseSerialize({ visitSequence: sequence });
    const decoded = method.responseDeserialize(bytes) as { visitSequence: metadataV1.VisitSequence };
    expect(decoded.visitSequence.creationTime).toEqual(new Date('2025-08-14T18:00:00.123Z'));
    expect(decoded.visitSequence.simulation?.simRunnerArgs).toEqual({ sim_duration: 3, keep_rewards: true });
    expect(decoded.visitSequence.tags).toEqual(['prenight', 'nominal']);
    expect(Buffer.from(decoded.visitSequence.visitseqSha256)).toEqual(Buffer.alloc(32, 1));
    // The same bytes decode with the generated ts-proto codec.
    const viaTsProto = metadataV1.GetVisitSequenceResponse.decode(bytes);
    expect(viaTsProto.visitSequence?.visitseqLabel).toBe('prenight 2025-08-14');
  });

  it('carries int64 as JS numbers both ways', () => {
    const method = (load(CONTRACTS.metadata.protoFiles)['visitsarch.metadata.v1.MetadataService'] as grpc.ServiceDefinition).GetFile;
    const size = 719 * 1024 * 1024 * 1024; // above 2^32: a 719 GiB file size survives exactly
    const decoded = method.responseDeserialize(method.responseSerialize({ file: { fileType: 'visits', fileSize: size } })) as { file: metadataV1.VisitSequenceFile };
    expect(decoded.file.fileSize).toBe(size);
    expect(typeof decoded.file.fileSize).toBe('number');
  });

  it('every service has generated stubs for TypeScript', () => {
    expect(gatewayV1.GATEWAY_SERVICE_NAME).toBe('GatewayService');
    expect(metadataV1.METADATA_SERVICE_NAME).toBe('MetadataService');
  });
});
