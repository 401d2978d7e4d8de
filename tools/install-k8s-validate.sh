#!/usr/bin/env bash
# k8s-validate (tools/k8s-validate, its own Go module) into .tools/bin: checks rendered manifests
# strictly against the Kubernetes API types. Rebuilt whenever its sources are newer than the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.tools/bin/k8s-validate
if [ -x "$binary" ] && [ -z "$(find tools/k8s-validate -newer "$binary" -type f)" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "install-k8s-validate: Go is needed to build k8s-validate" >&2
  exit 1
fi
mkdir -p .tools/bin
(cd tools/k8s-validate && go build -buildvcs=false -o "../../$binary" .)
