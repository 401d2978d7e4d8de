import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type Schema } from '@visitsarch/config';
import { serviceNodeFlags } from '@visitsarch/stack';
import { commonServiceSchema, tlsFilesOf } from '@visitsarch/grpc-server';
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
    QUERY_DEFAULT_TIMEOUT_S: 'statement timeout of free SQL that asks for none (seconds; at most QUERY_MAX_TIMEOUT_S)',
    QUERY_MAX_TIMEOUT_S: 'longest statement timeout of free SQL',
    QUERY_MAX_CONCURRENT: 'concurrent free SQL queries per pod',
    UPSTREAM_ALLOWED_ENDPOINTS: 'empty: ImportUpstream is refused until the operator lists the upstream databases it may reach (metadata.env)',
    // A pod never makes a token of its own (it would be lost with the pod): the token comes from a Secret, or there is none.
    BOOTSTRAP_TOKEN_FILE: 'empty: no bootstrap token; metadata.bootstrapToken.existingSecret mounts one from a Secret and sets it',
    BOOTSTRAP_TOKEN_OWNER: 'read only with BOOTSTRAP_TOKEN_FILE: set with it (metadata.bootstrapToken.owner)',
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
  SERVICE_CREDENTIAL: 'empty: the credential is the file SERVICE_CREDENTIAL_FILE, a Secret volume (serviceCredential)',
  TLS_CERT_FILE: 'empty: plain gRPC; set, with TLS_KEY_FILE and TLS_ADDRESS, for the gateway and blob-archive by <service>.tls.existingSecret',
  TLS_KEY_FILE: 'likewise',
  TLS_ADDRESS: 'likewise: TLS on a second port, GRPC_ADDRESS staying plain for the probes and the peers',
  TLS_RELOAD_INTERVAL_MS: 'a minute: about how long the kubelet itself takes to update a mounted Secret',
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

/** The kubernetes.io/tls Secrets each values file gives the services that serve TLS (<service>.tls.existingSecret). */
const TLS_SECRETS: Record<string, Partial<Record<ServiceDir, string>>> = {
  'ci/production-values.yaml': { gateway: 'visitsarch-gateway-tls', 'blob-archive': 'visitsarch-flight-tls' },
};

/** The gateway's own check of the Flight location it hands out (required by path, as serviceSpec is). */
const { flightLocationOf } = require(path.join(REPO_ROOT, 'services', 'gateway', 'src', 'downloads', 'flight-location.ts')) as {
  flightLocationOf(config: { BLOB_ARCHIVE_FLIGHT_LOCATION: string; BLOB_ARCHIVE_SERVICE_ADDRESS: string; TLS_CERT_FILE: string }): string;
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

/**
 * The chart's notes (templates/NOTES.txt, what `helm install` and `helm upgrade` print) rendered
 * with these helm options. `helm template` leaves the notes out and `helm install --dry-run` wants
 * a cluster, so a copy of the chart gets one more template holding them: each template file is a
 * named template of its path, which `include` renders with the same values.
 */
async function renderNotes(options: string[]): Promise<string> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-notes-'));
  try {
    const chart = path.join(directory, 'visitsarch');
    fs.cpSync(CHART, chart, { recursive: true });
    fs.writeFileSync(path.join(chart, 'templates', 'notes-under-test.yaml'), 'notes: {{ include (print $.Template.BasePath "/NOTES.txt") . | toJson }}\n');
    const rendered = await run(HELM, ['template', 'visitsarch', chart, '--namespace', NAMESPACE, '--show-only', 'templates/notes-under-test.yaml', ...options]);
    if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
    const line = /^notes: (".*")$/m.exec(rendered.stdout);
    if (!line) throw new Error(`no notes in ${rendered.stdout}`);
    return JSON.parse(line[1]) as string;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
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

/** A service's rendered environment: every variable it declares, unless defaulted on purpose (above), and nothing it does not read. */
function expectDeclaredEnvironment(objects: K8sObject[], dir: ServiceDir): void {
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
}

/** The ingress rules of the NetworkPolicy of a Deployment's pods that open `port`, or undefined without NetworkPolicies. */
function rulesFor(objects: K8sObject[], deployment: K8sObject, port: string): any[] | undefined {
  const policy = objects.find((o) => o.kind === 'NetworkPolicy' && selects(o.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels));
  return policy?.spec.ingress.filter((rule: any) => rule.ports.some((p: any) => p.port === port));
}

/**
 * What a service renders when it serves TLS from the kubernetes.io/tls Secret `secretName`, or none
 * (undefined): the Secret's tls.crt and tls.key mounted read-only, the whole volume (no subPath, so
 * the kubelet updates a renewed Secret in place and TLS_RELOAD_INTERVAL_MS serves it), served on a
 * second port `grpc-tls` (TLS_ADDRESS), GRPC_ADDRESS staying plain for Kubernetes' gRPC probes
 * (which speak plain gRPC only) and the service's peers.
 */
function expectTls(objects: K8sObject[], dir: ServiceDir, secretName: string | undefined): void {
  const deployment = deploymentOf(objects, dir);
  const pod = deployment.spec.template.spec;
  const container = containerOf(deployment);
  const env = processEnvironment(container.env);
  const files = tlsFilesOf(loadConfig(declaredSchema(dir), env) as any);
  const service = serviceFor(objects, deployment);
  const grpcPort = container.ports.find((p: any) => p.name === 'grpc').containerPort;
  const tlsPort = container.ports.find((p: any) => p.name === 'grpc-tls')?.containerPort;
  if (!secretName) {
    expect({ dir, files, tlsPort, TLS_ADDRESS: env.TLS_ADDRESS }).toEqual({ dir, files: undefined, tlsPort: undefined, TLS_ADDRESS: undefined });
    expect(service.spec.ports.map((p: any) => p.name)).not.toContain('grpc-tls');
    expect(rulesFor(objects, deployment, 'grpc-tls') ?? []).toEqual([]);
    return;
  }
  const mount = container.volumeMounts.find((m: any) => files?.certFile.startsWith(`${m.mountPath}/`));
  expect({ dir, mount }).toEqual({ dir, mount: { name: mount?.name, mountPath: mount?.mountPath, readOnly: true } });
  expect(files).toEqual({ certFile: `${mount.mountPath}/tls.crt`, keyFile: `${mount.mountPath}/tls.key`, reloadIntervalMs: 60_000 });
  expect(pod.volumes.find((v: any) => v.name === mount.name).secret).toEqual({
    secretName,
    defaultMode: 0o440,
    items: [
      { key: 'tls.crt', path: 'tls.crt' },
      { key: 'tls.key', path: 'tls.key' },
    ],
  });
  expect(tlsPort).toBeDefined();
  expect(tlsPort).not.toBe(grpcPort);
  expect(env.TLS_ADDRESS).toBe(`0.0.0.0:${tlsPort}`);
  expect(env.GRPC_ADDRESS).toBe(`0.0.0.0:${grpcPort}`);
  for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) expect(probe.grpc.port).toBe(grpcPort);
  expect(service.spec.ports.find((p: any) => p.name === 'grpc-tls')).toEqual({ name: 'grpc-tls', port: tlsPort, targetPort: 'grpc-tls', protocol: 'TCP' });
  // A gateway serving TLS is reached only there (no service calls it); the blob archive's plain port stays for the gateway and stats.
  expect({ dir, plainServicePort: service.spec.ports.some((p: any) => p.name === 'grpc') }).toEqual({ dir, plainServicePort: dir !== 'gateway' });
  const tlsRules = rulesFor(objects, deployment, 'grpc-tls');
  if (tlsRules) {
    expect(tlsRules).toHaveLength(1);
    expect(tlsRules[0].ports).toEqual([{ port: 'grpc-tls', protocol: 'TCP' }]);
    // The plain port admits the archive's own callers only (the gateway's, nobody: the kubelet's probes come from the node).
    const grpcRules = rulesFor(objects, deployment, 'grpc')!;
    if (dir === 'gateway') expect(grpcRules).toEqual([]);
    else for (const peer of grpcRules[0].from) expect(Object.keys(peer)).toEqual(['podSelector']);
  }
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

  describe.each(Object.entries(VALUES_FILES))('rendered with %s', (label, options) => {
    let objects: K8sObject[];
    beforeAll(async () => {
      requireTools();
      objects = await render(options);
    });

    describe.each(Object.keys(SERVICES) as ServiceDir[])('%s', (dir) => {
      it('sets every variable the service declares, unless its default is right in a cluster, and nothing it does not read', () => {
        expectDeclaredEnvironment(objects, dir);
      });

      it('gives values the service accepts (its own loadConfig parses them)', () => {
        const env = processEnvironment(containerOf(deploymentOf(objects, dir)).env);
        expect(() => loadConfig(declaredSchema(dir), env)).not.toThrow();
        // What startService checks after loadConfig: both TLS files or neither, TLS_ADDRESS only with them; and the gateway's Flight location.
        const config = loadConfig(declaredSchema(dir), env) as any;
        expect(() => tlsFilesOf(config)).not.toThrow();
        if (dir === 'gateway') expect(() => flightLocationOf(config)).not.toThrow();
        // Every value was parsed as given: an empty one would silently fall back to a developer default.
        for (const variable of ['GRPC_ADDRESS', ...Object.keys(ADDRESS_VARIABLES)].filter((v) => v in env)) expect(env[variable]).not.toBe('');
      });

      it('listens on 0.0.0.0 at the port its Service, container and gRPC probes use', () => {
        const deployment = deploymentOf(objects, dir);
        const container = containerOf(deployment);
        const port = container.ports.find((p: any) => p.name === 'grpc').containerPort;
        expect(processEnvironment(container.env).GRPC_ADDRESS).toBe(`0.0.0.0:${port}`);
        // The Node flags tools/stack runs the service with (serviceNodeFlags, decision 0011).
        expect(container.command).toEqual(['node', ...serviceNodeFlags(dir), `services/${dir}/dist/main.js`]);
        expect(container.readinessProbe.grpc).toEqual({ port });
        expect(container.livenessProbe.grpc).toEqual({ port, service: 'liveness' });
        expect(container.startupProbe.grpc).toEqual({ port, service: 'liveness' });
        const service = serviceFor(objects, deployment);
        // A gateway serving TLS is reached only on its TLS port (next test): the plain one is the probes'.
        if (dir === 'gateway' && TLS_SECRETS[label]?.gateway) return;
        expect(service.spec.ports.find((p: any) => p.name === 'grpc')).toMatchObject({ port, targetPort: 'grpc', appProtocol: 'grpc' });
      });

      it('serves TLS, if its values say so, on a port of its own from a kubernetes.io/tls Secret mounted read-only, its gRPC port staying plain', () => {
        expectTls(objects, dir, TLS_SECRETS[label]?.[dir]);
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

    it('gives every service the service credential as a file only its pod can read (SERVICE_CREDENTIAL_FILE), from a Secret the chart makes unless one is named', () => {
      const production = options.length > 0 && options[1].endsWith('production-values.yaml');
      const secretName = production ? 'visitsarch-credentials' : 'visitsarch-service-credential';
      const made = objects.filter((o) => o.kind === 'Secret' && o.metadata.name === 'visitsarch-service-credential');
      expect(made).toHaveLength(production ? 0 : 1);
      if (!production) expect(Buffer.from((made[0] as any).data['service-credential'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{43}$/);
      for (const dir of Object.keys(SERVICES) as ServiceDir[]) {
        const deployment = deploymentOf(objects, dir);
        const container = containerOf(deployment);
        const file = processEnvironment(container.env).SERVICE_CREDENTIAL_FILE;
        const mount = container.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
        expect({ dir, mount: mount && { readOnly: mount.readOnly } }).toEqual({ dir, mount: { readOnly: true } });
        const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
        expect(volume.secret).toMatchObject({ secretName, defaultMode: 0o440, items: [{ key: 'service-credential', path: file.slice(mount.mountPath.length + 1) }] });
      }
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
        if (target === 'gateway' && TLS_SECRETS[label]?.gateway) {
          expect(grpcRules).toEqual([]); // reached on its TLS port only (expectTls)
          continue;
        }
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
    const serviceCredential = (o: K8sObject) => o.kind === 'Secret' && o.metadata.name === 'visitsarch-service-credential';
    expect(defaults.filter((o) => ['ServiceMonitor', 'StatefulSet', 'Secret', 'HorizontalPodAutoscaler'].includes(o.kind) && !serviceCredential(o))).toEqual([]);
    const trial = await render(VALUES_FILES['ci/trial-values.yaml']);
    const postgres = trial.find((o) => o.kind === 'StatefulSet');
    expect(postgres?.spec.template.spec.containers[0].image).toMatch(/^postgres:/);
    const metadataEnv = processEnvironment(containerOf(deploymentOf(trial, 'metadata')).env);
    expect(metadataEnv.DATABASE_URL).toBe(`postgresql://visitsarch:Abc123@${postgres?.metadata.name}.${NAMESPACE}.svc:5432/visitsarch`);
  });
  describe('TLS (gateway.tls, blobArchive.tls)', () => {
    const gatewayTls = ['--set', 'gateway.tls.existingSecret=gateway-tls'];
    const flightTls = ['--set', 'blobArchive.tls.existingSecret=flight-tls'];
    const SECRETS: Partial<Record<ServiceDir, string>> = { gateway: 'gateway-tls', 'blob-archive': 'flight-tls' };

    it('on both, each serves its Secret on its TLS port, the gateway hands out the Flight TLS listener (grpc+tls://), and the chart still lints and validates strictly', async () => {
      const objects = await render([...gatewayTls, ...flightTls]); // k8s-validate, strictly
      const linted = await run(HELM, ['lint', '--strict', CHART, ...gatewayTls, ...flightTls]);
      expect(linted.code).toBe(0);
      for (const dir of Object.keys(SERVICES) as ServiceDir[]) {
        expectDeclaredEnvironment(objects, dir);
        expectTls(objects, dir, SECRETS[dir]);
      }
      const blob = deploymentOf(objects, 'blob-archive');
      const flightPort = containerOf(blob).ports.find((p: any) => p.name === 'grpc-tls').containerPort;
      const env = processEnvironment(containerOf(deploymentOf(objects, 'gateway')).env);
      expect(env.BLOB_ARCHIVE_FLIGHT_LOCATION).toBe(`grpc+tls://${serviceFor(objects, blob).metadata.name}.${NAMESPACE}.svc:${flightPort}`);
      expect(flightLocationOf(loadConfig(declaredSchema('gateway'), env) as any)).toBe(env.BLOB_ARCHIVE_FLIGHT_LOCATION);
      // The TLS ports are public (empty networkPolicy.from: anyone), like the gateway's plain one without TLS.
      for (const dir of ['gateway', 'blob-archive'] as const) expect(rulesFor(objects, deploymentOf(objects, dir), 'grpc-tls')![0].from).toBeUndefined();
    });

    it('on the Flight listener alone: blobArchive.networkPolicy.from is admitted there, the plain port keeping to the gateway and stats, and the gateway hands it out', async () => {
      const objects = await render([...flightTls, '--set-json', 'blobArchive.networkPolicy.from=[{"ipBlock":{"cidr":"192.0.2.0/24"}}]']);
      for (const dir of Object.keys(SERVICES) as ServiceDir[]) expectTls(objects, dir, dir === 'blob-archive' ? 'flight-tls' : undefined);
      const blob = deploymentOf(objects, 'blob-archive');
      expect(rulesFor(objects, blob, 'grpc-tls')![0].from).toEqual([{ ipBlock: { cidr: '192.0.2.0/24' } }]);
      const env = processEnvironment(containerOf(deploymentOf(objects, 'gateway')).env);
      expect(env.BLOB_ARCHIVE_FLIGHT_LOCATION).toMatch(new RegExp(`^grpc\\+tls://${serviceFor(objects, blob).metadata.name}\\.${NAMESPACE}\\.svc:\\d+$`));
    });

    it('refuses a gateway serving TLS that would hand out a plain Flight location, and a TLS port on another port of the pod', async () => {
      const refusals: [string[], string][] = [
        [gatewayTls, 'gateway.tls.existingSecret: a gateway serving TLS hands out only a TLS Flight location'],
        [[...gatewayTls, ...flightTls, '--set', 'gateway.flightLocation=grpc://flight.example.org:50053'], 'gateway.flightLocation "grpc://flight.example.org:50053": a gateway serving TLS'],
        [[...flightTls, '--set', 'blobArchive.tls.port=50053'], 'blobArchive.tls.port (50053) must differ from blobArchive.port and metrics.port'],
        [[...gatewayTls, ...flightTls, '--set', 'gateway.tls.port=9090'], 'gateway.tls.port (9090) must differ from gateway.port and metrics.port'],
      ];
      for (const [options, message] of refusals) {
        const refused = await run(HELM, ['template', 'visitsarch', CHART, ...options]);
        expect({ options, refused: refused.code !== 0 }).toEqual({ options, refused: true });
        expect(refused.stderr).toContain(message);
      }
      // `none` (clients stream through the gateway) or a grpc+tls:// location go with a gateway serving TLS.
      for (const location of ['none', 'grpc+tls://flight.example.org:443']) {
        const objects = await render([...gatewayTls, '--set', `gateway.flightLocation=${location}`]);
        expectTls(objects, 'gateway', 'gateway-tls');
        expectTls(objects, 'blob-archive', undefined);
        const env = processEnvironment(containerOf(deploymentOf(objects, 'gateway')).env);
        expect(flightLocationOf(loadConfig(declaredSchema('gateway'), env) as any)).toBe(location);
      }
    });
  });

  it('admits the Arrow Flight clients of blobArchive.networkPolicy.from to the plain port of the blob archive only, beside the gateway and stats', async () => {
    const clients = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'scheduler' } } }, { podSelector: { matchLabels: { app: 'notebook' } } }];
    const objects = await render(['--set-json', `blobArchive.networkPolicy.from=${JSON.stringify(clients)}`]);
    const defaults = await render([]);
    const blob = deploymentOf(objects, 'blob-archive');
    const rules = rulesFor(objects, blob, 'grpc')!;
    expect(rules).toHaveLength(1);
    const callers = rules[0].from.slice(0, -clients.length);
    expect(rules[0].from.slice(-clients.length)).toEqual(clients);
    // The archive's own callers still come first, as without clients.
    expect(callers).toEqual(rulesFor(defaults, deploymentOf(defaults, 'blob-archive'), 'grpc')![0].from);
    expect(callers.map((peer: any) => peer.podSelector.matchLabels['app.kubernetes.io/component']).sort()).toEqual(['gateway', 'stats']);
    // Every other service's NetworkPolicy is as without them.
    for (const dir of (Object.keys(SERVICES) as ServiceDir[]).filter((d) => d !== 'blob-archive')) {
      expect({ dir, rules: rulesFor(objects, deploymentOf(objects, dir), 'grpc') }).toEqual({ dir, rules: rulesFor(defaults, deploymentOf(defaults, dir), 'grpc') });
    }
  });

  it('sets QUERY_MAX_CONCURRENT_PER_IDENTITY, and registers a bootstrap admin token only from a Secret (metadata.bootstrapToken), never making one in a pod', async () => {
    const defaults = processEnvironment(containerOf(deploymentOf(await render([]), 'metadata')).env);
    expect(defaults.QUERY_MAX_CONCURRENT_PER_IDENTITY).toBe('2');
    expect(defaults.BOOTSTRAP_TOKEN_FILE).toBeUndefined(); // the service's default: no bootstrap token
    const objects = await render([
      '--set', 'metadata.bootstrapToken.existingSecret=bootstrap',
      '--set', 'metadata.bootstrapToken.owner=operators',
      '--set', 'metadata.query.maxConcurrentPerIdentity=5',
    ]);
    const deployment = deploymentOf(objects, 'metadata');
    const container = containerOf(deployment);
    const env = processEnvironment(container.env);
    expect(loadConfig(declaredSchema('metadata'), env)).toMatchObject({ BOOTSTRAP_TOKEN_OWNER: 'operators', QUERY_MAX_CONCURRENT_PER_IDENTITY: 5 });
    const mount = container.volumeMounts.find((m: any) => env.BOOTSTRAP_TOKEN_FILE.startsWith(`${m.mountPath}/`));
    expect(mount).toEqual({ name: mount?.name, mountPath: mount?.mountPath, readOnly: true });
    // Not optional: the file is always there, so the service registers its token and never writes one.
    expect(deployment.spec.template.spec.volumes.find((v: any) => v.name === mount.name).secret).toEqual({
      secretName: 'bootstrap',
      defaultMode: 0o440,
      items: [{ key: 'bootstrap-token', path: env.BOOTSTRAP_TOKEN_FILE.slice(mount.mountPath.length + 1) }],
    });
    for (const dir of (Object.keys(SERVICES) as ServiceDir[]).filter((d) => d !== 'metadata')) {
      expect(processEnvironment(containerOf(deploymentOf(objects, dir)).env).BOOTSTRAP_TOKEN_FILE).toBeUndefined();
    }
  });
});

describe('the notes the chart prints (NOTES.txt)', () => {
  beforeAll(requireTools);
  const NO_BOOTSTRAP_TOKEN = 'WARNING: no bootstrap admin token';
  const FLIGHT_BLOCKED = 'admits only the gateway and stats to that port';

  it('warn, with the commands that fix it, when the default token mode has no bootstrap token: no call could be authenticated', async () => {
    const notes = await renderNotes([]);
    expect(notes).toContain(NO_BOOTSTRAP_TOKEN);
    expect(notes).toContain('every call is refused\n(UNAUTHENTICATED) and no token can be created');
    expect(notes).toContain(`kubectl -n ${NAMESPACE} create secret generic visitsarch-bootstrap-token \\\n    --from-literal=bootstrap-token="vsa_$(openssl rand -hex 8)_`);
    expect(notes).toContain('--set metadata.bootstrapToken.existingSecret=visitsarch-bootstrap-token');
    // A token from the Secret, or the ingress's users: no warning; the Secret's token is how the other tokens are made.
    const withToken = await renderNotes(['--set', 'metadata.bootstrapToken.existingSecret=bootstrap', '--set', 'metadata.bootstrapToken.key=token']);
    expect(withToken).not.toContain(NO_BOOTSTRAP_TOKEN);
    expect(withToken).toContain(`kubectl -n ${NAMESPACE} get secret bootstrap -o jsonpath='{.data.token}' | base64 -d) npx visitsarch token create`);
    expect(await renderNotes(['--set', 'gateway.auth.mode=ingress'])).not.toContain(NO_BOOTSTRAP_TOKEN);
    expect(await renderNotes(VALUES_FILES['ci/production-values.yaml'])).not.toContain(NO_BOOTSTRAP_TOKEN);
  });

  it('say when the NetworkPolicy keeps every client off the Arrow Flight location the gateway hands out, and not otherwise', async () => {
    const notes = await renderNotes([]);
    expect(notes).toContain(`the gateway hands clients grpc://visitsarch-blob-archive.${NAMESPACE}.svc:50053, but the\nNetworkPolicy visitsarch-blob-archive ${FLIGHT_BLOCKED}`);
    expect(notes).toContain('blobArchive.networkPolicy.from');
    for (const options of [
      ['--set-json', 'blobArchive.networkPolicy.from=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"scheduler"}}}]'],
      ['--set', 'gateway.flightLocation=none'], // no location handed out: clients stream through the gateway at once
      ['--set', 'networkPolicy.enabled=false'],
      ['--set', 'blobArchive.tls.existingSecret=flight-tls'], // the TLS port, empty `from`: anyone
      VALUES_FILES['ci/production-values.yaml'],
    ]) {
      expect({ options, blocked: (await renderNotes(options)).includes(FLIGHT_BLOCKED) }).toEqual({ options, blocked: false });
    }
  });
});

/**
 * Whether the .dockerignore `lines` leave `file` (relative to the build context, `/`-separated) out
 * of the context, as Docker reads them (moby/patternmatcher): comments and blank lines skipped, a
 * leading `/` dropped; `*` and `?` within one path component, `**` across any number of them; a
 * pattern matching a parent directory matches what it holds; the last matching pattern decides,
 * `!` readmitting. A pattern without `/` matches at the root only (not as in .gitignore).
 */
function dockerignored(lines: string[], file: string): boolean {
  const patterns = lines
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = path.posix.normalize((exception ? line.slice(1).trim() : line).replace(/^\/+/, ''));
      let regex = '^';
      for (let i = 0; i < pattern.length; i++) {
        const ch = pattern[i];
        if (ch === '*' && pattern[i + 1] === '*') {
          i += pattern[i + 2] === '/' ? 2 : 1;
          regex += i + 1 >= pattern.length ? '.*' : '(.*/)?';
        } else if (ch === '*') regex += '[^/]*';
        else if (ch === '?') regex += '[^/]';
        else regex += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { exception, regex: new RegExp(`${regex}$`) };
    });
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const { exception, regex } of patterns) if (candidates.some((candidate) => regex.test(candidate))) ignored = !exception;
  return ignored;
}

describe('the image (deploy/Dockerfile)', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8');

  it('runs its default service with the Node flags of tools/stack, as the chart does', () => {
    const cmd = dockerfile.match(/^CMD (\[.*\])$/m);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...serviceNodeFlags('gateway'), 'services/gateway/dist/main.js']);
  });

  it('is built from a context (.dockerignore) without what the build makes again or must not hold, and with every tracked file the build reads', () => {
    // The build stage copies the whole context, then runs npm ci and npm run build (tsc -b): what it reads.
    expect(dockerfile).toMatch(/^COPY \. \.$/m);
    expect(dockerfile).toMatch(/^RUN npm ci .*&& npm run build/m);
    const ignore = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    const leftOut = [
      '.venv/lib/python3.11/site-packages/pandas/__init__.py',
      'node_modules/@grpc/grpc-js/package.json',
      'libs/storage/node_modules/.bin/x',
      '.tools/bin/helm',
      '.git/HEAD',
      '.test-results/junit.xml',
      '.nx/workspace-data/file-map.json',
      'libs/storage/dist/index.js',
      'services/gateway/dist/main.js',
      'tools/stack/dist/main.js',
      'cli/dist/main.js',
      'libs/config/tsconfig.tsbuildinfo',
      'clients/python/visitsarch/__pycache__/archive.cpython-311.pyc',
      '.visitsarch/token',
      '.visitsarch/service-credential',
    ];
    expect(leftOut.filter((file) => !dockerignored(ignore, file))).toEqual([]);
    // What npm ci and tsc -b read: the root's package files, .npmrc and tsconfigs, every workspace (package.json's
    // `workspaces`), and what the image copies from the build stage (proto/, libs/, services/, cli/).
    const workspaces: string[] = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).workspaces;
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((match) => match[1]).filter((source) => source !== 'node_modules');
    const read = new Set(['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.base.json', ...workspaces.map((glob) => glob.split('/')[0]), ...copied]);
    expect([...read]).toEqual(expect.arrayContaining(['proto', 'libs', 'services', 'cli', 'tools', 'test']));
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    const needed = tracked.filter((file) => read.has(file.split('/')[0]));
    expect(needed.length).toBeGreaterThan(300);
    expect(needed.filter((file) => dockerignored(ignore, file))).toEqual([]);
  });
});
