#!/usr/bin/env bash
# Boot script of a macOS builder VM (launchd daemon org.rfarm.agent). Reads the bootstrap that
# infra put in guestinfo (infra/user-data/guestinfo.ts), writes it to /etc/rfarm, blanks the
# secret keys, checks out the farm at the configured ref and runs the agent in the foreground.
set -euo pipefail

tools="/Library/Application Support/VMware Tools/vmware-tools-daemon"

guestinfo() {
  "$tools" --cmd "info-get guestinfo.rfarm.$1" 2>/dev/null || true
}

decode_to() {
  local value="$1" path="$2" mode="$3"
  printf '%s' "$value" | base64 -D > "$path"
  chmod "$mode" "$path"
}

env_b64="$(guestinfo env)"
if [ -z "$env_b64" ]; then
  echo "rfarm-agent-boot: no guestinfo.rfarm.env; was this VM cloned by infra?" >&2
  exit 1
fi
install -d -m 0755 /etc/rfarm /var/lib/rfarm
decode_to "$env_b64" /etc/rfarm/agent.env 0600
decode_to "$(guestinfo ca)" /etc/rfarm/farm-ca.pem 0644
decode_to "$(guestinfo alloy)" /etc/rfarm/config.alloy 0644
creds="$(guestinfo nats-creds)"
if [ -n "$creds" ]; then
  decode_to "$creds" /etc/rfarm/nats.creds 0600
  # Package code runs on this VM: do not leave the credentials readable through VMware Tools.
  "$tools" --cmd "info-set guestinfo.rfarm.nats-creds ''" || true
fi

source_spec="$(guestinfo source)"
repo="${source_spec%%#*}"
ref="${source_spec##*#}"
if [ ! -d /opt/rfarm/.git ]; then
  git clone --depth 1 --branch "$ref" "$repo" /opt/rfarm
fi
cd /opt/rfarm
npm ci --omit=dev

/usr/local/bin/alloy run /etc/rfarm/config.alloy --storage.path=/var/lib/rfarm/alloy >> /var/log/alloy.log 2>&1 &
set -a
# shellcheck disable=SC1091
. /etc/rfarm/agent.env
set +a
exec /usr/local/bin/node --import tsx images/agent/main.ts
