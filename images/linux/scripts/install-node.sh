#!/usr/bin/env bash
# Node.js for the agent, from the pinned official release (the same on every distribution).
set -euo pipefail

node_version="${NODE_VERSION:?NODE_VERSION is not set}"
curl -fsSL "https://nodejs.org/dist/v${node_version}/node-v${node_version}-linux-x64.tar.xz" \
  | tar -xJ -C /usr/local --strip-components=1
node --version
