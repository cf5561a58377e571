#!/usr/bin/env bash
# Boot script of a macOS builder (launchd daemon org.rfarm.agent). On a vSphere VM it reads the
# bootstrap that infra put in guestinfo (infra/user-data/guestinfo.ts), writes it to /etc/rfarm,
# blanks the secret keys and checks out the farm at the configured ref. On an EC2 Mac the user data
# (infra/user-data/mac-host.ts) has already written /etc/rfarm and checked out /opt/rfarm. Then it
# runs the host's agents, one per environment file (agent.env, agent-2.env, …), each with worker id
# `<hostname>-agent-<n>`: the first in the foreground, the others in restart loops of their own.
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

env_b64=""
if [ -x "$tools" ]; then
  env_b64="$(guestinfo env)"
fi
if [ -n "$env_b64" ]; then
  install -d -m 0755 /etc/rfarm /var/lib/rfarm
  decode_to "$env_b64" /etc/rfarm/agent.env 0600
  slot=2
  while extra="$(guestinfo "env-$slot")"; [ -n "$extra" ]; do
    decode_to "$extra" "/etc/rfarm/agent-$slot.env" 0600
    slot=$((slot + 1))
  done
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
elif [ ! -f /etc/rfarm/agent.env ] || [ ! -d /opt/rfarm/.git ]; then
  echo "rfarm-agent-boot: no bootstrap: neither guestinfo.rfarm.env (vSphere) nor /etc/rfarm/agent.env and /opt/rfarm from user data (EC2 Mac)" >&2
  exit 1
fi
cd /opt/rfarm
npm ci --omit=dev

/usr/local/bin/alloy run /etc/rfarm/config.alloy --storage.path=/var/lib/rfarm/alloy >> /var/log/alloy.log 2>&1 &
host="$(hostname -s)"

# One agent: its environment file, its worker id, its data directory.
run_agent() {
  local slot="$1" file="$2"
  set -a
  # shellcheck disable=SC1090
  . "$file"
  set +a
  export FARM_WORKER_ID="$host-agent-$slot"
  install -d -m 0755 "$FARM_DATA_DIR"
  exec /usr/local/bin/node --import tsx images/agent/main.ts
}

# launchd kills the job's whole process group when the first agent ends, then restarts the job.
for file in /etc/rfarm/agent-[0-9]*.env; do
  [ -f "$file" ] || continue
  slot="${file##*/agent-}"
  slot="${slot%.env}"
  (
    while true; do
      (run_agent "$slot" "$file") >> "/var/log/rfarm-agent-$slot.log" 2>&1 || true
      sleep 10
    done
  ) &
done
run_agent 1 /etc/rfarm/agent.env
