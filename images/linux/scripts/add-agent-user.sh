#!/usr/bin/env bash
# The unprivileged user the agent runs as (uid 10001; its sandbox maps builds to uid 1000 inside), its
# data directory, and its one privilege: running the package manager as root through sudo, so the
# system requirements the sysreqs service names are installed inside the container. Builds cannot
# use it: bubblewrap sets no_new_privs, which disarms sudo's setuid bit.
set -euo pipefail

useradd --uid 10001 --create-home --shell /bin/bash rfarm
install -d -o rfarm -g rfarm /var/lib/rfarm
install -d /usr/local/lib/rfarm/bin
for manager in apt-get dnf; do
  path="$(command -v "$manager" || true)"
  [ -n "$path" ] || continue
  printf 'rfarm ALL=(root) NOPASSWD:SETENV: %s\n' "$path" > "/etc/sudoers.d/rfarm-$manager"
  chmod 0440 "/etc/sudoers.d/rfarm-$manager"
  # apt-get install fails without package lists; the images keep them, but refresh when they are gone.
  cat > "/usr/local/lib/rfarm/bin/$manager" <<SHIM
#!/bin/sh
# rfarm: the agent's $manager, as root through sudo (images/linux/scripts/add-agent-user.sh).
if [ "$manager" = apt-get ] && [ -z "\$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
  sudo -n DEBIAN_FRONTEND=noninteractive $path update -qq || exit \$?
fi
exec sudo -n DEBIAN_FRONTEND=noninteractive $path "\$@"
SHIM
  chmod 0755 "/usr/local/lib/rfarm/bin/$manager"
done
