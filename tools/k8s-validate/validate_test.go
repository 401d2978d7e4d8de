package main

import (
	"strings"
	"testing"
)

const validDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: visitsarch-gateway
  labels: {app.kubernetes.io/name: gateway}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: gateway}
  template:
    metadata:
      labels: {app.kubernetes.io/name: gateway}
    spec:
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 1Gi}
      containers:
        - name: gateway
          image: visitsarch:0.1.0
          ports: [{name: grpc, containerPort: 50051}]
          env: [{name: GRPC_ADDRESS, value: "0.0.0.0:50051"}]
          readinessProbe: {grpc: {port: 50051}}
          volumeMounts: [{name: tmp, mountPath: /tmp}]
          resources: {requests: {cpu: 100m, memory: 256Mi}}
`

func validate(t *testing.T, manifest string) Result {
	t.Helper()
	return Validate("test", strings.NewReader(manifest))
}

func TestAcceptsAValidDeployment(t *testing.T) {
	result := validate(t, "---\n# a comment-only document is skipped\n---"+validDeployment)
	if result.Objects != 1 || len(result.Errors) != 0 {
		t.Fatalf("want 1 valid object, got %+v", result)
	}
}

func TestRefuses(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"a misspelled field":         {"  replicas: 2", "  replica: 2", `unknown field "spec.replica"`},
		"a wrongly cased field":      {"  replicas: 2", "  Replicas: 2", `unknown field "spec.Replicas"`},
		"a misspelled nested field":  {"readinessProbe: {grpc:", "readinessProbe: {gprc:", `unknown field "spec.template.spec.containers[0].readinessProbe.gprc"`},
		"a duplicate key":            {"  replicas: 2", "  replicas: 2\n  replicas: 3", "already set in map"},
		"a malformed quantity":       {"cpu: 100m", "cpu: 100 millicores", "quantities must match"},
		"a wrong type":               {"replicas: 2", `replicas: "two"`, "cannot unmarshal string"},
		"an unknown kind":            {"kind: Deployment", "kind: Deploymnet", `unknown apiVersion/kind "apps/v1"/"Deploymnet"`},
		"a selector that misses":     {"matchLabels: {app.kubernetes.io/name: gateway}", "matchLabels: {app.kubernetes.io/name: stats}", "does not match"},
		"a mount of no volume":       {"volumeMounts: [{name: tmp", "volumeMounts: [{name: spool", `volumeMount "spool" names no volume`},
		"a bad environment variable": {"name: GRPC_ADDRESS", "name: GRPC=ADDRESS", `env "GRPC=ADDRESS"`},
		"a bad port name":            {"ports: [{name: grpc,", "ports: [{name: grpc_port,", "ports[0].name"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			manifest := strings.Replace(validDeployment, c.from, c.to, 1)
			if manifest == validDeployment {
				t.Fatalf("the case does not change the manifest (%q not found)", c.from)
			}
			result := validate(t, manifest)
			joined := strings.Join(result.Errors, "\n")
			if !strings.Contains(joined, c.want) {
				t.Fatalf("want an error containing %q, got %q", c.want, joined)
			}
		})
	}
}

func TestValidatesServiceMonitorsStrictly(t *testing.T) {
	monitor := `
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: visitsarch}
spec:
  selector: {matchLabels: {app.kubernetes.io/instance: visitsarch}}
  endpoints: [{port: metrics, path: /metrics, interval: 30s}]
`
	if result := validate(t, monitor); result.Objects != 1 || len(result.Errors) != 0 {
		t.Fatalf("want a valid ServiceMonitor, got %+v", result)
	}
	result := validate(t, strings.Replace(monitor, "interval:", "intreval:", 1))
	if !strings.Contains(strings.Join(result.Errors, "\n"), `unknown field "spec.endpoints[0].intreval"`) {
		t.Fatalf("want the misspelling reported, got %+v", result)
	}
}

func TestStatefulSetsMountTheirVolumeClaimTemplates(t *testing.T) {
	statefulSet := `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: postgresql
          image: postgres:17
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 8Gi}}}
`
	if result := validate(t, statefulSet); result.Objects != 1 || len(result.Errors) != 0 {
		t.Fatalf("want a valid StatefulSet, got %+v", result)
	}
	result := validate(t, strings.Replace(statefulSet, "- metadata: {name: data}", "- metadata: {name: pgdata}", 1))
	if !strings.Contains(strings.Join(result.Errors, "\n"), `volumeMount "data" names no volume`) {
		t.Fatalf("want the unmounted claim reported, got %+v", result)
	}
}
