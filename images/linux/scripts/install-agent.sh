#!/usr/bin/env bash
# Installs the agent's npm dependencies in /opt/rfarm and creates the unprivileged user it runs as.
set -euo pipefail

cd /opt/rfarm
npm ci --omit=dev
npm cache clean --force
useradd --uid 10001 --create-home --shell /bin/bash rfarm
install -d -o rfarm -g rfarm /var/lib/rfarm
