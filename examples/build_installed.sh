#!/bin/sh
# Installs noether from a configured build tree into a temporary prefix, then configures, builds
# and runs examples/particle_simulator against it with find_package(noether).
#   examples/build_installed.sh [BUILD_DIR] [WORK_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
work=${2:-$(mktemp -d)}
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$here/particle_simulator" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j1 >/dev/null
"$work/build/particle_simulator"
