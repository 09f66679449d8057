#!/usr/bin/env bash
# Starts a MinIO on 127.0.0.1:9000 for the S3 blob store's tests
# (storage/blobstore/s3blob). Idempotent: does nothing when one already
# answers there. The tests create their bucket. .ci/run must export, for the
# test step:
#   ANYTHINGLLM_TEST_S3_URL='s3://anythingllm-test?endpoint=http://127.0.0.1:9000&region=us-east-1'
#   AWS_ACCESS_KEY_ID=anythingllm-ci AWS_SECRET_ACCESS_KEY=anythingllm-ci-secret
# (test-only credentials of a server reachable on loopback only).
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
ADDR=127.0.0.1:9000
CONSOLE=127.0.0.1:9001
DATA=/tmp/anythingllm-ci-minio
export MINIO_ROOT_USER="${AWS_ACCESS_KEY_ID:-anythingllm-ci}"
export MINIO_ROOT_PASSWORD="${AWS_SECRET_ACCESS_KEY:-anythingllm-ci-secret}"

live() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "http://$ADDR/minio/health/live"
  else
    exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}" || return 1
    printf 'GET /minio/health/live HTTP/1.0\r\nHost: %s\r\n\r\n' "$ADDR" >&3
    head -1 <&3 | grep -q ' 200 '
  fi
}

if live 2>/dev/null; then
  echo "minio already answers on $ADDR"
  exit 0
fi

MINIO="$(command -v minio || true)"
if [ -z "$MINIO" ]; then
  bin="$(go env GOPATH)/bin/minio"
  if [ ! -x "$bin" ]; then
    echo "installing minio@$MINIO_VERSION (takes a few minutes)"
    go install "github.com/minio/minio@$MINIO_VERSION"
  fi
  MINIO="$bin"
fi

mkdir -p "$DATA"
nohup "$MINIO" server "$DATA/data" --address "$ADDR" --console-address "$CONSOLE" --quiet >"$DATA/minio.log" 2>&1 &
echo $! >"$DATA/minio.pid"
for _ in $(seq 1 60); do
  if live 2>/dev/null; then
    echo "minio started on $ADDR (pid $(cat "$DATA/minio.pid"), log $DATA/minio.log)"
    exit 0
  fi
  sleep 1
done
echo "minio did not answer on $ADDR within 60 s; its log:"
tail -50 "$DATA/minio.log" || true
exit 1
