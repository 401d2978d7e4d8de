import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT, PreciseDate, parsePreciseInstant, type metadataV1 } from './index';

describe('instants to the microsecond (issue 16)', () => {
  it('reads PostgreSQL and ISO 8601 text with every fraction digit', () => {
    const parsed = parsePreciseInstant('2025-11-01 15:00:00.654321+00')!;
    expect(parsed).toBeInstanceOf(PreciseDate);
    expect(parsed.toISOString()).toBe('2025-11-01T15:00:00.654321Z');
    expect(parsed.getTime()).toBe(Date.parse('2025-11-01T15:00:00.654Z'));
    expect(JSON.stringify({ at: parsed })).toBe('{"at":"2025-11-01T15:00:00.654321Z"}');
    expect(parsePreciseInstant('2025-11-01T17:00:00.000001+02:00')!.toISOString()).toBe('2025-11-01T15:00:00.000001Z');
    expect(parsePreciseInstant('2025-11-01 15:00:00.5+00')!.toISOString()).toBe('2025-11-01T15:00:00.500Z');
    expect(parsePreciseInstant('2025-11-01 15:00:00+00')!.toISOString()).toBe('2025-11-01T15:00:00.000Z');
    expect(parsePreciseInstant('2025-11-01T15:00:00.123456789Z')!.toISOString()).toBe('2025-11-01T15:00:00.123456789Z');
    expect(parsePreciseInstant('infinity')).toBeUndefined();
  });

  it('carries the microseconds through google.protobuf.Timestamp both ways, as NestJS and the clients encode', () => {
    const packageDefinition = protoLoader.loadSync(CONTRACTS.metadata.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const method = (packageDefinition['visitsarch.metadata.v1.MetadataService'] as unknown as grpc.ServiceDefinition).GetVisitSequence;
    const precise = parsePreciseInstant('2025-11-01 15:00:00.654321+00')!;
    const bytes = method.responseSerialize({ visitSequence: { visitseqUuid: 'x', creationTime: precise } });
    const decoded = method.responseDeserialize(bytes) as { visitSequence: metadataV1.VisitSequence };
    expect(decoded.visitSequence.creationTime!.toISOString()).toBe('2025-11-01T15:00:00.654321Z');
    // A plain Date stays a plain Date.
    const plain = method.responseDeserialize(method.responseSerialize({ visitSequence: { creationTime: new Date('2025-11-01T15:00:00.654Z') } })) as { visitSequence: metadataV1.VisitSequence };
    expect(plain.visitSequence.creationTime).not.toBeInstanceOf(PreciseDate);
    expect(plain.visitSequence.creationTime!.toISOString()).toBe('2025-11-01T15:00:00.654Z');
    // Before 1970 too.
    const early = parsePreciseInstant('1969-12-31 23:59:59.999999+00')!;
    const back = method.responseDeserialize(method.responseSerialize({ visitSequence: { creationTime: early } })) as { visitSequence: metadataV1.VisitSequence };
    expect(back.visitSequence.creationTime!.toISOString()).toBe('1969-12-31T23:59:59.999999Z');
  });
});
