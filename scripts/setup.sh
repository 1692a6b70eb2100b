#!/usr/bin/env bash
# scripts/setup.sh: everything a fresh Debian 12 machine needs, then one job.
#
#   bash scripts/setup.sh demo    # install, build, run `noether demo`
#   bash scripts/setup.sh test    # install, build, run every test (CTest)
#   bash scripts/setup.sh build   # install and build only
#
# The test job then builds the torch-free core again with AddressSanitizer + UndefinedBehavior-
# Sanitizer in build-asan and runs `ctest -L sanitize` (skip: NOETHER_SKIP_SANITIZE=1), and runs
# each fuzzer of fuzz/ for NOETHER_FUZZ_SECONDS (default 30) through scripts/fuzz.sh (skip:
# NOETHER_SKIP_FUZZ=1; needs clang, which it installs). Each step prints its time.
#
# Run as root (or with sudo available). Re-running skips what is already installed and rebuilds
# only what changed (ccache + Ninja + a precompiled LibTorch header).
set -euo pipefail

job="${1:-demo}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NOETHER_BUILD_DIR:-$root/build}"
jobs="${NOETHER_JOBS:-$(nproc)}"

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread libeigen3-dev catch2
  librdkit-dev rdkit-data libboost-dev libopenbabel-dev openbabel
  libcli11-dev nlohmann-json3-dev libpng-dev libgloo-dev
  python3-torch python3-numpy
  python3-dev pybind11-dev libboost-python-dev python3-rdkit python3-pytest
)
# The fuzzers (test job): clang, libFuzzer's runtime, and clang's OpenMP runtime for nbody.
if [ "$job" = test ] && [ "${NOETHER_SKIP_FUZZ:-0}" != 1 ]; then
  packages+=(clang libclang-rt-14-dev libomp-14-dev)
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's LibTorch multiplies through whatever libblas.so.3 the system selects; make that
# OpenBLAS rather than the reference BLAS.
blas_alt=libblas.so.3-$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
openblas=$(update-alternatives --list "$blas_alt" 2>/dev/null | grep openblas | head -n 1 || true)
if [ -n "$openblas" ]; then
  "${sudo_cmd[@]}" update-alternatives --set "$blas_alt" "$openblas" >/dev/null
fi

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
ccache --max-size=5G >/dev/null 2>&1 || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"

case "$job" in
  demo) "$build/apps/noether" demo ;;
  test)
    (cd "$build" && ctest --output-on-failure -j "$jobs")
    if [ "${NOETHER_SKIP_SANITIZE:-0}" != 1 ]; then
      start=$SECONDS
      asan_build="${NOETHER_SANITIZE_BUILD_DIR:-$root/build-asan}"
      cmake -S "$root" -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DNOETHER_SANITIZE=address,undefined,float-cast-overflow -DNOETHER_BUILD_BENCH=OFF -DNOETHER_PYTHON=OFF
      cmake --build "$asan_build" -j "$jobs" --target core_tests
      (cd "$asan_build" && UBSAN_OPTIONS=print_stacktrace=1 ctest -L sanitize --output-on-failure -j "$jobs")
      echo "setup: sanitizer step (build + ctest -L sanitize) took $((SECONDS - start)) s"
    fi
    if [ "${NOETHER_SKIP_FUZZ:-0}" != 1 ]; then
      start=$SECONDS
      bash "$root/scripts/fuzz.sh" "${NOETHER_FUZZ_SECONDS:-30}"
      echo "setup: fuzz step (build + ${NOETHER_FUZZ_SECONDS:-30} s per fuzzer) took $((SECONDS - start)) s"
    fi
    ;;
  build) ;;
  *) echo "setup: unknown job '$job' (demo, test or build)" >&2; exit 2 ;;
esac
