#!/usr/bin/env bash
# Installs the platform's compilers, what R needs to build (from source) or R itself comes with
# (from the distribution), bubblewrap and prlimit (the agent's job sandbox), slirp4netns, nftables
# and iproute2 (the egress network policy), sudo (the agent's system-requirements installs) and
# git/curl/ca-certificates.
#   CC_FAMILY: gcc or clang        FORTRAN: gfortran, or flang-new-NN where the distribution has it
#   R_SOURCE:  cran (R built from source by install-r.sh) or debian (the distribution's r-base-dev)
set -euo pipefail

family="${CC_FAMILY:?CC_FAMILY is not set}"
fortran="${FORTRAN:-gfortran}"
source="${R_SOURCE:-cran}"

if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  common=(ca-certificates curl git bubblewrap util-linux slirp4netns nftables iproute2 sudo pkg-config xz-utils make file)
  if [ "$source" = debian ]; then
    # r-base-dev brings build-essential, gfortran and the -dev packages R's headers need.
    compilers=(build-essential gfortran)
  else
    compilers=(build-essential gfortran libreadline-dev libx11-dev libxt-dev libpng-dev libjpeg-dev
      libcairo2-dev libbz2-dev liblzma-dev libpcre2-dev libcurl4-openssl-dev libssl-dev libxml2-dev
      libicu-dev zlib1g-dev libblas-dev liblapack-dev tcl-dev tk-dev libtiff-dev libzstd-dev)
  fi
  if [ "$family" = clang ]; then compilers+=(clang libc++-dev libomp-dev); fi
  if [ "$fortran" != gfortran ]; then compilers+=("${fortran%-new*}${fortran##*-new}"); fi
  apt-get install -y --no-install-recommends "${common[@]}" "${compilers[@]}"
elif command -v dnf >/dev/null 2>&1; then
  common=(gcc gcc-c++ gcc-gfortran make ca-certificates curl git bubblewrap util-linux slirp4netns nftables iproute sudo pkgconf-pkg-config xz
    readline-devel libX11-devel libXt-devel libpng-devel libjpeg-turbo-devel cairo-devel bzip2-devel
    xz-devel pcre2-devel libcurl-devel openssl-devel libxml2-devel libicu-devel zlib-devel
    flexiblas-devel tcl-devel tk-devel libtiff-devel libzstd-devel which perl diffutils shadow-utils)
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
