import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT, type consdbIngestV1 } from '@visitsarch/contracts';
import { checkHealth, grpcServiceCheck, replicaAddresses } from './health-client';
import { ServiceClient } from './service-client';
import { startHealthServer } from './testing';

/** A server of ConsdbIngestService whose GetDefaultConsdbQuery answers with its own name. */
async function startNamedServer(name: string): Promise<{ address: string; port: number; stop(): Promise<void> }> {
  const definition = protoLoader.loadSync(CONTRACTS.consdbIngest.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const server = new grpc.Server();
  server.addService(definition[CONTRACTS.consdbIngest.serviceNames[0]] as grpc.ServiceDefinition, {
    GetDefaultConsdbQuery: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<{ query: string }>) => callback(null, { query: name }),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

const ask = (client: ServiceClient<consdbIngestV1.ConsdbIngestServiceClient>) => client.unary('getDefaultConsdbQuery', { telescope: 'simonyi' }, { deadline: Date.now() + 5000 }).then((response) => response.query);

describe('several replicas behind one address list', () => {
  it('splits an ipv4:/ipv6: list into its replicas; any other address is one', () => {
    expect(replicaAddresses('ipv4:127.0.0.1:1,127.0.0.1:2')).toEqual(['ipv4:127.0.0.1:1', 'ipv4:127.0.0.1:2']);
    expect(replicaAddresses('ipv6:[::1]:1,[::1]:2')).toEqual(['ipv6:[::1]:1', 'ipv6:[::1]:2']);
    for (const one of ['127.0.0.1:1', 'ipv4:127.0.0.1:1', 'dns:///metadata:50052']) expect(replicaAddresses(one)).toEqual([one]);
  });

  it('ServiceClient spreads calls round robin over the list, and keeps answering when a replica stops', async () => {
    const [a, b] = await Promise.all([startNamedServer('a'), startNamedServer('b')]);
    const client = new ServiceClient<consdbIngestV1.ConsdbIngestServiceClient>(CONTRACTS.consdbIngest, `ipv4:${a.address},${b.address}`);
    const single = new ServiceClient<consdbIngestV1.ConsdbIngestServiceClient>(CONTRACTS.consdbIngest, b.address);
    try {
      await ask(client); // connects to both
      await new Promise((resolve) => setTimeout(resolve, 200));
      const answers: string[] = [];
      for (let i = 0; i < 20; i++) answers.push(await ask(client));
      expect(answers.filter((name) => name === 'a').length).toBeGreaterThanOrEqual(5);
      expect(answers.filter((name) => name === 'b').length).toBeGreaterThanOrEqual(5);
      expect(await ask(single)).toBe('b'); // one address: grpc-js's default policy, as before

      await a.stop();
      const after: string[] = [];
      for (let i = 0; i < 10; i++) after.push(await ask(client));
      expect(after).toEqual(Array(10).fill('b'));
    } finally {
      client.close();
      single.close();
      await b.stop();
    }
  });

  it('a dependency given as several replicas is SERVING while any replica is', async () => {
    const [a, b] = await Promise.all([startHealthServer('NOT_SERVING'), startHealthServer('SERVING')]);
    const list = `ipv4:${a.address},${b.address}`;
    try {
      expect(await checkHealth(list)).toBe('SERVING');
      await expect(grpcServiceCheck(list)()).resolves.toBeUndefined();
      b.setStatus('NOT_SERVING');
      expect(await checkHealth(list)).toBe('NOT_SERVING');
      await expect(grpcServiceCheck(list)()).rejects.toThrow(`no replica of ${list} is SERVING (ipv4:${a.address} NOT_SERVING, ipv4:${b.address} NOT_SERVING)`);
      await a.stop();
      expect(await checkHealth(list, '', 500)).toBe('NOT_SERVING');
      b.setStatus('SERVING');
      expect(await checkHealth(list, '', 500)).toBe('SERVING');
      await expect(grpcServiceCheck(list)()).resolves.toBeUndefined();
    } finally {
      await b.stop();
    }
    expect(await checkHealth(list, '', 500)).toBe('UNREACHABLE');
    await expect(grpcServiceCheck(list)()).rejects.toThrow(`no replica of ${list} is SERVING (ipv4:${a.address} UNREACHABLE, ipv4:${b.address} UNREACHABLE)`);
  });
});
