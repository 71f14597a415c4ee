#!/usr/bin/env bash
# The two base images the Dockerfile takes as build arguments, made here without a container registry:
#   localhost/debian:bookworm    debootstrap of Debian 12 (minbase) from Debian's package mirror
#   localhost/temurin:25-jdk     this machine's JDK 21+ (bin/find-jdk) at /opt/java/openjdk, the path the
#                                public eclipse-temurin images use
# Each is made once and kept in podman's storage; --rebuild makes both again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/docker/containers.conf}"
export CONTAINERS_STORAGE_CONF="${CONTAINERS_STORAGE_CONF:-$here/docker/storage.conf}"
rebuild=0; [ "${1:-}" = "--rebuild" ] && rebuild=1
work="$here/target/docker"
mkdir -p "$work"

if [ $rebuild = 1 ] || ! podman image exists localhost/debian:bookworm; then
  echo "precis: debootstrap of Debian 12 (minbase) into a local base image..."
  rootfs="$(mktemp -d "$work/rootfs.XXXXXX")"
  chmod 755 "$rootfs"   # it becomes the image's /: mktemp's 0700 would lock every other user out of it
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 || {
    echo "precis: debootstrap failed; its log: $work/debootstrap.log" >&2; tail -5 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/bin/bash"]' - localhost/debian:bookworm >/dev/null
  rm -rf "$rootfs"; trap - EXIT
fi

if [ $rebuild = 1 ] || ! podman image exists localhost/temurin:25-jdk; then
  jdk="$("$here/bin/find-jdk")"
  echo "precis: $jdk as a local JDK image..."
  # -h: the JDK's cacerts may be a link into /etc; the image must hold the file itself.
  tar -C "$jdk" -ch --transform 's,^\.,opt/java/openjdk,' . | podman import -q - localhost/temurin:25-jdk >/dev/null
fi
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^localhost/(debian|temurin)'
