#!/usr/bin/env bash
# Installs the compiler of the platform's flavour (gcc or clang), R's build dependencies,
# bubblewrap (the agent's job sandbox), git and curl. Usage: install-toolchain.sh gcc|clang
set -euo pipefail

family="${1:?usage: install-toolchain.sh gcc|clang}"

if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  common=(build-essential gfortran ca-certificates curl git bubblewrap pkg-config xz-utils
    libreadline-dev libx11-dev libxt-dev libpng-dev libjpeg-dev libcairo2-dev libbz2-dev
    liblzma-dev libpcre2-dev libcurl4-openssl-dev libssl-dev libxml2-dev libicu-dev zlib1g-dev
    libblas-dev liblapack-dev tcl-dev tk-dev libtiff-dev libzstd-dev)
  if [ "$family" = clang ]; then
    apt-get install -y --no-install-recommends "${common[@]}" clang flang libc++-dev libomp-dev
  else
    apt-get install -y --no-install-recommends "${common[@]}"
  fi
  rm -rf /var/lib/apt/lists/*
elif command -v dnf >/dev/null 2>&1; then
  common=(gcc gcc-c++ gcc-gfortran make ca-certificates curl git bubblewrap pkgconf-pkg-config xz
    readline-devel libX11-devel libXt-devel libpng-devel libjpeg-turbo-devel cairo-devel bzip2-devel
    xz-devel pcre2-devel libcurl-devel openssl-devel libxml2-devel libicu-devel zlib-devel
    flexiblas-devel tcl-devel tk-devel libtiff-devel libzstd-devel which perl diffutils)
  if [ "$family" = clang ]; then
    dnf install -y "${common[@]}" clang flang libomp-devel
  else
    dnf install -y "${common[@]}"
  fi
  dnf clean all
else
  echo "install-toolchain.sh: neither apt-get nor dnf found" >&2
  exit 1
fi
