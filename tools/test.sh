#!/usr/bin/env bash
# `npm test`: every project's tests (jest for TypeScript, pytest for the Python client, the
# cross-service tests in test/), each starting the real servers it needs. Installs what the
# tests need first (build, .venv, grpcurl) so it works on a fresh clone after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
bash tools/python-env.sh
bash tools/install-grpcurl.sh
export PATH="$PWD/.tools/bin:$PATH"
npx nx run-many -t test --outputStyle=stream --skip-nx-cache "$@"
