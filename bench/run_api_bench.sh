#!/bin/sh
# The HTTP benchmark of the restworkx API; see bench/README.md. Not part of the test suite.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: installing wrk (Debian package)" >&2
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk
fi
exec "$root/.venv/bin/python" "$here/run_api_bench.py" "$@"
