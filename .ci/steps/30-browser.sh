#!/usr/bin/env bash
# Browser test of the API docs: installs Debian's Chromium if it is missing,
# then drives Swagger UI against the stock binary (e2e/browser). The
# screenshot is kept in ${ANYTHINGLLM_TEST_ARTIFACTS:-e2e/browser/artifacts}.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
chromium --version
export ANYTHINGLLM_TEST_ARTIFACTS="${ANYTHINGLLM_TEST_ARTIFACTS:-$PWD/e2e/browser/artifacts}"
go test -count=1 -v -run TestSwaggerUITryItOutAuth ./e2e/browser/

# ReDoc: the page at /api/redoc/ loads ReDoc's standalone bundle; fetch the
# npm package (not committed) and let the binary serve it (REDOC_SCRIPT_FILE).
redoc_dir="$(mktemp -d)"
(cd "$redoc_dir" && npm pack --silent redoc@2.5.1 >/dev/null && tar xzf redoc-2.5.1.tgz package/bundles/redoc.standalone.js)
ANYTHINGLLM_TEST_REDOC_JS="$redoc_dir/package/bundles/redoc.standalone.js" go test -count=1 -v -run TestRedocRendersTheAPI ./e2e/browser/
rm -rf "$redoc_dir"
ls -la "$ANYTHINGLLM_TEST_ARTIFACTS"
