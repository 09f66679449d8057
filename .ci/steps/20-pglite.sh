#!/usr/bin/env bash
# Starts PGlite (PostgreSQL compiled to WebAssembly, run by Node) with the
# pgvector extension on 127.0.0.1:5433, for vectordb/pgvector's tests.
# Idempotent: does nothing when a server already accepts connections there.
# The database lives in memory, so every start is empty; the tests make and
# drop their own tables. .ci/run must export, for the test step:
#   ANYTHINGLLM_TEST_PGVECTOR_DSN='postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable'
# PGlite is one single-user backend behind a socket server: -m lets that many
# clients connect at once, but their statements run one at a time (a client's
# open transaction holds the others back).
set -euo pipefail

PGLITE_VERSION=0.5.14
PGLITE_SOCKET_VERSION=0.2.17
PGLITE_PGVECTOR_VERSION=0.0.15
HOST=127.0.0.1
PORT=5433
MAX_CONNS=8
DIR=/tmp/anythingllm-ci-pglite

ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PORT" -t 2
  else
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
  fi
}

if ready; then
  echo "a PostgreSQL server already accepts connections on $HOST:$PORT"
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are needed to run PGlite; the pgvector tests will skip" >&2
  exit 1
fi

mkdir -p "$DIR"
want="@electric-sql/pglite@$PGLITE_VERSION @electric-sql/pglite-socket@$PGLITE_SOCKET_VERSION @electric-sql/pglite-pgvector@$PGLITE_PGVECTOR_VERSION"
if [ "$(cat "$DIR/installed" 2>/dev/null || true)" != "$want" ]; then
  echo "installing $want"
  # shellcheck disable=SC2086 # $want is a list of packages
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error $want
  echo "$want" >"$DIR/installed"
fi

nohup "$DIR/node_modules/.bin/pglite-server" -h "$HOST" -p "$PORT" -m "$MAX_CONNS" \
  -e @electric-sql/pglite-pgvector:vector >"$DIR/pglite.log" 2>&1 &
echo $! >"$DIR/pglite.pid"
for _ in $(seq 1 60); do
  if ready; then
    echo "pglite started on $HOST:$PORT (pid $(cat "$DIR/pglite.pid"), log $DIR/pglite.log)"
    exit 0
  fi
  if ! kill -0 "$(cat "$DIR/pglite.pid")" 2>/dev/null; then
    break
  fi
  sleep 1
done
echo "pglite did not accept connections on $HOST:$PORT within 60 s; its log:"
tail -50 "$DIR/pglite.log" || true
exit 1
