#!/usr/bin/env bash
# make bench-gpu: the GPU check, run on the accelerator machine (NVIDIA GPU, a PyTorch wheel in python3, g++;
# no Java, no network). Everything else comes in the kit that gpu/make-kit.sh builds (README, GPU).
#   1. the machine: GPU, driver, torch, cores
#   2. DJL's own PyTorch 2.7.1 JNI (Maven Central's, cpu and cu128 builds) against this machine's libtorch
#   3. DJL's JNI built here from DJL 0.36.0's sources against this libtorch (or the kit's prebuilt one)
#   4. GpuProbe: DJL loads and multiplies matrices on CUDA
#   5. GpuBench: char-lm, fashion-mlp and the TorchScript CNN on the GPU and the CPU, compared, and timed
#      -> $OUT/bench-gpu.json (the bench format); then the CNN again with TF32 off (NVIDIA_TF32_OVERRIDE=0)
# Writes its results and libdjl_torch.so under $OUT (default target/bench). Exit code: the bench's.
# env (for a dry run on a CPU machine): TORCH_DIR (headers+libs to build against), TORCH_LIB (libs to run
# with), TORCH_VERSION, TORCH_FLAVOR, DJL_JNI_CUDA, REQUIRE_GPU=0, BENCH_SCALE (samples multiplier)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$here   # the checkout whose models/ are checked: the first folder above the script that has them
while [ "$repo" != / ] && [ ! -d "$repo/models/trained" ]; do repo=$(dirname "$repo"); done
kit=${PRECIS_GPU_KIT:-}
for k in "$kit" "$here" "$repo/.gpukit" "$repo/target/gpukit"; do
  if [ -n "$k" ] && [ -f "$k/jre.tar.xz" ]; then kit=$(cd "$k" && pwd); break; fi
done
[ -f "$kit/jre.tar.xz" ] || { echo "check: no kit (jre.tar.xz) found; build one with 'make gpu-kit'" >&2; exit 2; }
out=${OUT:-$repo/target/bench}
mkdir -p "$out"
require=${REQUIRE_GPU:-1}
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

step machine
date -u +%Y-%m-%dT%H:%M:%SZ
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "no nvidia-smi"
echo "cpus: $(nproc), memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}'), $(uname -m)"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "at", torch.__file__,
  "| gpu:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>&1 || true
echo "$(g++ --version 2>&1 | head -1); make: $(command -v make || echo none)"

TORCH_DIR=${TORCH_DIR:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
TORCH_LIB=${TORCH_LIB:-$TORCH_DIR/lib}
TV=${TORCH_VERSION:-$(python3 -c 'import torch; print(torch.__version__.split("+")[0])')}
FL=${TORCH_FLAVOR:-$(python3 -c 'import torch; print("cu" + torch.version.cuda.replace(".", "") if torch.version.cuda else "cpu")')}
echo "libtorch: $TORCH_LIB (PYTORCH_VERSION=$TV PYTORCH_FLAVOR=$FL)"

step "java (the kit's jlink image)"
jre=$(mktemp -d /tmp/precis-jre.XXXXXX)
tar xJf "$kit/jre.tar.xz" -C "$jre" || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$kit/jre.tar.xz" "$jre"
"$jre/bin/java" -version 2>&1
"$jre/bin/java" --list-modules | tr '\n' ' '; echo
CP=$(ls "$kit"/lib/*.jar | tr '\n' ':')

# DJL looks for its JNI in <cache>/pytorch/<version>-<flavor>-<classifier>/<djl version>-libdjl_torch.so when
# PYTORCH_LIBRARY_PATH names the libtorch to use (ai.djl.pytorch.jni.LibUtils)
place() { mkdir -p "$2/pytorch/$TV-$FL-linux-x86_64" && cp "$1" "$2/pytorch/$TV-$FL-linux-x86_64/0.36.0-libdjl_torch.so"; }
java_run() { # <timeout s> <djl cache> <java args...>
  local t=$1 cache=$2; shift 2
  timeout "$t" env DJL_CACHE_DIR="$cache" PYTORCH_LIBRARY_PATH="$TORCH_LIB" PYTORCH_VERSION="$TV" PYTORCH_FLAVOR="$FL" \
    "$jre/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Dai.djl.offline=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" "$@"
}
gpuflag=(); [ "$require" = 1 ] && gpuflag=(--require-gpu)

step "DJL's PyTorch 2.7.1 JNI (Maven Central) against libtorch $TV"
for f in cu128 cpu; do
  c=$(mktemp -d /tmp/djl-271.XXXXXX); place "$kit/jni271/$f/libdjl_torch.so" "$c"
  java_run 60 "$c" io.precis.engine.model.GpuProbe "${gpuflag[@]}" 2>&1 | grep -v '^WARNING' | head -12
  echo "2.7.1 JNI ($f build): exit ${PIPESTATUS[0]}"
done

step "DJL's JNI built against libtorch $TV"
jni=$(mktemp -d /tmp/djl-jni.XXXXXX)
if [ -f "$kit/prebuilt/libdjl_torch.so" ]; then
  cp "$kit/prebuilt/libdjl_torch.so" "$jni/" && echo "using the kit's prebuilt libdjl_torch.so"
else
  start=$(date +%s)
  if ! bash "$kit/build-djl-jni.sh" "$kit/djl-src" "$kit/jni-include" "$jni" "$TORCH_DIR"; then
    echo "check: JNI build failed; again without DJL's optional CUDA code"
    DJL_JNI_CUDA=0 bash "$kit/build-djl-jni.sh" "$kit/djl-src" "$kit/jni-include" "$jni" "$TORCH_DIR" || { echo "check: JNI build failed"; exit 1; }
  fi
  echo "built in $(( $(date +%s) - start )) s"
  cp "$jni/libdjl_torch.so" "$out/libdjl_torch.so"
fi
cache=$(mktemp -d /tmp/djl-built.XXXXXX); place "$jni/libdjl_torch.so" "$cache"
java_run 120 "$cache" io.precis.engine.model.GpuProbe "${gpuflag[@]}" 2>&1 | grep -v '^WARNING'
probe=${PIPESTATUS[0]}
echo "built JNI: probe exit $probe"
[ "$probe" = 0 ] || exit 1

step "GpuBench: CPU vs GPU, checked and timed"
apps=""
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader -lms 1000 > "$out/gpu-apps.csv" 2>&1 &
  apps=$!
fi
java_run "${BENCH_TIMEOUT:-240}" "$cache" io.precis.engine.model.GpuBench "$out/bench-gpu.json" "$repo/models" "$kit/data/fashion-mnist" \
  "$kit/data/moby-dick.txt" "${gpuflag[@]}" --scale "${BENCH_SCALE:-1}" 2>&1 | grep -v '^WARNING'
rc=${PIPESTATUS[0]}
[ -n "$apps" ] && kill "$apps" 2>/dev/null
[ -s "$out/gpu-apps.csv" ] && { echo "processes on the GPU during the bench (sampled each second):"; sort -u "$out/gpu-apps.csv" | head -5; }

step "the CNN again with TF32 off (NVIDIA_TF32_OVERRIDE=0): how much of its difference TF32 makes"
NVIDIA_TF32_OVERRIDE=0 java_run 90 "$cache" io.precis.engine.model.GpuBench "$out/bench-gpu-tf32-off.json" "$repo/models" \
  "$kit/data/fashion-mnist" "$kit/data/moby-dick.txt" "${gpuflag[@]}" --models fashion-cnn --scale 0.25 2>&1 \
  | grep -E '^fashion-cnn:|GPU CHECK'
echo
echo "bench exit $rc; results in $out"
exit "$rc"
