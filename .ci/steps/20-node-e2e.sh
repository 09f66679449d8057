#!/usr/bin/env bash
# End-to-end with real clients: AnythingLLM's own CLI (`any prompt`) and the
# openai npm SDK against the stock binary and the in-repo fake OpenAI server.
set -euo pipefail
cd "$(dirname "$0")/../../e2e/node"
node --version
npm ci --no-audit --no-fund
npm test
