#!/usr/bin/env bash
# `npm test`: every project's tests (jest for TypeScript, pytest for the Python client, the
# cross-service tests in test/), each starting the real servers it needs. Installs what the
# tests need first (build, .venv, grpcurl, helm, k8s-validate, the versitygw S3 server) so it works on a fresh clone after `npm ci`,
# and closes with one line counting every test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
bash tools/python-env.sh
bash tools/install-grpcurl.sh
bash tools/install-helm.sh
bash tools/install-k8s-validate.sh
bash tools/install-s3-server.sh
export PATH="$PWD/.tools/bin:$PATH"
rm -rf .test-results
status=0
npx nx run-many -t test --outputStyle=stream --skip-nx-cache "$@" || status=$?
node tools/summarize-tests.js
exit "$status"
