#!/usr/bin/env bash
# Builds and installs R from source with the flavour's compiler.
#   R_VERSION: "devel", "X.Y.Z-patched" or "X.Y.Z" (the catalogue's R_VERSIONS)
#   CC_FAMILY: gcc or clang
set -euo pipefail

version="${R_VERSION:?R_VERSION is not set}"
family="${CC_FAMILY:-gcc}"

case "$version" in
  devel) url=https://cran.r-project.org/src/base-prerelease/R-devel.tar.gz ;;
  *-patched) url=https://cran.r-project.org/src/base-prerelease/R-patched.tar.gz ;;
  *) url="https://cran.r-project.org/src/base/R-${version%%.*}/R-${version}.tar.gz" ;;
esac

if [ "$family" = clang ]; then
  export CC=clang CXX=clang++ FC=flang-new
  if ! command -v flang-new >/dev/null 2>&1; then export FC=flang; fi
fi

workdir="$(mktemp -d)"
curl -fsSL "$url" | tar -xz -C "$workdir" --strip-components=1
cd "$workdir"
./configure --prefix=/usr/local --enable-R-shlib --enable-memory-profiling --with-blas --with-lapack --without-recommended-packages
make -j"$(nproc)"
make install
cd /
rm -rf "$workdir"
Rscript -e 'install.packages(c("remotes", "knitr", "rmarkdown", "testthat"), repos = "https://cloud.r-project.org")'
R --version | head -1
