#!/usr/bin/env bash
# Every example builds (their tests run with the rest) and examples/minimal
# serves: start it on a free loopback port, call /api/ping and /api/v1/auth
# with the key it prints, then stop it.
set -euo pipefail
cd "$(dirname "$0")/../.."

go build ./examples/...

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/minimal" ./examples/minimal
"$tmp/minimal" -addr 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!

url= key=
for _ in $(seq 1 100); do
  if grep -q '^Try:' "$tmp/out" 2>/dev/null; then
    key=$(sed -n 's/^API key: //p' "$tmp/out")
    url=$(sed -n 's|^Try: .*\(http://[^/]*\)/api/v1/auth$|\1|p' "$tmp/out")
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "examples/minimal exited early:"; cat "$tmp/out" "$tmp/err"; exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ] || [ -z "$key" ]; then
  echo "examples/minimal printed no address and key:"; cat "$tmp/out" "$tmp/err"; exit 1
fi

ping=$(curl -fsS "$url/api/ping")
echo "GET /api/ping -> $ping"
case "$ping" in *'"online":true'*) ;; *) echo "unexpected ping answer"; exit 1 ;; esac
auth=$(curl -fsS -H "Authorization: Bearer $key" "$url/api/v1/auth")
echo "GET /api/v1/auth -> $auth"
case "$auth" in *'"authenticated":true'*) ;; *) echo "unexpected auth answer"; exit 1 ;; esac
echo "examples ok"
