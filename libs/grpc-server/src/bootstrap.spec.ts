import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS } from '@visitsarch/contracts';
import { checkHealth, listHealth } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { decodeStatusDetails } from './errors';
import { metadataClient, ProbeModule } from './testing/probe-service';
import { startGrpcService, RunningGrpcService } from './bootstrap';
import { RECEIVE_WINDOW_BYTES } from './flow-control';
import * as http2 from 'node:http2';

jest.setTimeout(30_000);


function unary(client: grpc.Client & Record<string, Function>, method: string, request: object): Promise<grpc.ServiceError | undefined> {
  return new Promise((resolve) => client[method](request, { deadline: Date.now() + 5000 }, (error: grpc.ServiceError | null) => resolve(error ?? undefined)));
}

describe('startGrpcService', () => {
  let dependencyUp = false;
  let service: RunningGrpcService;
  let address: string;

  beforeAll(async () => {
    service = await startGrpcService({
      contract: CONTRACTS.metadata,
      module: ProbeModule,
      address: '127.0.0.1:0',
      logger: createLogger('test', 'silent'),
      dependencies: [{ name: 'database', check: async () => { if (!dependencyUp) throw new Error('down'); } }],
      healthIntervalMs: 100,
    });
    address = `127.0.0.1:${service.port}`;
  });
  afterAll(() => service?.shutdown());

  it('is NOT_SERVING until its dependencies answer, then SERVING', async () => {
    expect(await checkHealth(address)).toBe('NOT_SERVING');
    expect(await checkHealth(address, 'visitsarch.metadata.v1.MetadataService')).toBe('NOT_SERVING');
    expect(await checkHealth(address, 'liveness')).toBe('SERVING');
    dependencyUp = true;
    await service.health.checkOnce();
    expect(await checkHealth(address)).toBe('SERVING');
    expect(await checkHealth(address, 'visitsarch.metadata.v1.MetadataService')).toBe('SERVING');
    expect(await listHealth(address)).toMatchObject({ '': 'SERVING', 'dependency/database': 'SERVING' });
    expect(await checkHealth(address, 'no.such.Service')).toBe('SERVICE_UNKNOWN');
  });

  it('answers UNIMPLEMENTED for RPCs without a handler', async () => {
    const error = await unary(metadataClient(address), 'ListVisitSequences', {});
    expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('sends the status code, a readable message and google.rpc.Status details', async () => {
    const error = await unary(metadataClient(address), 'GetVisitSequence', { visitseqUuid: '00000000-0000-4000-8000-000000000000' });
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(error?.details).toBe('VisitSequence 00000000-0000-4000-8000-000000000000 not found');
    const details = decodeStatusDetails(error?.metadata);
    expect(details?.code).toBe(grpc.status.NOT_FOUND);
    expect(details?.details.map((any) => any.typeUrl)).toEqual(['type.googleapis.com/google.rpc.ErrorInfo', 'type.googleapis.com/google.rpc.ResourceInfo']);
  });

  it('serves reflection, listing its own services', async () => {
    const reflection = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true });
    const loaded = grpc.loadPackageDefinition(reflection) as any;
    const client = new loaded.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (response: any) => {
        resolve(response.list_services_response.service.map((entry: { name: string }) => entry.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    client.close();
    expect(names).toEqual(expect.arrayContaining(['visitsarch.metadata.v1.MetadataService', 'grpc.health.v1.Health']));
  });

  it('grants each connection and stream a 16 MiB receive window (uploads are not throttled by 64 KiB windows)', async () => {
    const session = http2.connect(`http://${address}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
      expect(settings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
      // The connection-level window arrives as a WINDOW_UPDATE right after the SETTINGS.
      for (let i = 0; i < 50 && (session.state.remoteWindowSize ?? 0) < RECEIVE_WINDOW_BYTES; i++) await new Promise((r) => setTimeout(r, 20));
      expect(session.state.remoteWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    } finally {
      session.destroy();
    }
  });

  it('reports NOT_SERVING once shutting down', async () => {
    service.health.stop();
    expect(await checkHealth(address)).toBe('NOT_SERVING');
  });

  it('refuses to start with a pre-encoded response method the contract does not have', async () => {
    await expect(
      startGrpcService({
        contract: CONTRACTS.metadata,
        module: ProbeModule,
        address: '127.0.0.1:0',
        logger: createLogger('test', 'silent'),
        preEncodedResponses: ['visitsarch.metadata.v1.MetadataService.NoSuchMethod'],
      }),
    ).rejects.toThrow(/no method visitsarch.metadata.v1.MetadataService.NoSuchMethod/);
  });
});
