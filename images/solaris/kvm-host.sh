#!/usr/bin/env bash
# Runs on the Debian EC2 host of a Solaris builder (nested virtualization enabled):
#   install  write the systemd unit, fetch the guest disk from S3, build the config ISO
#   run      boot the Solaris 11.4 x86 guest under QEMU/KVM (the unit's ExecStart)
# Settings come from /etc/rfarm/host.env; the agent's environment from /etc/rfarm/guest/.
set -euo pipefail

# shellcheck disable=SC1091
. /etc/rfarm/host.env
state=/var/lib/rfarm-solaris
disk="$state/disk.qcow2"
iso="$state/config.iso"

install_guest() {
  mkdir -p "$state"
  if [ ! -e /dev/kvm ]; then
    echo "rfarm-kvm-host: /dev/kvm is missing; the instance type must support nested virtualization" >&2
    exit 1
  fi
  if [ ! -f "$disk" ]; then
    aws s3 cp "$RFARM_IMAGE_URI" "$disk.partial"
    mv "$disk.partial" "$disk"
  fi
  aws ssm get-parameter --name "$RFARM_CREDS_PARAMETER" --with-decryption \
    --query Parameter.Value --output text > /etc/rfarm/guest/nats.creds
  chmod 0600 /etc/rfarm/guest/nats.creds
  printf '%s\n' "$RFARM_SOURCE" > /etc/rfarm/guest/source
  # The scaler (scaler/) matches the guest's heartbeats to this EC2 instance of the Auto Scaling
  # group by worker id, <instance id>-agent-1 (scaler/pool-decision.ts agentWorkerId).
  token="$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)"
  instance="$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)"
  sed -i '/^FARM_WORKER_ID=/d' /etc/rfarm/guest/agent.env
  printf 'FARM_WORKER_ID=%s-agent-1\n' "$instance" >> /etc/rfarm/guest/agent.env
  genisoimage -quiet -V RFARMCFG -r -J -o "$iso" \
    /etc/rfarm/guest/agent.env /etc/rfarm/guest/nats.creds /etc/rfarm/guest/farm-ca.pem /etc/rfarm/guest/source
  chmod 0600 "$iso"
  cat > /etc/systemd/system/rfarm-solaris-guest.service <<UNIT
[Unit]
Description=Solaris 11.4 x86 rfarm builder guest
After=network-online.target

[Service]
ExecStart=/usr/local/sbin/rfarm-kvm-host run
Restart=always
RestartSec=30

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
}

run_guest() {
  local cpus memory_mb
  cpus="$(nproc)"
  memory_mb="$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))"
  # The guest's agent port is forwarded to the host, where Alloy scrapes it.
  exec qemu-system-x86_64 -enable-kvm -cpu host -machine q35 -smp "$cpus" -m "$memory_mb" \
    -drive file="$disk",if=none,id=system -device ahci,id=ahci -device ide-hd,drive=system,bus=ahci.0 \
    -drive file="$iso",media=cdrom,readonly=on \
    -netdev user,id=net0,hostfwd=tcp:127.0.0.1:9464-:9464 -device e1000,netdev=net0 \
    -display none -serial mon:stdio
}

case "${1:-}" in
  install) install_guest ;;
  run) run_guest ;;
  *) echo "usage: rfarm-kvm-host install|run" >&2; exit 2 ;;
esac
