# %% [markdown]
# # Conformers from noether, the way RDKit users work
#
# `noether.conform` adds conformers to an RDKit molecule as `AllChem.EmbedMultipleConfs` does,
# from noether's learned Hamiltonian engine. Run: `python3 examples/python/conformers.py`
# (with the build tree's package: `PYTHONPATH=build/python`).

# %%
import sys
import time

from rdkit import Chem
from rdkit.Chem import AllChem

import noether

quick = "--quick" in sys.argv

# %% One molecule, ten conformers, relaxed with MMFF94 and sorted by energy.
mol = Chem.AddHs(Chem.MolFromSmiles("CC(C)Cc1ccc(cc1)[C@H](C)C(=O)O"))  # (S)-ibuprofen
ids = noether.conform(mol, num_confs=10, seed=42, refine="mmff", sort_energy=True)
props = AllChem.MMFFGetMoleculeProperties(mol)
energies = [AllChem.MMFFGetMoleculeForceField(mol, props, confId=i).CalcEnergy() for i in ids]
print(f"ibuprofen: {len(ids)} conformers, MMFF94 energies {energies[0]:.2f} .. {energies[-1]:.2f} kcal/mol")

# %% The stereo of the SMILES survives: RDKit perceives it from the coordinates.
Chem.AssignStereochemistryFrom3D(mol, confId=ids[0])
print("centres from 3-D:", Chem.FindMolChiralCenters(mol))

# %% Many molecules at once are batched (much faster than one call each).
smiles = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"] * (2 if quick else 50)
mols = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in smiles]
t0 = time.perf_counter()
noether.conform(mols, num_confs=1, threads=1)
took = time.perf_counter() - t0
print(f"{len(mols)} molecules in {took:.3f} s ({len(mols) / took:.0f} molecules/s, one thread)")

# %% Or straight from SMILES, written out by RDKit.
caffeine = noether.conform_smiles("CN1C=NC2=C1C(=O)N(C(=O)N2C)C", name="caffeine")
print(Chem.MolToMolBlock(caffeine).splitlines()[0], "-", caffeine.GetNumAtoms(), "atoms")
