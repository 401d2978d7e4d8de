#!/usr/bin/env bash
# Regenerates every stub from proto/: TypeScript (ts-proto via buf) into libs/contracts/src/gen,
# Python (grpcio-tools, pinned in clients/python/requirements-dev.txt) into clients/python/visitsarch;
# and assembles the WebAssembly text modules under libs/ (*.wat -> *.wasm.ts, tools/build-wasm.js).
# CI runs it and fails if the committed results differ.
set -euo pipefail
cd "$(dirname "$0")/.."

npx buf lint
# Every service, RPC, message, field, enum and value of ours has a real leading comment.
descriptor=$(mktemp --suffix=.json)
npx buf build -o "$descriptor"
python3 tools/check-proto-comments.py "$descriptor" visitsarch/
rm -f "$descriptor"
npx buf generate
node tools/lazy-nest-imports.js
# What server reflection serves: the descriptors as compiled, not as protobufjs rebuilds them
# (libs/contracts/src/descriptor-sets.ts).
npx buf build -o libs/contracts/src/gen/visitsarch.binpb
npx buf build node_modules/grpc-health-check/proto/health/v1 -o libs/contracts/src/gen/grpc-health.binpb

py_out=clients/python/visitsarch
find "$py_out" \( -name '*_pb2.py' -o -name '*_pb2.pyi' -o -name '*_pb2_grpc.py' \) -delete
mapfile -t protos < <(cd proto && find visitsarch -name '*.proto' | sort)
bash tools/python-env.sh
.venv/bin/python -m grpc_tools.protoc -I proto --python_out=clients/python --pyi_out=clients/python --grpc_python_out=clients/python "${protos[@]}"
# Every generated directory is a regular package (so the wheel build and mypy see it).
for dir in $(cd proto && find visitsarch -name '*.proto' -exec dirname {} \; | sort -u); do
  while [ "$dir" != "visitsarch" ] && [ "$dir" != "." ]; do
    [ -f "clients/python/$dir/__init__.py" ] || printf '"""Generated gRPC stubs; do not edit (npm run generate)."""\n' > "clients/python/$dir/__init__.py"
    dir=$(dirname "$dir")
  done
done
node tools/build-wasm.js
echo "generated TypeScript (libs/contracts/src/gen) and Python (clients/python/visitsarch) stubs, and the WebAssembly modules"
