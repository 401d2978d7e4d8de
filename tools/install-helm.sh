#!/usr/bin/env bash
# helm v3 (a Go module, built from the Go module proxy) into .tools/bin: tools/check-chart.sh and
# test/helm-chart.spec.ts lint and render deploy/helm/visitsarch with it. v3.22.0 builds with Go ≥ 1.26.
# The -X flags are those of helm's own Makefile: without them `helm template` and `helm lint`
# assume Kubernetes 1.20 and refuse the chart's kubeVersion (>=1.27, native gRPC probes).
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v3.22.0
K8S_MAJOR=1 K8S_MINOR=37 # the k8s.io modules helm v3.22.0 is built with (v0.37.0)
stamp="$HELM_VERSION k8s-$K8S_MAJOR.$K8S_MINOR"
if [ -x .tools/bin/helm ] && [ "$(cat .tools/bin/.helm-version 2>/dev/null)" = "$stamp" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "install-helm: Go is needed to build helm" >&2
  exit 1
fi
mkdir -p .tools/bin
ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for package in pkg/lint/rules pkg/chartutil; do
  ldflags+=" -X helm.sh/helm/v3/$package.k8sVersionMajor=$K8S_MAJOR -X helm.sh/helm/v3/$package.k8sVersionMinor=$K8S_MINOR"
done
GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
echo "$stamp" > .tools/bin/.helm-version
