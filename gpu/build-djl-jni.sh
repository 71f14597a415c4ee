#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) from DJL 0.36.0's own C++ sources against the libtorch of an
# installed PyTorch wheel, with the plain compiler (no CMake: the wheel's Caffe2 CMake files insist on a full
# CUDA toolkit, and the JNI needs only the headers and libraries). DJL is Apache-2.0; its sources are not in
# this repository: gpu/make-kit.sh copies them into the kit from a DJL checkout at tag v0.36.0.
#
# usage: build-djl-jni.sh <djl-src> <jni-include> <out-dir> [torch-package-dir]
#   <djl-src>      the kit's djl-src/: native/*.cc *.h, api-native/djl/utils.h, include/ai_djl_pytorch_jni_PyTorchLibrary.h
#   <jni-include>  a folder with jni.h and jni_md.h (the kit carries the JDK's)
#   <out-dir>      where libdjl_torch.so is written
#   torch dir      the torch package (…/site-packages/torch); default: python3's
# env: CXX (g++), JOBS (nproc), DJL_JNI_CUDA=auto|0|1 (compile DJL's optional CUDA-stream code), EXTRA_LDFLAGS
set -euo pipefail
src=$(cd "$1" && pwd); jni=$(cd "$2" && pwd); mkdir -p "$3"; out=$(cd "$3" && pwd)
torch=${4:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
here=$(cd "$(dirname "$0")" && pwd)
CXX=${CXX:-g++}; JOBS=${JOBS:-$(nproc)}; cuda=${DJL_JNI_CUDA:-auto}
for f in "$torch/include/ATen/ATen.h" "$torch/lib/libtorch_cpu.so" "$jni/jni.h" "$jni/jni_md.h" "$src/native/djl_pytorch_utils.h"; do
  [ -f "$f" ] || { echo "build-djl-jni: missing $f" >&2; exit 2; }
done

work=$(mktemp -d /tmp/djl-jni.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$src/native" "$work/native"
# our patch for the PyTorch in use, when one is needed (see gpu/README in the repo)
for p in "$here"/djl-jni-*.patch; do
  [ -f "$p" ] || continue
  echo "build-djl-jni: applying $(basename "$p")"
  (cd "$work/native" && patch -p1 --forward < "$p")
done

abi=1
if command -v python3 >/dev/null && python3 -c 'import torch' 2>/dev/null; then
  abi=$(python3 -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))')
fi
inc=(-I"$work/native" -I"$src/api-native" -I"$src/include" -I"$jni" -I"$torch/include" -I"$torch/include/torch/csrc/api/include")
flags=(-std=c++17 -O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI=$abi -Wno-deprecated-declarations)
# libtorch.so itself only pulls in torch_cpu and torch_cuda; name those. Linking torch_cuda (with --no-as-needed)
# keeps PyTorch's CUDA kernels registered whoever loads the JNI; --allow-shlib-undefined lets the link run where
# the CUDA libraries torch_cuda needs are absent (a CPU machine checking the build)
libs=(-L"$torch/lib" -Wl,--no-as-needed -ltorch_cpu -lc10 -Wl,--allow-shlib-undefined)
if [ "$cuda" != 0 ] && [ -f "$torch/lib/libtorch_cuda.so" ]; then
  libs+=(-ltorch_cuda -lc10_cuda)
  # DJL's own CUDA code (a separate inference stream, emptying the caching allocator) needs the CUDA headers;
  # tensors reach the GPU through libtorch either way
  cudainc=()
  for d in "${CUDA_HOME:-/usr/local/cuda}/include" "$torch"/../nvidia/*/include; do
    [ -d "$d" ] && cudainc+=(-I"$d")
  done
  echo '#include <ATen/cuda/CUDAContext.h>' > "$work/probe.cc"
  if "$CXX" "${flags[@]}" "${inc[@]}" "${cudainc[@]}" -fsyntax-only "$work/probe.cc" 2>"$work/probe.log"; then
    flags+=(-DUSE_CUDA "${cudainc[@]}")
    echo "build-djl-jni: with DJL's CUDA code"
  else
    echo "build-djl-jni: CUDA headers incomplete, DJL's CUDA-stream code left out: $(grep -m1 error "$work/probe.log" || true)"
    if [ "$cuda" = 1 ]; then exit 1; fi
  fi
fi

echo "build-djl-jni: $("$CXX" --version | head -1); torch at $torch; $JOBS jobs"
mkdir -p "$work/obj"
export CXX work
ls "$work"/native/*.cc | xargs -P "$JOBS" -I{} bash -c '
  f={}; b=$(basename "$f" .cc)
  if "$CXX" "$@" -c "$f" -o "$work/obj/$b.o" 2>"$work/obj/$b.log"; then echo "  compiled $b"; else echo "  FAILED $b"; cat "$work/obj/$b.log"; exit 1; fi
' _ "${flags[@]}" "${inc[@]}"
"$CXX" -shared -o "$work/libdjl_torch.so" "$work"/obj/*.o "${libs[@]}" -Wl,-rpath,"$torch/lib" ${EXTRA_LDFLAGS:-}
mv "$work/libdjl_torch.so" "$out/libdjl_torch.so"
echo "build-djl-jni: wrote $out/libdjl_torch.so ($(du -k "$out/libdjl_torch.so" | cut -f1) KiB)"
