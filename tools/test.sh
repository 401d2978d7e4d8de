#!/usr/bin/env bash
# `npm test`: every project's tests (jest for TypeScript, pytest for the Python client, the
# cross-service tests in test/), each starting the real servers it needs. Installs what the
# tests need first (build, .venv, grpcurl, helm, k8s-validate, the versitygw S3 server) so it works on a fresh clone after `npm ci`,
# and closes with one line counting every test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
# The tests run through SWC, which strips types without checking them: check them here.
npm run typecheck --silent
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
if [ "$status" -ne 0 ]; then
  # The cross-service tests keep their services' warnings and errors (test/support/stack-fixture.ts):
  # after a failure, show their errors (level ≥ 50), to read beside the failed test.
  for log in .test-results/service-logs/*.log; do
    [ -e "$log" ] || continue
    errors=$(grep -E '"level":(5|6)[0-9]' "$log" | tail -n 20 || true)
    [ -n "$errors" ] && printf '== service errors logged during %s\n%s\n' "$(basename "$log")" "$errors" >&2
  done
fi
exit "$status"
