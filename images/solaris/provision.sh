#!/usr/bin/env bash
# Provisions the Solaris 11.4 x86 guest image for rfarm (run once, as root, inside the guest before
# its disk is uploaded to the image bucket): GCC and libraries from OpenCSW, R-patched built from
# source, Node from Solaris IPS, and the SMF service that starts the agent at boot.
# Usage: provision.sh <r-version>   e.g. provision.sh 4.5.2-patched
set -euo pipefail

r_version="${1:?usage: provision.sh <r-version>}"
here="$(cd "$(dirname "$0")" && pwd)"
csw=/opt/csw/bin

# OpenCSW: the GCC toolchain CRAN's Solaris checks used.
if [ ! -x "$csw/pkgutil" ]; then
  yes | pkgadd -d http://get.opencsw.org/now all
fi
"$csw/pkgutil" -U
"$csw/pkgutil" -y -i gcc5core gcc5g++ gcc5gfortran gmake gsed ggrep gtar libiconv_dev libreadline_dev \
  libz_dev libbz2_dev liblzma_dev libpcre2_dev libcurl_dev libssl_dev libicu_dev pkgconfig texinfo wget
pkg install --accept runtime/nodejs/nodejs-20 developer/versioning/git || true

case "$r_version" in
  devel) url=https://cran.r-project.org/src/base-prerelease/R-devel.tar.gz ;;
  *-patched) url=https://cran.r-project.org/src/base-prerelease/R-patched.tar.gz ;;
  *) url="https://cran.r-project.org/src/base/R-${r_version%%.*}/R-${r_version}.tar.gz" ;;
esac
workdir="$(mktemp -d)"
"$csw/wget" -qO- "$url" | "$csw/gtar" -xz -C "$workdir" --strip-components=1
cd "$workdir"
PATH="$csw:$PATH" CC="$csw/gcc" CXX="$csw/g++" FC="$csw/gfortran" ./configure --prefix=/opt/R --without-recommended-packages --with-x=no
PATH="$csw:$PATH" "$csw/gmake" -j4
PATH="$csw:$PATH" "$csw/gmake" install
cd /
rm -rf "$workdir"

mkdir -p /opt/rfarm-boot /etc/rfarm /var/lib/rfarm
cp "$here/agent-boot.sh" /opt/rfarm-boot/agent-boot.sh
chmod 0755 /opt/rfarm-boot/agent-boot.sh
svccfg import "$here/rfarm-agent.xml"
echo "guest provisioned for R ${r_version}"
