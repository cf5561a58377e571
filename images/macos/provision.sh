#!/usr/bin/env bash
# Provisions a macOS vSphere template for rfarm (run once, as root, before converting the VM to a
# template): Xcode command line tools, R from CRAN's installer for the architecture, GNU Fortran,
# pandoc, TinyTeX, Node, Grafana Alloy, and the boot daemon that starts the agent from guestinfo.
# Usage: provision.sh <r-version>   e.g. provision.sh 4.5.2
set -euo pipefail

r_version="${1:?usage: provision.sh <r-version>}"
node_version=20.19.5
pandoc_version=3.6.4
alloy_version=1.10.0
here="$(cd "$(dirname "$0")" && pwd)"
downloads="$(mktemp -d)"

case "$(uname -m)" in
  arm64) r_pkg="https://cloud.r-project.org/bin/macosx/big-sur-arm64/base/R-${r_version}-arm64.pkg"; alloy_arch=arm64; pandoc_arch=arm64 ;;
  x86_64) r_pkg="https://cloud.r-project.org/bin/macosx/big-sur-x86_64/base/R-${r_version}-x86_64.pkg"; alloy_arch=amd64; pandoc_arch=x86_64 ;;
  *) echo "provision.sh: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

install_pkg() {
  curl -fsSL "$1" -o "$downloads/package.pkg"
  installer -pkg "$downloads/package.pkg" -target /
}

# Command line tools (compilers, git) without the Xcode GUI.
touch /tmp/.com.apple.dt.CommandLineTools.installondemand.in-progress
clt="$(softwareupdate -l | sed -n 's/^\* Label: \(Command Line Tools.*\)$/\1/p' | tail -1)"
softwareupdate -i "$clt" --verbose
rm -f /tmp/.com.apple.dt.CommandLineTools.installondemand.in-progress

install_pkg "$r_pkg"
install_pkg https://mac.r-project.org/tools/gfortran-14.2-universal.pkg
install_pkg "https://nodejs.org/dist/v${node_version}/node-v${node_version}.pkg"
install_pkg "https://github.com/jgm/pandoc/releases/download/${pandoc_version}/pandoc-${pandoc_version}-${pandoc_arch}-macOS.pkg"
Rscript -e 'install.packages(c("tinytex", "knitr", "rmarkdown", "remotes"), repos = "https://cloud.r-project.org"); tinytex::install_tinytex(force = TRUE)'

curl -fsSL "https://github.com/grafana/alloy/releases/download/v${alloy_version}/alloy-darwin-${alloy_arch}.zip" -o "$downloads/alloy.zip"
unzip -o "$downloads/alloy.zip" -d "$downloads"
install -m 0755 "$downloads/alloy-darwin-${alloy_arch}" /usr/local/bin/alloy

install -d -m 0755 /usr/local/libexec /etc/rfarm /var/lib/rfarm
install -m 0755 "$here/agent-boot.sh" /usr/local/libexec/rfarm-agent-boot
install -m 0644 "$here/org.rfarm.agent.plist" /Library/LaunchDaemons/org.rfarm.agent.plist
launchctl enable system/org.rfarm.agent
rm -rf "$downloads"
echo "template provisioned for R ${r_version} on $(uname -m)"
