#!/usr/bin/env bash
# Boot script of the Solaris guest (SMF service site/rfarm-agent). Its bootstrap comes either from
# the config ISO the KVM host attaches (label RFARMCFG, see kvm-host.sh) or, on vSphere, from
# guestinfo. Writes /etc/rfarm, checks out the farm and runs the agent, its output on the console
# (which the KVM host's journal, and so Loki, receives).
set -euo pipefail

mkdir -p /etc/rfarm /var/lib/rfarm /mnt/rfarm-config
if command -v vmware-rpctool >/dev/null 2>&1 && [ -n "$(vmware-rpctool 'info-get guestinfo.rfarm.env' 2>/dev/null || true)" ]; then
  for key in env ca nats-creds; do
    vmware-rpctool "info-get guestinfo.rfarm.$key" | base64 -d > "/etc/rfarm/$key"
  done
  mv /etc/rfarm/env /etc/rfarm/agent.env
  mv /etc/rfarm/ca /etc/rfarm/farm-ca.pem
  mv /etc/rfarm/nats-creds /etc/rfarm/nats.creds
  vmware-rpctool "info-set guestinfo.rfarm.nats-creds ''" || true
  source_spec="$(vmware-rpctool 'info-get guestinfo.rfarm.source')"
else
  for device in /dev/dsk/c*p0 /dev/dsk/c*s2; do
    if mount -F hsfs -o ro "$device" /mnt/rfarm-config 2>/dev/null; then break; fi
  done
  cp /mnt/rfarm-config/agent.env /mnt/rfarm-config/nats.creds /mnt/rfarm-config/farm-ca.pem /etc/rfarm/
  source_spec="$(cat /mnt/rfarm-config/source)"
  umount /mnt/rfarm-config
fi
chmod 0600 /etc/rfarm/agent.env /etc/rfarm/nats.creds

repo="${source_spec%%#*}"
ref="${source_spec##*#}"
if [ ! -d /opt/rfarm/.git ]; then
  git clone --depth 1 --branch "$ref" "$repo" /opt/rfarm
fi
cd /opt/rfarm
npm ci --omit=dev

set -a
# shellcheck disable=SC1091
. /etc/rfarm/agent.env
set +a
export PATH="/opt/R/bin:/opt/csw/bin:$PATH"
node --import tsx images/agent/main.ts 2>&1 | tee -a /dev/console
