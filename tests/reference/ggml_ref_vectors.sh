#!/usr/bin/env bash
# Regenerates the committed k-quant test vectors (not part of make test; run by hand after changing the inputs):
# compiles llama.cpp's ggml-quants.c (from the llama-cpp-python sdist on PyPI, which vendors llama.cpp) with a small
# harness, quantizes engine/src/test/resources/gguf/quant-input.f32 with every quantize_row_*_ref, and writes
# ggml-<TYPE>.bin beside it. Strict IEEE float: no FMA contraction, no -march (as the reference is meant to run).
# Then run tests/reference/make_ggml_reference.py again so it dequantizes the new vectors with the gguf package.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=engine/src/test/resources/gguf
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PIP=.venv/bin/pip
[ -x "$PIP" ] || { echo "run make venv first"; exit 1; }
"$PIP" download -q --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d "$WORK"
tar xzf "$WORK"/llama_cpp_python-0.3.36.tar.gz -C "$WORK" llama_cpp_python-0.3.36/vendor/llama.cpp/ggml
G="$WORK/llama_cpp_python-0.3.36/vendor/llama.cpp/ggml"
CFLAGS="-O2 -ffp-contract=off -std=gnu11 -I$G/include -I$G/src -I$G/src/ggml-cpu"
gcc $CFLAGS -c "$G/src/ggml-quants.c" -o "$WORK/q.o"
gcc $CFLAGS -c tests/reference/ggml_ref_harness.c -o "$WORK/h.o"
gcc "$WORK/q.o" "$WORK/h.o" -lm -o "$WORK/harness"
"$WORK/harness" "$OUT/quant-input.f32" "$OUT"
