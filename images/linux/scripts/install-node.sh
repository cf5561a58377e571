#!/usr/bin/env bash
# Node.js for the agent.
#   NODE_SOURCE=nodejs.org: the pinned official release NODE_VERSION (the same on every distribution)
#   NODE_SOURCE=debian:     the distribution's nodejs (Debian 12: 18, Debian 13: 20)
set -euo pipefail

if [ "${NODE_SOURCE:-nodejs.org}" = debian ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs
else
  node_version="${NODE_VERSION:?NODE_VERSION is not set}"
  curl -fsSL "https://nodejs.org/dist/v${node_version}/node-v${node_version}-linux-x64.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1
fi
node --version
