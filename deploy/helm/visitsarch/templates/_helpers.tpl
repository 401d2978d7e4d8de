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
consdb-ingest calls none (docs/architecture.md, "Call graph")).
*/}}
{{- define "visitsarch.services" -}}
gateway: { dir: gateway, callers: [] }
metadata: { dir: metadata, callers: [gateway, stats] }
blobArchive: { dir: blob-archive, callers: [gateway, stats] }
consdbIngest: { dir: consdb-ingest, callers: [gateway] }
stats: { dir: stats, callers: [gateway] }
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
}}
{{- $metadata := include "visitsarch.address" (list $root "metadata") }}
{{- $blobArchive := include "visitsarch.address" (list $root "blobArchive") }}
{{- if eq $key "gateway" }}
{{- $_ := set $env "METADATA_SERVICE_ADDRESS" $metadata }}
{{- $_ := set $env "BLOB_ARCHIVE_SERVICE_ADDRESS" $blobArchive }}
{{- $_ := set $env "CONSDB_INGEST_SERVICE_ADDRESS" (include "visitsarch.address" (list $root "consdbIngest")) }}
{{- $_ := set $env "STATS_SERVICE_ADDRESS" (include "visitsarch.address" (list $root "stats")) }}
{{- $_ := set $env "BLOB_ARCHIVE_FLIGHT_LOCATION" (default (printf "grpc://%s" (trimPrefix "dns:///" $blobArchive)) $values.flightLocation) }}
{{- $_ := set $env "COMPUTE_NIGHTLY_STATS_ON_ADD" $values.computeNightlyStatsOnAdd }}
{{- $_ := set $env "VISITSARCH_ARCHIVE_URL" (required "archive.url is required" $root.Values.archive.url) }}
{{- else if eq $key "metadata" }}
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
