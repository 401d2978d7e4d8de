#!/usr/bin/env bash
# Lints deploy/helm/visitsarch (helm lint --strict, which also checks values.schema.json), renders it
# with its default values and with each deploy/helm/visitsarch/ci/*-values.yaml, and checks every
# rendered object strictly against the Kubernetes API types (tools/k8s-validate). No cluster needed.
# Part of `npm test` (test/helm-chart.spec.ts runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-helm.sh
bash tools/install-k8s-validate.sh
helm=.tools/bin/helm
validate=.tools/bin/k8s-validate
chart=deploy/helm/visitsarch
status=0
check() { # $1: a label; the rest: helm options
  local label=$1
  shift
  echo "== $label"
  if ! "$helm" lint --strict "$chart" "$@"; then
    echo "check-chart: helm lint failed ($label)" >&2
    status=1
    return
  fi
  local rendered
  if ! rendered=$("$helm" template visitsarch "$chart" --namespace visitsarch "$@"); then
    echo "check-chart: helm template failed ($label)" >&2
    status=1
    return
  fi
  if ! "$validate" <<<"$rendered"; then
    echo "check-chart: invalid Kubernetes objects ($label)" >&2
    status=1
  fi
}
check "default values"
for values in "$chart"/ci/*-values.yaml; do
  check "$(basename "$values")" --values "$values"
done
exit "$status"
