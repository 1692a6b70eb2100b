#!/usr/bin/env bash
# Issue 19, end to end: what a Python user runs, timed as whole processes (interpreter start,
# imports, model loading, reading SMILES and writing the SD file included) on the same molecules:
# a script calling noether.conform, the same script calling RDKit's EmbedMultipleConfs (ETKDGv3),
# and the command line `noether conform`. One thread each.
#   bash bench/python_end_to_end.sh [BUILD_DIR] [SMILES_FILE] [REPEAT]
set -euo pipefail
source "$(dirname "$0")/repeated_smiles.sh" "$@"
cat > "$work/script.py" <<'PY'
import sys
from rdkit import Chem
from rdkit.Chem import AllChem
which, src, out = sys.argv[1:4]
mols = []
for line in open(src):
    smiles, name = line.split()[:2]
    m = Chem.AddHs(Chem.MolFromSmiles(smiles))
    m.SetProp("_Name", name)
    mols.append(m)
if which == "noether":
    import noether
    noether.conform(mols, num_confs=1, seed=0, threads=1)
else:
    params = AllChem.ETKDGv3()
    params.randomSeed = 61453
    for m in mols:
        AllChem.EmbedMolecule(m, params)
w = Chem.SDWriter(out)
for m in mols:
    w.write(m)
w.close()
PY
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
n=$(wc -l < "$work/many.smi")
py=$(PYTHONPATH="$build/python" seconds /usr/bin/python3 "$work/script.py" noether "$work/many.smi" "$work/a.sdf")
rd=$(seconds /usr/bin/python3 "$work/script.py" rdkit "$work/many.smi" "$work/b.sdf")
cli=$(seconds "$build/apps/noether" conform -i "$work/many.smi" -o "$work/c.sdf" --threads 1 -q)
test "$(grep -c '\$\$\$\$' "$work/a.sdf")" -eq "$n"
printf '%d molecules, one thread, whole processes: Python + noether.conform %.2f s (%.1f mol/s), Python + RDKit ETKDGv3 %.2f s (%.1f mol/s), noether conform %.2f s (%.1f mol/s); noether.conform %.1fx RDKit\n' \
  "$n" "$py" "$(echo "$n / $py" | bc -l)" "$rd" "$(echo "$n / $rd" | bc -l)" "$cli" "$(echo "$n / $cli" | bc -l)" "$(echo "$rd / $py" | bc -l)"
echo "{\"molecules\":$n,\"python_noether_seconds\":$py,\"python_rdkit_seconds\":$rd,\"cli_seconds\":$cli}"
