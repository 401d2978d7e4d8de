import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { freeAddress } from '@visitsarch/grpc-client';
import { commonServiceSchema } from '@visitsarch/grpc-server';
import { createLogger } from '@visitsarch/logging';
import { REPO_ROOT } from './support/run';
import { serviceSpec, SERVICES, type ServiceDir } from './support/service-specs';

// The run-time call graph (services → what they dial), derived from each service's settings and
// from its code, against the graph drawn in docs/architecture.md ("Call graph") and against the
// dependencies each service's grpc.health.v1 status follows (decision 0004).

type Service = ServiceDir;
const SERVICE_NAMES = Object.keys(SERVICES) as Service[];

/**
 * What a service may call besides the archive's services, how its code shows it, and the name of
 * its health dependency (none for ConsDB: outside the archive, and each request may name its own
 * endpoint, so its outages fail requests, not readiness).
 */
const INFRASTRUCTURE = {
  postgresql: { used: /from '@visitsarch\/db'/, health: 'postgresql' },
  storage: { used: /\bnew ArchiveStorage\(/, health: 'archive' },
  consdb: { used: /\bopenConsdb\(/, health: undefined },
} as const;
type Infrastructure = keyof typeof INFRASTRUCTURE;

type Graph = Record<Service, string[]>;

/** The service a contract is served by. */
function serviceOfContract(contract: { serviceNames: string[] }): Service {
  const found = SERVICE_NAMES.filter((service) => contract.serviceNames.some((name) => serviceSpec(service).contract.serviceNames.includes(name)));
  if (found.length !== 1) throw new Error(`no single service serves ${contract.serviceNames.join(', ')}`);
  return found[0];
}

/** A service's address settings (`*_ADDRESS`) and the service each names: the one whose default address it has. */
function addressVariables(service: Service): Record<string, Service> {
  const result: Record<string, Service> = {};
  for (const [variable, setting] of Object.entries(serviceSpec(service).schema)) {
    if (!variable.endsWith('_ADDRESS')) continue;
    const target = SERVICE_NAMES.filter((other) => serviceSpec(other).defaultAddress === (setting as { default?: unknown }).default);
    if (target.length !== 1) throw new Error(`${service}: cannot tell which service ${variable} names (its default is no service's default address)`);
    result[variable] = target[0];
  }
  return result;
}

/** The service's own sources: not its tests, not its test fixtures. */
function sources(service: Service): { file: string; text: string }[] {
  const root = path.join(REPO_ROOT, 'services', service, 'src');
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.split(path.sep).includes('testing'))
    .map((file) => ({ file: path.join('services', service, 'src', file), text: fs.readFileSync(path.join(root, file), 'utf8') }));
}

/** The services a service's code constructs clients of (`new ServiceClient(CONTRACTS.<x>, …)`). */
function dialledInCode(service: Service): Service[] {
  const dialled = new Set<Service>();
  for (const { file, text } of sources(service)) {
    const constructions = text.match(/\bnew ServiceClient\b[^(]*\(/g) ?? [];
    const named = [...text.matchAll(/\bnew ServiceClient\b[^(]*\(\s*CONTRACTS\.(\w+)\s*,/g)];
    if (named.length !== constructions.length) throw new Error(`${file}: a ServiceClient not constructed from CONTRACTS.<service>, so whom it dials cannot be told`);
    for (const [, key] of named) {
      const contract = (CONTRACTS as unknown as Record<string, { serviceNames: string[] }>)[key];
      if (!contract) throw new Error(`${file}: CONTRACTS.${key} is no contract`);
      dialled.add(serviceOfContract(contract));
    }
  }
  return [...dialled].sort();
}

function infrastructureInCode(service: Service): Infrastructure[] {
  const texts = sources(service).map((source) => source.text);
  return (Object.keys(INFRASTRUCTURE) as Infrastructure[]).filter((kind) => texts.some((text) => INFRASTRUCTURE[kind].used.test(text)));
}

function derivedGraph(): Graph {
  return Object.fromEntries(SERVICE_NAMES.map((service) => [service, [...new Set(Object.values(addressVariables(service)))].sort()])) as Graph;
}

/** A cycle of the graph as a path (first node repeated at the end), or undefined. */
function findCycle(graph: Record<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, trail: string[]): string[] | undefined => {
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    for (const next of graph[node] ?? []) {
      const cycle = visit(next, [...trail, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(graph)) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The edges of the mermaid flowchart under "## Call graph" in docs/architecture.md, as `from --> to` with the nodes' labels. */
function documentedEdges(): string[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith('Call graph\n'));
  if (!section) throw new Error('docs/architecture.md has no "## Call graph" section');
  const blocks = [...section.matchAll(/```mermaid\n([\s\S]*?)```/g)];
  if (blocks.length !== 1) throw new Error(`the "Call graph" section should have one mermaid block, it has ${blocks.length}`);
  const lines = blocks[0][1].split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('%%'));
  if (!/^flowchart\b/.test(lines[0])) throw new Error('the call graph should be a mermaid flowchart');
  const labels = new Map<string, string>();
  const edges: string[] = [];
  for (const line of lines.slice(1)) {
    const node = /^(\w+)\s*[[(]+([^\])]+)[\])]+$/.exec(line);
    const edge = /^(\w+)\s*-->\s*(\w+)$/.exec(line);
    if (node) labels.set(node[1], node[2]);
    else if (edge) edges.push(`${edge[1]} --> ${edge[2]}`);
    else throw new Error(`the call graph has a line this test does not read: ${line}`);
  }
  const label = (id: string) => {
    if (!labels.has(id)) throw new Error(`the call graph's node ${id} has no label`);
    return labels.get(id) as string;
  };
  return edges.map((edge) => edge.split(' --> ').map(label).join(' --> ')).sort();
}

/** The label the drawing gives each node: a service's name, or its infrastructure's. */
const INFRASTRUCTURE_LABELS: Record<Infrastructure, string> = { postgresql: 'PostgreSQL', storage: 'storage', consdb: 'ConsDB' };

describe('the call graph', () => {
  const graph = derivedGraph();

  it('is what each service’s settings say, and what its code dials', () => {
    for (const service of SERVICE_NAMES) expect({ service, dials: dialledInCode(service) }).toEqual({ service, dials: graph[service] });
    expect(graph.gateway.length).toBeGreaterThan(0); // the derivation sees the gateway's calls
  });

  it('has no cycle (and the check finds one when a call back is added)', () => {
    expect(findCycle(graph)).toBeUndefined();
    expect(findCycle({ ...graph, 'consdb-ingest': ['gateway'] })).toEqual(['gateway', 'consdb-ingest', 'gateway']);
    expect(findCycle({ ...graph, metadata: ['stats'] })).toEqual(['metadata', 'stats', 'metadata']);
  });

  it('is the graph drawn in docs/architecture.md', () => {
    const derived = SERVICE_NAMES.flatMap((service) => [
      ...graph[service].map((target) => `${service} --> ${target}`),
      ...infrastructureInCode(service).map((kind) => `${service} --> ${INFRASTRUCTURE_LABELS[kind]}`),
    ]).sort();
    expect(documentedEdges()).toEqual(derived);
  });

  describe.each(SERVICE_NAMES)('%s', (service) => {
    let home: string;
    beforeAll(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-call-graph-'))));
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

    it('follows in its health exactly what it calls: the services it dials, at the addresses it dials them, and its PostgreSQL or storage', async () => {
      const spec = serviceSpec(service);
      // Each address setting gets an address of its own where nothing listens, so a check's failure names the address it asked.
      const addresses: Record<string, string> = {};
      for (const variable of Object.keys(addressVariables(service))) addresses[variable] = await freeAddress();
      const env = {
        ...addresses,
        LOG_LEVEL: 'fatal',
        DATABASE_URL: 'postgresql://writer:secret@127.0.0.1:1/opsim_log',
        VISITSARCH_ARCHIVE_URL: `file://${home}/`,
      };
      const config = loadConfig({ ...commonServiceSchema(spec.defaultAddress), ...spec.schema }, env);
      const { dependencies } = spec.build(config as never, createLogger(`visitsarch-${service}`, 'fatal'));
      const names = dependencies.map((dependency) => dependency.name);
      expect(new Set(names).size).toBe(names.length);

      const serviceChecks = dependencies.filter((dependency) => (SERVICE_NAMES as string[]).includes(dependency.name));
      expect(serviceChecks.map((dependency) => dependency.name).sort()).toEqual(graph[service]);
      for (const dependency of serviceChecks) {
        const variable = Object.keys(addresses).find((name) => addressVariables(service)[name] === dependency.name) as string;
        await expect(dependency.check()).rejects.toThrow(addresses[variable]);
      }

      const expectedInfrastructure = infrastructureInCode(service).flatMap((kind) => INFRASTRUCTURE[kind].health ?? []);
      expect(names.filter((name) => !(SERVICE_NAMES as string[]).includes(name)).sort()).toEqual(expectedInfrastructure.sort());
    });
  });
});
