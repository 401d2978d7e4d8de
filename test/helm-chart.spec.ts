import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type Schema } from '@visitsarch/config';
import { commonServiceSchema } from '@visitsarch/grpc-server';
import { REPO_ROOT, run } from './support/run';
import { serviceSpec, SERVICES, type ServiceDir } from './support/service-specs';

// The Helm chart (deploy/helm/visitsarch) against the services' own configuration: rendered with
// .tools/bin/helm, read back through the strict validator (.tools/bin/k8s-validate -json), and
// compared with the variables each service declares (its defineService schema plus the common
// ones), so a variable added to a service without a chart value, or misspelled in the chart, fails.

const HELM = path.join(REPO_ROOT, '.tools', 'bin', 'helm');
const VALIDATE = path.join(REPO_ROOT, '.tools', 'bin', 'k8s-validate');
const CHART = path.join(REPO_ROOT, 'deploy', 'helm', 'visitsarch');
const NAMESPACE = 'archive-ns';

/** Every variable a service reads through loadConfig: the common settings and its own. */
function declaredSchema(dir: ServiceDir): Schema {
  const spec = serviceSpec(dir);
  return { ...commonServiceSchema(spec.defaultAddress), ...spec.schema };
}

/**
 * Variables a service declares that the chart leaves unset on purpose: their defaults are right
 * in a cluster. Each must be declared and have a default (checked below), so this list cannot
 * hide a required variable or outlive one that is gone. Operators still set them through
 * `<service>.env`.
 */
const DEFAULTS_RIGHT_IN_A_CLUSTER: Partial<Record<ServiceDir, Record<string, string>>> = {
  gateway: {
    // Only reported by `visitsarch status`; Prometheus finds every pod through the ServiceMonitor, and one URL would name one replica.
    METADATA_METRICS_URL: "empty: the metadata pods' metrics URLs are not reported (Prometheus discovers them)",
    BLOB_ARCHIVE_METRICS_URL: 'empty: not reported, likewise',
    CONSDB_INGEST_METRICS_URL: 'empty: not reported, likewise',
    STATS_METRICS_URL: 'empty: not reported, likewise',
  },
  metadata: {
    QUERY_MAX_ROWS: 'row cap of free SQL (docs/data-model.md), not a matter of where the service runs',
    QUERY_MAX_TIMEOUT_S: 'longest statement timeout of free SQL',
    QUERY_MAX_CONCURRENT: 'concurrent free SQL queries per pod',
    UPSTREAM_ALLOWED_ENDPOINTS: 'empty: ImportUpstream is refused until the operator lists the upstream databases it may reach (metadata.env)',
  },
  'blob-archive': {
    INCOMING_GRACE_S: 'age after which the start-up sweep removes temporary upload files of file archives (an hour outlasts any upload)',
  },
  'consdb-ingest': {
    ACCESS_TOKEN_FILE: 'empty: the RSP token comes from ACCESS_TOKEN (secretEnv, e.g. a GafaelfawrServiceToken Secret)',
    CONSDB_ROW_LIMIT: "ConsDB's own row cap (pqserver's max_rows)",
    CONSDB_TIMEOUT_MS: 'how long one ConsDB query may take',
    CONSDB_SURVEY_START_MJD: "rubin_scheduler's SURVEY_START_MJD; requests may override it",
  },
};

/** Variables every service declares (commonServiceSchema) whose defaults are right in a cluster, as above. */
const COMMON_DEFAULTS_RIGHT_IN_A_CLUSTER: Record<string, string> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'empty: no spans are exported until the operator names a collector (<service>.env); trace ids reach the logs all the same',
  OTEL_SERVICE_NAME: 'empty: visitsarch-<service>',
};

/** Variables the chart sets that are read outside loadConfig. */
const READ_OUTSIDE_THE_SCHEMA: Partial<Record<ServiceDir, Record<string, string>>> = {
  metadata: { VISITSARCH_POSTGRES_PASSWORD: "the in-chart PostgreSQL's password, expanded into DATABASE_URL by Kubernetes ($(…))" },
  'blob-archive': {
    AWS_ACCESS_KEY_ID: "the AWS SDK's credential chain",
    AWS_SECRET_ACCESS_KEY: "the AWS SDK's credential chain",
    AWS_REGION: 'the AWS SDK and libs/storage/src/probe.ts',
  },
};

/** Stand-ins for the values Secrets hold, so that the rendered environment can be parsed. */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgresql://writer:secret@db.example:5432/opsim_log',
  QUERY_DATABASE_URL: 'postgresql://reader:secret@db.example:5432/opsim_log',
  VISITSARCH_POSTGRES_PASSWORD: 'Abc123',
  AWS_ACCESS_KEY_ID: 'key-id',
  AWS_SECRET_ACCESS_KEY: 'secret-key',
  ACCESS_TOKEN: 'token',
};

/** Which variable names which service (the *_ADDRESS settings), so who calls whom. */
const ADDRESS_VARIABLES: Record<string, ServiceDir> = {
  METADATA_SERVICE_ADDRESS: 'metadata',
  BLOB_ARCHIVE_SERVICE_ADDRESS: 'blob-archive',
  CONSDB_INGEST_SERVICE_ADDRESS: 'consdb-ingest',
  STATS_SERVICE_ADDRESS: 'stats',
};

const VALUES_FILES = {
  'default values': [] as string[],
  'ci/production-values.yaml': ['--values', path.join(CHART, 'ci', 'production-values.yaml')],
  'ci/trial-values.yaml': ['--values', path.join(CHART, 'ci', 'trial-values.yaml')],
};

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: any };
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } };

function requireTools(): void {
  for (const [binary, script] of [
    [HELM, 'tools/install-helm.sh'],
    [VALIDATE, 'tools/install-k8s-validate.sh'],
  ]) {
    if (!fs.existsSync(binary)) throw new Error(`${path.relative(REPO_ROOT, binary)} is missing: run \`bash ${script}\` (npm test does)`);
  }
}

/** The chart rendered with these helm options, read back through the strict validator. */
async function render(options: string[]): Promise<K8sObject[]> {
  const rendered = await run(HELM, ['template', 'visitsarch', CHART, '--namespace', NAMESPACE, ...options]);
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const validated = await run(VALIDATE, ['-json'], { input: rendered.stdout });
  if (validated.code !== 0) throw new Error(`k8s-validate refused the rendered chart:\n${validated.stderr}`);
  return JSON.parse(validated.stdout);
}

function deploymentOf(objects: K8sObject[], dir: ServiceDir): K8sObject {
  const found = objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === dir);
  expect(found).toHaveLength(1);
  return found[0];
}

function containerOf(deployment: K8sObject): any {
  expect(deployment.spec.template.spec.containers).toHaveLength(1);
  return deployment.spec.template.spec.containers[0];
}

/** The Service that routes to a Deployment's pods: its selector is a subset of their labels. */
function serviceFor(objects: K8sObject[], deployment: K8sObject): K8sObject {
  const labels: Record<string, string> = deployment.spec.template.metadata.labels;
  const found = objects.filter((o) => o.kind === 'Service' && Object.entries(o.spec.selector ?? {}).every(([k, v]) => labels[k] === v));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The environment a container gets, as a process sees it (Secrets stood in, $(VAR) expanded). */
function processEnvironment(env: EnvVar[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const variable of env) {
    if (variable.valueFrom) {
      const key = variable.valueFrom.secretKeyRef?.key;
      const standIn = SECRET_STAND_INS[variable.name];
      if (!key || standIn === undefined) throw new Error(`${variable.name}: no stand-in for ${JSON.stringify(variable.valueFrom)}`);
      result[variable.name] = standIn;
    } else {
      result[variable.name] = (variable.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => result[name] ?? whole);
    }
  }
  return result;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe('the Helm chart (deploy/helm/visitsarch)', () => {
  beforeAll(requireTools);

  it('lints, renders and validates strictly with every values file (tools/check-chart.sh)', async () => {
    const checked = await run('bash', [path.join(REPO_ROOT, 'tools', 'check-chart.sh')], { timeoutMs: 600_000 });
    expect(checked.stderr).not.toMatch(/check-chart:/);
    expect(checked.code).toBe(0);
    expect(checked.stdout.match(/k8s-validate: \d+ objects valid/g)).toHaveLength(Object.keys(VALUES_FILES).length);
  }, 600_000);

  it('the validator refuses a misspelled field of a rendered Deployment, and an unknown kind', async () => {
    const rendered = await run(HELM, ['template', 'visitsarch', CHART]);
    expect(rendered.code).toBe(0);
    const misspelled = rendered.stdout.replace('readinessProbe:', 'readinesProbe:');
    expect(misspelled).not.toBe(rendered.stdout);
    const refused = await run(VALIDATE, [], { input: misspelled });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Deployment\/visitsarch-[a-z-]+\): unknown field "spec\.template\.spec\.containers\[0\]\.readinesProbe"/);

    const unknownKind = await run(VALIDATE, [], { input: rendered.stdout.replace('kind: PodDisruptionBudget', 'kind: PodDisruptionBudgets') });
    expect(unknownKind.code).toBe(1);
    expect(unknownKind.stderr).toContain('unknown apiVersion/kind "policy/v1"/"PodDisruptionBudgets"');
  });

  it('values.schema.json refuses an unknown or misspelled value', async () => {
    const refused = await run(HELM, ['template', 'visitsarch', CHART, '--set', 'metadata.replica=2']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("additional properties 'replica' not allowed");
  });

  describe.each(Object.entries(VALUES_FILES))('rendered with %s', (_label, options) => {
    let objects: K8sObject[];
    beforeAll(async () => {
      requireTools();
      objects = await render(options);
    });

    describe.each(Object.keys(SERVICES) as ServiceDir[])('%s', (dir) => {
      it('sets every variable the service declares, unless its default is right in a cluster, and nothing it does not read', () => {
        const schema = declaredSchema(dir);
        const declared = Object.keys(schema);
        const defaulted = Object.keys({ ...COMMON_DEFAULTS_RIGHT_IN_A_CLUSTER, ...DEFAULTS_RIGHT_IN_A_CLUSTER[dir] });
        const extra = Object.keys(READ_OUTSIDE_THE_SCHEMA[dir] ?? {});
        for (const variable of defaulted) {
          expect({ variable, declared: variable in schema, hasDefault: 'default' in (schema[variable] ?? {}) }).toEqual({ variable, declared: true, hasDefault: true });
        }
        const set = (containerOf(deploymentOf(objects, dir)).env as EnvVar[]).map((v) => v.name);
        expect(new Set(set).size).toBe(set.length);
        expect(declared.filter((v) => !set.includes(v) && !defaulted.includes(v))).toEqual([]);
        expect(set.filter((v) => !declared.includes(v) && !extra.includes(v))).toEqual([]);
      });

      it('gives values the service accepts (its own loadConfig parses them)', () => {
        const env = processEnvironment(containerOf(deploymentOf(objects, dir)).env);
        expect(() => loadConfig(declaredSchema(dir), env)).not.toThrow();
        // Every value was parsed as given: an empty one would silently fall back to a developer default.
        for (const variable of ['GRPC_ADDRESS', ...Object.keys(ADDRESS_VARIABLES)].filter((v) => v in env)) expect(env[variable]).not.toBe('');
      });

      it('listens on 0.0.0.0 at the port its Service, container and gRPC probes use', () => {
        const deployment = deploymentOf(objects, dir);
        const container = containerOf(deployment);
        const port = container.ports.find((p: any) => p.name === 'grpc').containerPort;
        expect(processEnvironment(container.env).GRPC_ADDRESS).toBe(`0.0.0.0:${port}`);
        expect(container.command).toEqual(['node', '--single-threaded-gc', `services/${dir}/dist/main.js`]);
        expect(container.readinessProbe.grpc).toEqual({ port });
        expect(container.livenessProbe.grpc).toEqual({ port, service: 'liveness' });
        expect(container.startupProbe.grpc).toEqual({ port, service: 'liveness' });
        const service = serviceFor(objects, deployment);
        expect(service.spec.ports.find((p: any) => p.name === 'grpc')).toMatchObject({ port, targetPort: 'grpc', appProtocol: 'grpc' });
      });

      it('serves metrics on 0.0.0.0 at the port named `metrics` of its container and Service, open to the scrapers of the values', () => {
        const deployment = deploymentOf(objects, dir);
        const container = containerOf(deployment);
        const port = container.ports.find((p: any) => p.name === 'metrics')?.containerPort;
        expect(port).toBe(9090);
        expect(processEnvironment(container.env).METRICS_ADDRESS).toBe(`0.0.0.0:${port}`);
        expect(serviceFor(objects, deployment).spec.ports.find((p: any) => p.name === 'metrics')).toMatchObject({ port, targetPort: 'metrics', protocol: 'TCP' });
        const policy = objects.find((o) => o.kind === 'NetworkPolicy' && selects(o.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels));
        const metricsRules = policy!.spec.ingress.filter((rule: any) => rule.ports.some((p: any) => p.port === 'metrics'));
        expect(metricsRules).toHaveLength(1);
        expect(metricsRules[0].ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
        // Production lets only its monitoring namespace scrape; the defaults, anyone.
        expect(metricsRules[0].from).toEqual(options.length && options[1].endsWith('production-values.yaml') ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] : undefined);
      });

      it('dials the other services at their in-cluster Service DNS names', () => {
        const env = processEnvironment(containerOf(deploymentOf(objects, dir)).env);
        const dialled = Object.entries(ADDRESS_VARIABLES).filter(([variable]) => variable in declaredSchema(dir));
        for (const [variable, target] of dialled) {
          const targetDeployment = deploymentOf(objects, target);
          const service = serviceFor(objects, targetDeployment);
          const port = containerOf(targetDeployment).ports.find((p: any) => p.name === 'grpc').containerPort;
          // A headless Service is dialled as dns:/// so that clients balance over its pods (round robin).
          const scheme = service.spec.clusterIP === 'None' ? 'dns:///' : '';
          expect({ variable, address: env[variable] }).toEqual({ variable, address: `${scheme}${service.metadata.name}.${NAMESPACE}.svc:${port}` });
        }
        if (dir === 'gateway' && env.BLOB_ARCHIVE_FLIGHT_LOCATION !== undefined && !options.length) {
          expect(env.BLOB_ARCHIVE_FLIGHT_LOCATION).toBe(`grpc://${env.BLOB_ARCHIVE_SERVICE_ADDRESS.replace(/^dns:\/\/\//, '')}`);
        }
      });

      it('runs as non-root on a read-only root filesystem, with every directory it writes an emptyDir', () => {
        const pod = deploymentOf(objects, dir).spec.template.spec;
        const container = containerOf(deploymentOf(objects, dir));
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
        const env = processEnvironment(container.env);
        const config = loadConfig(declaredSchema(dir), env) as Record<string, unknown>;
        const written = ['/tmp', ...(dir === 'blob-archive' ? [config.VISITSARCH_SPOOL_DIR as string] : [])];
        if (dir === 'blob-archive') expect(written[1]).not.toBe('/tmp');
        for (const directory of written) {
          const mount = container.volumeMounts.find((m: any) => m.mountPath === directory);
          expect({ directory, mounted: !!mount }).toEqual({ directory, mounted: true });
          expect(pod.volumes.find((v: any) => v.name === mount.name).emptyDir).toBeDefined();
        }
      });
    });

    it('lets each service be called only by the services that dial it (NetworkPolicy)', () => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      expect(policies.length).toBeGreaterThan(0); // on by default and in every values file here
      const components = Object.keys(SERVICES) as ServiceDir[];
      const labelsOf = (dir: ServiceDir): Record<string, string> => deploymentOf(objects, dir).spec.template.metadata.labels;
      for (const target of components) {
        // Who calls whom, from the rendered environment: the services whose *_ADDRESS names the target.
        const callers = components.filter((caller) => {
          const env = processEnvironment(containerOf(deploymentOf(objects, caller)).env);
          return Object.entries(ADDRESS_VARIABLES).some(([variable, dialled]) => dialled === target && variable in env);
        });
        const policy = policies.filter((p) => selects(p.spec.podSelector.matchLabels, labelsOf(target)));
        expect(policy).toHaveLength(1);
        const grpcRules = policy[0].spec.ingress.filter((rule: any) => rule.ports.some((p: any) => p.port === 'grpc'));
        expect(grpcRules).toHaveLength(1);
        const from: any[] | undefined = grpcRules[0].from;
        if (target === 'gateway' && from === undefined) continue; // anyone may call the gateway
        const allowed = components.filter((dir) => from?.some((peer) => peer.podSelector && selects(peer.podSelector.matchLabels, labelsOf(dir))));
        expect({ target, allowed: allowed.sort() }).toEqual({ target, allowed: [...callers].sort() });
      }
      // No call-back: no service dials the gateway (docs/architecture.md, "Call graph").
      const env = processEnvironment(containerOf(deploymentOf(objects, 'consdb-ingest')).env);
      expect(Object.keys(ADDRESS_VARIABLES).filter((variable) => variable in env)).toEqual([]);
    });
  });

  it('scales each service with a HorizontalPodAutoscaler and a PodDisruptionBudget in production', async () => {
    const objects = await render(VALUES_FILES['ci/production-values.yaml']);
    const production = fs.readFileSync(path.join(CHART, 'ci', 'production-values.yaml'), 'utf8');
    expect(production).toMatch(/serviceMonitor:\s*\n\s*enabled: true/);
    for (const dir of Object.keys(SERVICES) as ServiceDir[]) {
      const deployment = deploymentOf(objects, dir);
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === deployment.metadata.name);
      if (hpa) {
        expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the count
        expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      } else {
        expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      }
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
      expect(pdbs).toHaveLength(1);
    }
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors).toHaveLength(1);
    // It scrapes /metrics, what the services serve, on the `metrics` port of every Service of the release.
    expect(monitors[0].spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const monitored = objects.filter((o) => o.kind === 'Service' && selects(monitors[0].spec.selector.matchLabels, o.metadata.labels ?? {}));
    expect(monitored.map((service) => service.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual(Object.keys(SERVICES).sort());
    for (const service of monitored) expect(service.spec.ports.map((p: any) => p.name)).toContain('metrics');
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toHaveLength(0);
  });

  it('serves no metrics, and opens no metrics port, with metrics.enabled false; a ServiceMonitor then is refused', async () => {
    const objects = await render(['--set', 'metrics.enabled=false']);
    for (const dir of Object.keys(SERVICES) as ServiceDir[]) {
      const deployment = deploymentOf(objects, dir);
      const container = containerOf(deployment);
      expect(processEnvironment(container.env).METRICS_ADDRESS).toBe('none');
      expect(container.ports.map((p: any) => p.name)).toEqual(['grpc']);
      expect(serviceFor(objects, deployment).spec.ports.map((p: any) => p.name)).toEqual(['grpc']);
    }
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.flatMap((p) => p.spec.ingress.flatMap((rule: any) => rule.ports.map((port: any) => port.port)))).not.toContain('metrics');
    const refused = await run(HELM, ['template', 'visitsarch', CHART, '--set', 'metrics.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('metrics.serviceMonitor.enabled needs metrics.enabled');
  });

  it('renders the ServiceMonitor only when enabled, and PostgreSQL only for trials', async () => {
    const defaults = await render([]);
    expect(defaults.filter((o) => ['ServiceMonitor', 'StatefulSet', 'Secret', 'HorizontalPodAutoscaler'].includes(o.kind))).toEqual([]);
    const trial = await render(VALUES_FILES['ci/trial-values.yaml']);
    const postgres = trial.find((o) => o.kind === 'StatefulSet');
    expect(postgres?.spec.template.spec.containers[0].image).toMatch(/^postgres:/);
    const metadataEnv = processEnvironment(containerOf(deploymentOf(trial, 'metadata')).env);
    expect(metadataEnv.DATABASE_URL).toBe(`postgresql://visitsarch:Abc123@${postgres?.metadata.name}.${NAMESPACE}.svc:5432/visitsarch`);
  });
});
