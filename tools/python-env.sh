#!/usr/bin/env bash
# Makes (or refreshes) the project's Python environment in .venv: the test and codegen
# requirements plus the visitsarch client in editable mode. Re-installs only when
# clients/python/requirements-dev.txt or pyproject.toml changed. Prints nothing on a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements.sha256"
want=$(cat clients/python/requirements-dev.txt clients/python/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "python-env: installing clients/python/requirements-dev.txt into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r clients/python/requirements-dev.txt
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e clients/python
  echo "$want" > "$stamp"
fi
