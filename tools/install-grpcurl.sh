#!/usr/bin/env bash
# grpcurl (a Go module, built from the Go module proxy) into .tools/bin: the end-to-end tests use it
# to prove that server reflection works for a standard third-party client.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/bin/grpcurl ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "install-grpcurl: Go is needed to build grpcurl" >&2
  exit 1
fi
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
