#!/bin/sh
# Installs noether from a configured build tree into a fresh prefix, then configures, builds (with
# the compiler's default flags) and runs the example programs of examples/ against it with
# find_package(noether): a planetary simulation (nbody), an HNN (physics), a learned particle
# system (graph) and a conformer from SMILES (noether::conform, with the installed model); then
# the installed `noether` program.
#   examples/build_installed.sh [BUILD_DIR] [WORK_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
work=${2:-$(mktemp -d)}
rm -rf "$work/prefix" "$work/build"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# No source-tree path may travel with the package.
if grep -rIl "$(cd "$here/.." && pwd)" "$work/prefix/include" "$work/prefix/lib/cmake" 2>/dev/null; then
  echo "the installed package names the source tree" >&2
  exit 1
fi
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j2 >/dev/null
"$work/build/planetary"
"$work/build/hnn"
"$work/build/particle_simulator"
if [ -x "$work/build/conformer" ]; then
  "$work/build/conformer" "$work/prefix/share/noether/conformer.pt"
fi
# The installed programs, from the prefix alone: `noether conform` finds the installed model, and
# hands other commands to noether-torch beside it.
"$work/prefix/bin/noether" --version
"$work/prefix/bin/noether" integrators >/dev/null
if [ -x "$work/prefix/bin/noether-torch" ]; then
  (cd "$work" && "$work/prefix/bin/noether" conform CCO -o installed.sdf -q && grep -q '^\$\$\$\$' installed.sdf &&
    echo "installed program: conformer written")
fi
# The Python package, where the build made one: imported from the prefix alone, it finds the
# installed model beside itself.
for pkg in "$work"/prefix/lib/python3*/dist-packages; do
  if [ -d "$pkg/noether" ]; then
    PYTHONPATH="$pkg" /usr/bin/python3 -c '
import noether
m = noether.conform_smiles("CCO")
print("python package:", noether.__file__, "-", m.GetNumAtoms(), "atoms from", noether.shipped_conformer_model())
assert noether.shipped_conformer_model().startswith("'"$work/prefix"'")
'
  fi
done
