#!/usr/bin/env bash
# TeX, pandoc, qpdf and ghostscript: enough for `R CMD check` to build vignettes and the PDF manual.
# TEX=none installs only qpdf (the local images: the agent checks with --no-manual).
set -euo pipefail

if [ "${TEX:-full}" = none ]; then
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qpdf
  else
    dnf install -y qpdf && dnf clean all
  fi
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended \
    texlive-latex-extra texlive-fonts-recommended texlive-fonts-extra texinfo qpdf ghostscript pandoc
else
  dnf install -y texlive-scheme-basic texlive-collection-latexrecommended texlive-collection-fontsrecommended \
    texlive-inconsolata texlive-framed texinfo-tex qpdf ghostscript pandoc
  dnf clean all
fi
