#!/usr/bin/env bash
# Installs the agent's npm dependencies in /opt/rfarm (the cloud image; the local farm mounts the checkout).
set -euo pipefail

cd /opt/rfarm
npm ci --omit=dev
npm cache clean --force
