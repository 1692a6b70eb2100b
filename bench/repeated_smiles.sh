# bench/repeated_smiles.sh, sourced by the end-to-end benchmarks with their arguments
# [BUILD_DIR] [SMILES_FILE] [REPEAT]: sets build, file and repeat (defaults build,
# bench/data/druglike.smi, 10) and a temporary folder $work, removed on exit, holding once.smi
# (the file without comment lines) and many.smi (it REPEAT times, each name suffixed _1 ... _REPEAT).
build="${1:-build}"
file="${2:-bench/data/druglike.smi}"
repeat="${3:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -v '^#' "$file" > "$work/once.smi"
for ((k = 1; k <= repeat; ++k)); do sed "s/\$/_$k/" "$work/once.smi"; done > "$work/many.smi"
