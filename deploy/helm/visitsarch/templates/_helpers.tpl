{{/* The chart's name. */}}
{{- define "visitsarch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: object names start with it. */}}
{{- define "visitsarch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The five services: the values key of each, its folder under services/ (the process is
`node services/<dir>/dist/main.js`) and the services that call it (from the *_ADDRESS variables
each service reads: the gateway calls the four others; stats calls metadata and blob-archive;
consdb-ingest calls none (docs/architecture.md, "Call graph")); nodeFlags: the Node flags it runs
with beyond --single-threaded-gc, which must be those of tools/stack's serviceNodeFlags (tested).
*/}}
{{- define "visitsarch.services" -}}
gateway: { dir: gateway, callers: [], nodeFlags: [--initial-old-space-size=96] }
metadata: { dir: metadata, callers: [gateway, stats] }
blobArchive: { dir: blob-archive, callers: [gateway, stats] }
consdbIngest: { dir: consdb-ingest, callers: [gateway] }
stats: { dir: stats, callers: [gateway], nodeFlags: [--initial-old-space-size=96] }
{{- end }}

{{/* Labels of every object. */}}
{{- define "visitsarch.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "visitsarch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "visitsarch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "visitsarch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one component; call with (list $ "blob-archive"). */}}
{{- define "visitsarch.componentSelectorLabels" -}}
{{ include "visitsarch.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "visitsarch.componentLabels" -}}
{{ include "visitsarch.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* The name of a service's objects; call with (list $ "blobArchive"). */}}
{{- define "visitsarch.componentName" -}}
{{- $services := include "visitsarch.services" (index . 0) | fromYaml }}
{{- printf "%s-%s" (include "visitsarch.fullname" (index . 0)) (index $services (index . 1)).dir }}
{{- end }}

{{/* A service's in-cluster address, <Service>.<namespace>.svc:<port>; call with (list $ "metadata"). */}}
{{- define "visitsarch.address" -}}
{{- $root := index . 0 }}
{{- /* A headless Service resolves to every pod: `dns:///` makes the clients balance their calls over them (round robin). */ -}}
{{- $values := index $root.Values (index . 1) }}
{{- $prefix := ternary "dns:///" "" (and (eq $values.service.type "ClusterIP") $values.service.headless) }}
{{- printf "%s%s.%s.svc:%d" $prefix (include "visitsarch.componentName" .) $root.Release.Namespace (int $values.port) }}
{{- end }}

{{- define "visitsarch.secretName" -}}
{{- default (include "visitsarch.fullname" .) .Values.secrets.name }}
{{- end }}

{{- define "visitsarch.serviceCredential.secretName" -}}
{{- default (printf "%s-service-credential" (include "visitsarch.fullname" .)) .Values.serviceCredential.existingSecret }}
{{- end }}

{{/* Where every pod finds the service credential (a Secret volume): SERVICE_CREDENTIAL_FILE. */}}
{{- define "visitsarch.serviceCredential.directory" -}}
/var/run/visitsarch/service-credential
{{- end }}

{{/*
Whether a service serves TLS: its `tls.existingSecret` names a kubernetes.io/tls Secret (only the
gateway and blob-archive have `tls`); "true" or empty. Call with (list $ "gateway").
*/}}
{{- define "visitsarch.tls.enabled" -}}
{{- if dig "tls" "existingSecret" "" (index (index . 0).Values (index . 1)) }}true{{ end }}
{{- end }}

{{/* Where a service serving TLS finds its certificate and key (tls.crt and tls.key of its Secret, a read-only volume). */}}
{{- define "visitsarch.tls.directory" -}}
/etc/visitsarch/tls
{{- end }}

{{/* Where the metadata service finds the bootstrap admin token (metadata.bootstrapToken, a read-only Secret volume): BOOTSTRAP_TOKEN_FILE. */}}
{{- define "visitsarch.bootstrapToken.directory" -}}
/var/run/visitsarch/bootstrap-token
{{- end }}

{{/*
The Arrow Flight location the gateway hands out (BLOB_ARCHIVE_FLIGHT_LOCATION): gateway.flightLocation
if set; else the blob archive's TLS listener when it serves TLS
(grpc+tls://<blob-archive Service>.<namespace>.svc:<blobArchive.tls.port>), its plain address
otherwise. A gateway serving TLS hands out only a TLS location (services/gateway/src/downloads/
flight-location.ts): anything else is refused here, before a pod would refuse to start.
*/}}
{{- define "visitsarch.flightLocation" -}}
{{- $location := .Values.gateway.flightLocation }}
{{- $blobTls := include "visitsarch.tls.enabled" (list . "blobArchive") }}
{{- if and (not $location) $blobTls }}
{{- $location = printf "grpc+tls://%s.%s.svc:%d" (include "visitsarch.componentName" (list . "blobArchive")) .Release.Namespace (int .Values.blobArchive.tls.port) }}
{{- end }}
{{- if include "visitsarch.tls.enabled" (list . "gateway") }}
{{- if not $location }}
{{- fail "gateway.tls.existingSecret: a gateway serving TLS hands out only a TLS Flight location: set blobArchive.tls.existingSecret, or gateway.flightLocation to grpc+tls://host:port (the blob archive's TLS listener as clients reach it) or none" }}
{{- else if not (or (eq $location "none") (hasPrefix "grpc+tls://" $location)) }}
{{- fail (printf "gateway.flightLocation %q: a gateway serving TLS (gateway.tls.existingSecret) hands out only a TLS Flight location: grpc+tls://host:port or none" $location) }}
{{- end }}
{{- end }}
{{- default (printf "grpc://%s" (trimPrefix "dns:///" (include "visitsarch.address" (list . "blobArchive")))) $location }}
{{- end }}

{{- define "visitsarch.postgresql.name" -}}
{{- printf "%s-postgresql" (include "visitsarch.fullname" .) }}
{{- end }}

{{- define "visitsarch.postgresql.secretName" -}}
{{- default (include "visitsarch.postgresql.name" .) .Values.postgresql.existingSecret }}
{{- end }}

{{/* The image of a service; call with (list $ "metadata"). */}}
{{- define "visitsarch.image" -}}
{{- $root := index . 0 }}
{{- $image := merge (dict) ((index $root.Values (index . 1)).image | default dict) $root.Values.image }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}

{{- define "visitsarch.pullPolicy" -}}
{{- $root := index . 0 }}
{{- $image := merge (dict) ((index $root.Values (index . 1)).image | default dict) $root.Values.image }}
{{- $image.pullPolicy }}
{{- end }}

{{/*
The plain environment variables the chart sets for a service, as a YAML map; call with
(list $ "gateway"). Every variable a service declares (its config schema, see
services/<dir>/src/service.ts and libs/grpc-server's commonServiceSchema) is here, or comes from
`secretEnv`, or keeps a default that is right in a cluster (test/helm-chart.spec.ts checks it).
*/}}
{{- define "visitsarch.env" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $values := index $root.Values $key }}
{{- $config := $root.Values.config }}
{{- $env := dict
  "GRPC_ADDRESS" (printf "0.0.0.0:%d" (int $values.port))
  "METRICS_ADDRESS" (ternary (printf "0.0.0.0:%d" (int $root.Values.metrics.port)) "none" $root.Values.metrics.enabled)
  "LOG_LEVEL" $config.logLevel
  "SHUTDOWN_DRAIN_MS" $config.shutdownDrainMs
  "SHUTDOWN_GRACE_MS" $config.shutdownGraceMs
  "HEALTH_INTERVAL_MS" $config.healthIntervalMs
  "HEALTH_STARTUP_GRACE_MS" $config.healthStartupGraceMs
  "SERVICE_CREDENTIAL_FILE" (printf "%s/%s" (include "visitsarch.serviceCredential.directory" $root) $root.Values.serviceCredential.key)
}}
{{- if include "visitsarch.tls.enabled" (list $root $key) }}
{{- /* TLS on a second listener: GRPC_ADDRESS stays plain for Kubernetes' gRPC probes (plain only) and the service's peers. */}}
{{- $_ := set $env "TLS_CERT_FILE" (printf "%s/tls.crt" (include "visitsarch.tls.directory" $root)) }}
{{- $_ := set $env "TLS_KEY_FILE" (printf "%s/tls.key" (include "visitsarch.tls.directory" $root)) }}
{{- $_ := set $env "TLS_ADDRESS" (printf "0.0.0.0:%d" (int $values.tls.port)) }}
{{- end }}
{{- $metadata := include "visitsarch.address" (list $root "metadata") }}
{{- $blobArchive := include "visitsarch.address" (list $root "blobArchive") }}
{{- if eq $key "gateway" }}
{{- $_ := set $env "METADATA_SERVICE_ADDRESS" $metadata }}
{{- $_ := set $env "BLOB_ARCHIVE_SERVICE_ADDRESS" $blobArchive }}
{{- $_ := set $env "CONSDB_INGEST_SERVICE_ADDRESS" (include "visitsarch.address" (list $root "consdbIngest")) }}
{{- $_ := set $env "STATS_SERVICE_ADDRESS" (include "visitsarch.address" (list $root "stats")) }}
{{- $_ := set $env "BLOB_ARCHIVE_FLIGHT_LOCATION" (include "visitsarch.flightLocation" $root) }}
{{- $_ := set $env "COMPUTE_NIGHTLY_STATS_ON_ADD" $values.computeNightlyStatsOnAdd }}
{{- $_ := set $env "FLIGHT_TICKET_TTL_S" $values.flightTicketTtlS }}
{{- $_ := set $env "AUTH_MODE" $values.auth.mode }}
{{- $_ := set $env "AUTH_CACHE_TTL_MS" $values.auth.cacheTtlMs }}
{{- $_ := set $env "INGRESS_SCOPES" (join "," $values.auth.ingressScopes) }}
{{- $_ := set $env "INGRESS_ADMIN_USERS" (join "," $values.auth.ingressAdminUsers) }}
{{- $_ := set $env "VISITSARCH_ARCHIVE_URL" (required "archive.url is required" $root.Values.archive.url) }}
{{- else if eq $key "metadata" }}
{{- $_ := set $env "QUERY_MAX_CONCURRENT_PER_IDENTITY" $values.query.maxConcurrentPerIdentity }}
{{- with $values.bootstrapToken.existingSecret }}
{{- /* The file always exists (a Secret volume): the service registers its token, never writes one. */}}
{{- $_ := set $env "BOOTSTRAP_TOKEN_FILE" (printf "%s/%s" (include "visitsarch.bootstrapToken.directory" $root) $values.bootstrapToken.key) }}
{{- $_ := set $env "BOOTSTRAP_TOKEN_OWNER" $values.bootstrapToken.owner }}
{{- end }}
{{- if $root.Values.postgresql.enabled }}
{{- /* VISITSARCH_POSTGRES_PASSWORD comes first (a secretKeyRef): Kubernetes expands $(…) from earlier variables. */}}
{{- $_ := set $env "DATABASE_URL" (printf "postgresql://%s:$(VISITSARCH_POSTGRES_PASSWORD)@%s.%s.svc:5432/%s" $root.Values.postgresql.username (include "visitsarch.postgresql.name" $root) $root.Release.Namespace $root.Values.postgresql.database) }}
{{- end }}
{{- else if eq $key "blobArchive" }}
{{- $_ := set $env "VISITSARCH_ARCHIVE_URL" (required "archive.url is required" $root.Values.archive.url) }}
{{- $_ := set $env "VISITSARCH_EXTRA_ARCHIVE_URLS" (join "," $root.Values.archive.extraUrls) }}
{{- $_ := set $env "S3_ENDPOINT_URL" $root.Values.archive.s3EndpointUrl }}
{{- if $root.Values.archive.s3Region }}
{{- $_ := set $env "AWS_REGION" $root.Values.archive.s3Region }}
{{- end }}
{{- $_ := set $env "VISITSARCH_SPOOL_DIR" "/var/spool/visitsarch" }}
{{- else if eq $key "consdbIngest" }}
{{- /* It calls no other service: the gateway records what it converts. */}}
{{- $_ := set $env "CONSDB_URL" $values.consdbUrl }}
{{- $_ := set $env "CONSDB_ALLOWED_ENDPOINTS" (join "," $values.allowedEndpoints) }}
{{- else if eq $key "stats" }}
{{- $_ := set $env "METADATA_SERVICE_ADDRESS" $metadata }}
{{- $_ := set $env "BLOB_ARCHIVE_SERVICE_ADDRESS" $blobArchive }}
{{- end }}
{{- range $name, $value := $values.env }}
{{- $_ := set $env $name $value }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/* The variables a service reads from Secrets, as a YAML map NAME: {name, key, optional}; call with (list $ "metadata"). */}}
{{- define "visitsarch.secretEnv" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $secretEnv := dict }}
{{- range $name, $ref := (index $root.Values $key).secretEnv }}
{{- if not (and (eq $key "metadata") (eq $name "DATABASE_URL") $root.Values.postgresql.enabled) }}
{{- $_ := set $secretEnv $name (dict "name" (default (include "visitsarch.secretName" $root) $ref.name) "key" $ref.key "optional" (default false $ref.optional)) }}
{{- end }}
{{- end }}
{{- if and (eq $key "metadata") $root.Values.postgresql.enabled }}
{{- $_ := set $secretEnv "VISITSARCH_POSTGRES_PASSWORD" (dict "name" (include "visitsarch.postgresql.secretName" $root) "key" "password" "optional" false) }}
{{- end }}
{{- toYaml $secretEnv }}
{{- end }}

{{/* Pod and container security: non-root, read-only root filesystem, no capabilities. */}}
{{- define "visitsarch.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "visitsarch.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}
