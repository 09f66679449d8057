#!/usr/bin/env bash
# A seconds-long run of the benchmark report (go run ./bench/report -smoke):
# every benchmark at tiny sizes, once, into a temp dir, so none of them rots.
# Fails if any benchmark fails. LanceDB runs only where node and npm are
# installed (the report installs @lancedb/lancedb into the user's cache
# dir); otherwise the report says it skipped it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "node or npm not installed: the LanceDB comparison is skipped"
  exec go run ./bench/report -smoke -no-lancedb
fi
exec go run ./bench/report -smoke
