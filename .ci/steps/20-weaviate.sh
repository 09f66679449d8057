#!/usr/bin/env bash
# Starts a single-node Weaviate on 127.0.0.1:8079 for the Weaviate vector
# store's tests (vectordb/weaviate). Idempotent: does nothing when one
# already answers ready there. Anonymous access, no modules, loopback only;
# the tests make (and drop) their own collections. .ci/run must export, for
# the test step:
#   ANYTHINGLLM_TEST_WEAVIATE_URL=http://127.0.0.1:8079
set -euo pipefail

WEAVIATE_VERSION=v1.35.2
HOST=127.0.0.1
PORT=8079
DATA=/tmp/anythingllm-ci-weaviate

ready() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "http://$HOST:$PORT/v1/.well-known/ready"
  else
    exec 3<>"/dev/tcp/$HOST/$PORT" || return 1
    printf 'GET /v1/.well-known/ready HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$HOST" "$PORT" >&3
    head -1 <&3 | grep -q ' 200 '
  fi
}

if ready 2>/dev/null; then
  echo "weaviate already answers ready on $HOST:$PORT"
  exit 0
fi

WEAVIATE="$(command -v weaviate-server || true)"
if [ -z "$WEAVIATE" ]; then
  bin="$(go env GOPATH)/bin/weaviate-server"
  if [ ! -x "$bin" ]; then
    echo "installing weaviate-server@$WEAVIATE_VERSION (takes several minutes)"
    go install "github.com/weaviate/weaviate/cmd/weaviate-server@$WEAVIATE_VERSION"
  fi
  WEAVIATE="$bin"
fi

mkdir -p "$DATA"
# Single node: gossip, data, Raft and gRPC ports moved off the defaults
# (7946, 7947, 8300, 8301, 50051) so they clash with nothing else on the
# machine. Weaviate binds REST, gossip and Raft to CLUSTER_BIND_ADDR / --host
# but the gRPC and cluster-data listeners to every interface (":port" is
# hard-coded); the profiling listener (:6060) is switched off.
env \
  PERSISTENCE_DATA_PATH="$DATA/data" \
  AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true \
  DEFAULT_VECTORIZER_MODULE=none \
  ENABLE_MODULES= \
  API_BASED_MODULES_DISABLED=true \
  GO_PROFILING_DISABLE=true \
  DISABLE_TELEMETRY=true \
  CLUSTER_HOSTNAME=node1 \
  CLUSTER_ADVERTISE_ADDR=$HOST \
  CLUSTER_BIND_ADDR=$HOST \
  CLUSTER_GOSSIP_BIND_PORT=7176 \
  CLUSTER_DATA_BIND_PORT=7177 \
  RAFT_PORT=8376 \
  RAFT_INTERNAL_RPC_PORT=8377 \
  RAFT_JOIN=node1:8376 \
  RAFT_BOOTSTRAP_EXPECT=1 \
  GRPC_PORT=50079 \
  LOG_LEVEL=warning \
  nohup "$WEAVIATE" --host "$HOST" --port "$PORT" --scheme http >"$DATA/weaviate.log" 2>&1 &
echo $! >"$DATA/weaviate.pid"
for _ in $(seq 1 120); do
  if ready 2>/dev/null; then
    echo "weaviate started on $HOST:$PORT (pid $(cat "$DATA/weaviate.pid"), log $DATA/weaviate.log)"
    exit 0
  fi
  sleep 1
done
echo "weaviate did not answer ready on $HOST:$PORT within 120 s; its log:"
tail -50 "$DATA/weaviate.log" || true
exit 1
