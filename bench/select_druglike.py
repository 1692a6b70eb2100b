#!/usr/bin/env python3
"""Selects the drug-like benchmark molecules of issue 15 (bench/data/druglike.smi).

Development tool (needs Debian's python3-rdkit, not a project dependency); its output is committed.
Sources: three SMILES collections that ship with Debian's rdkit-data and that the conformer data
set (noether train-conformer) does not read, so none of these molecules was trained on:
  - Contrib/FreeWilson/data/CHEMBL2321810.smi  (one ChEMBL medicinal-chemistry series)
  - Contrib/PBF/testData/egfr.sdf              (EGFR ligands)
  - Data/Pains/test_data/wehi_mols.csv         (a screening library)
Kept: one fragment, neutral, elements H C N O F P S Cl Br I, 20 to 40 heavy atoms, not in the data
set's train or validation split (canonical SMILES). From each source, N molecules spread evenly
over 20-40 heavy atoms: within each heavy-atom count the molecules are taken in the order of the
SHA-1 of their canonical SMILES (deterministic, and no hand picking).

  /usr/bin/python3 bench/select_druglike.py conformer-data > bench/data/druglike.smi
"""
import hashlib
import sys
from collections import defaultdict

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")
ROOT = "/usr/share/RDKit/"
PER_SOURCE = 70
ELEMENTS = {1, 6, 7, 8, 9, 15, 16, 17, 35, 53}


def smiles_file(path):
    for line in open(path):
        words = line.split()
        if words:
            yield words[0], words[1] if len(words) > 1 else ""


def csv_file(path):
    for line in open(path):
        cells = [c.strip('"') for c in line.strip().split(",")]
        if len(cells) >= 2:
            yield cells[0], cells[1]


def sdf_file(path):
    for i, m in enumerate(Chem.SDMolSupplier(path)):
        if m is not None:
            yield Chem.MolToSmiles(m), m.GetProp("_Name") if m.HasProp("_Name") and m.GetProp("_Name") else f"egfr_{i + 1}"


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "conformer-data"
    trained = set()
    for split in ("train", "valid"):
        for m in Chem.SDMolSupplier(f"{data}/{split}.sdf"):
            if m is not None:
                trained.add(Chem.MolToSmiles(Chem.RemoveHs(m)))
    sources = [("chembl2321810", smiles_file(ROOT + "Contrib/FreeWilson/data/CHEMBL2321810.smi")),
               ("egfr", sdf_file(ROOT + "Contrib/PBF/testData/egfr.sdf")),
               ("wehi", csv_file(ROOT + "Data/Pains/test_data/wehi_mols.csv"))]
    print("# drug-like benchmark molecules (issue 15): bench/select_druglike.py; sources in its header")
    seen = set()
    for source, records in sources:
        by_size = defaultdict(list)
        for smi, name in records:
            m = Chem.MolFromSmiles(smi)
            if m is None or len(Chem.GetMolFrags(m)) != 1:
                continue
            if any(a.GetAtomicNum() not in ELEMENTS or a.GetFormalCharge() != 0 for a in m.GetAtoms()):
                continue
            n = m.GetNumHeavyAtoms()
            can = Chem.MolToSmiles(m)
            if not 20 <= n <= 40 or can in trained or can in seen:
                continue
            seen.add(can)
            by_size[n].append((hashlib.sha1(can.encode()).hexdigest(), can, name or "mol"))
        for n in by_size:
            by_size[n].sort()
        picked = []
        while len(picked) < PER_SOURCE and any(by_size.values()):
            for n in sorted(by_size):  # round robin over sizes: spread over 20-40 heavy atoms
                if by_size[n] and len(picked) < PER_SOURCE:
                    picked.append(by_size[n].pop(0))
        for _, can, name in sorted(picked, key=lambda p: Chem.MolFromSmiles(p[1]).GetNumHeavyAtoms()):
            print(f"{can} {source}_{name.replace(' ', '_')}")


if __name__ == "__main__":
    main()
