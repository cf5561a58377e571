#!/usr/bin/env bash
# Installs R.
#   R_SOURCE=cran:   builds R_VERSION ("devel", "X.Y.Z-patched" or "X.Y.Z") from CRAN's source with the
#                    platform's compilers, as CRAN's own check machines do.
#   R_SOURCE=debian: the distribution's r-base-core/r-base-dev; with CC_FAMILY=clang, R's Makeconf is
#                    pointed at clang/clang++ (and FORTRAN) so packages build with them and
#                    `R CMD config CC` says so.
set -euo pipefail

source="${R_SOURCE:-cran}"
family="${CC_FAMILY:-gcc}"
fortran="${FORTRAN:-gfortran}"

if [ "$source" = debian ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends r-base-core r-base-dev
  if [ "$family" = clang ]; then
    makeconf="$(R RHOME)/etc/Makeconf"
    # Only the compiler word changes: R's -std flags (CC = gcc -std=gnu23) stay as configured.
    sed -i -E \
      -e 's/^(CC|C[0-9]+|OBJC) = gcc/\1 = clang/' \
      -e 's/^(CXX[0-9]*|OBJCXX) = g\+\+/\1 = clang++/' \
      -e "s/^(FC|F77) = gfortran/\1 = ${fortran}/" \
      "$makeconf"
  fi
  R --version | head -1
  R CMD config CC
  exit 0
fi

version="${R_VERSION:?R_VERSION is not set}"
case "$version" in
  devel) url=https://cran.r-project.org/src/base-prerelease/R-devel.tar.gz ;;
  *-patched) url=https://cran.r-project.org/src/base-prerelease/R-patched.tar.gz ;;
  *) url="https://cran.r-project.org/src/base/R-${version%%.*}/R-${version}.tar.gz" ;;
esac

if [ "$family" = clang ]; then
  export CC=clang CXX=clang++ FC="$fortran"
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
