#!/usr/bin/env bash
# versitygw (a Go module, built from the Go module proxy) into .tools/bin: an S3-protocol gateway
# over a POSIX directory. The storage and blob-archive tests start it to exercise the s3://
# backend against a real S3 server (signatures, multipart uploads, conditional writes), not a fake.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/bin/versitygw ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "install-s3-server: Go is needed to build versitygw" >&2
  exit 1
fi
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
