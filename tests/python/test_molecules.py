"""noether.conform and noether.conform_smiles against RDKit (issue 19)."""
import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolAlign

import noether
from conftest import run_cli

STEREO = [
    "C[C@H](N)C(=O)O",                      # L-alanine
    "C[C@@H](O)[C@H](N)C(=O)O",             # L-threonine: two centres
    "CC(C)Cc1ccc(cc1)[C@H](C)C(=O)O",       # (S)-ibuprofen
    "C/C=C/C(=O)O",                         # crotonic acid (E)
    "F/C=C\\Cl",                            # (Z)-1-chloro-2-fluoroethene
    "O=C(O)/C=C\\c1ccccc1",                 # (Z)-cinnamic acid
]


def heavy_bond_lengths(mol, conf_id):
    pos = mol.GetConformer(conf_id).GetPositions()
    return [np.linalg.norm(pos[b.GetBeginAtomIdx()] - pos[b.GetEndAtomIdx()]) for b in mol.GetBonds()
            if b.GetBeginAtom().GetAtomicNum() > 1 and b.GetEndAtom().GetAtomicNum() > 1]


def stereo_of(mol):
    """CIP labels of the centres and E/Z of the double bonds, as RDKit perceives them."""
    centres = dict(Chem.FindMolChiralCenters(mol, includeUnassigned=True, useLegacyImplementation=False))
    bonds = {b.GetIdx(): b.GetStereo() for b in mol.GetBonds()
             if b.GetStereo() in (Chem.BondStereo.STEREOE, Chem.BondStereo.STEREOZ)}
    return centres, bonds


def kabsch_rmsd(a, b):
    a = a - a.mean(0)
    b = b - b.mean(0)
    u, s, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt))
    s[-1] *= d
    return np.sqrt(max(0.0, ((a * a).sum() + (b * b).sum() - 2 * s.sum()) / len(a)))


@pytest.mark.parametrize("smiles", STEREO)
def test_conformers_keep_the_smiles_stereo_when_rdkit_reads_them_back(smiles):
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    before = Chem.MolToSmiles(Chem.RemoveHs(mol))
    ids = noether.conform(mol, num_confs=4, seed=3)
    assert ids == [0, 1, 2, 3] and mol.GetNumConformers() == 4
    want = stereo_of(Chem.MolFromSmiles(smiles))
    for cid in ids:
        # Through a Mol block, as another program would read the conformer.
        back = Chem.MolFromMolBlock(Chem.MolToMolBlock(mol, confId=cid), removeHs=False)
        assert Chem.MolToSmiles(Chem.RemoveHs(back)) == before
        Chem.AssignStereochemistryFrom3D(back)
        centres, bonds = stereo_of(Chem.RemoveHs(back))
        assert centres == want[0]
        assert sorted(bonds.values()) == sorted(want[1].values())
        lengths = heavy_bond_lengths(mol, cid)
        assert 1.1 < min(lengths) and max(lengths) < 1.8


def test_every_atom_of_the_input_is_placed_in_its_own_order():
    mol = Chem.AddHs(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"))  # paracetamol, hydrogens explicit
    atoms = [a.GetSymbol() for a in mol.GetAtoms()]
    noether.conform(mol, num_confs=2, seed=0)
    assert [a.GetSymbol() for a in mol.GetAtoms()] == atoms
    for conf in mol.GetConformers():
        pos = conf.GetPositions()
        assert pos.shape == (mol.GetNumAtoms(), 3) and np.isfinite(pos).all()
        d = np.linalg.norm(pos[:, None] - pos[None], axis=-1) + np.eye(len(pos)) * 10
        assert d.min() > 0.7  # no two atoms on top of each other
        for b in mol.GetBonds():
            if b.GetBeginAtom().GetAtomicNum() == 1 or b.GetEndAtom().GetAtomicNum() == 1:
                length = np.linalg.norm(pos[b.GetBeginAtomIdx()] - pos[b.GetEndAtomIdx()])
                assert 0.9 < length < 1.2  # X-H bonds


def test_a_molecule_without_hydrogens_gets_heavy_atom_conformers():
    mol = Chem.MolFromSmiles("c1ccccc1O")
    ids = noether.conform(mol, num_confs=3)
    assert len(ids) == 3 and mol.GetNumAtoms() == 7
    assert mol.GetConformer(ids[0]).GetPositions().shape == (7, 3)


def test_heavy_atoms_agree_with_conform_smiles_and_the_command_line(tmp_path):
    smiles = "CC(C)Cc1ccc(cc1)[C@H](C)C(=O)O"
    made = noether.conform_smiles(smiles, name="ibuprofen")
    assert made.GetProp("_Name") == "ibuprofen" and made.GetNumConformers() == 1
    # The same molecule given with its hydrogens, atoms in another order: the same heavy atoms.
    shuffled = Chem.AddHs(Chem.MolFromSmiles(smiles))
    order = list(range(shuffled.GetNumAtoms()))[::-1]
    shuffled = Chem.RenumberAtoms(shuffled, order)
    noether.conform(shuffled, num_confs=1)
    # The engine sees the same graph: the same heavy-atom shape (RMSD over the graph's symmetries).
    assert rdMolAlign.GetBestRMS(Chem.RemoveHs(shuffled), Chem.RemoveHs(made)) < 1e-4
    # The command line writes the same conformer (SD files keep 4 decimals).
    (tmp_path / "in.smi").write_text(smiles + " ibuprofen\n")
    run_cli("conform", "-i", tmp_path / "in.smi", "-o", tmp_path / "out.sdf", "--threads", "1", "-q")
    cli = next(iter(Chem.SDMolSupplier(str(tmp_path / "out.sdf"), removeHs=False)))
    assert cli.GetNumAtoms() == made.GetNumAtoms()
    assert np.abs(cli.GetConformer().GetPositions() - made.GetConformer().GetPositions()).max() < 1e-3


def test_seed_num_confs_prune_and_threads_behave_as_rdkits():
    flexible = "CCCCOc1ccc(cc1)C(=O)NCCN(CC)CC"
    a = Chem.AddHs(Chem.MolFromSmiles(flexible))
    b = Chem.Mol(a)
    noether.conform(a, num_confs=6, seed=7)
    noether.conform(b, num_confs=6, seed=7)
    for i in range(6):
        assert np.array_equal(a.GetConformer(i).GetPositions(), b.GetConformer(i).GetPositions())
    c = Chem.Mol(a)
    noether.conform(c, num_confs=6, seed=8)
    assert not np.allclose(a.GetConformer(5).GetPositions(), c.GetConformer(5).GetPositions())
    # clear_confs=False appends, with new ids.
    assert noether.conform(c, num_confs=2, seed=1, clear_confs=False) == [6, 7]
    # Pruning: every pair kept is at least the threshold apart (heavy atoms, labels as given).
    d = Chem.AddHs(Chem.MolFromSmiles(flexible))
    ids = noether.conform(d, num_confs=20, seed=0, prune_rms=1.0)
    assert 1 <= len(ids) <= 20
    heavy = [a.GetIdx() for a in d.GetAtoms() if a.GetAtomicNum() > 1]
    pos = [d.GetConformer(i).GetPositions()[heavy] for i in ids]
    for i in range(len(pos)):
        for j in range(i):
            assert kabsch_rmsd(pos[i], pos[j]) >= 1.0 - 1e-9
    # A list on two threads equals the list on one, to the bit; one molecule at a time gives the
    # same shapes to the engine's float32 round-off, which differs with the batch it runs in (a
    # small molecule's frame may turn: compared after alignment).
    mols = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in STEREO]
    two, one = [Chem.Mol(m) for m in mols], [Chem.Mol(m) for m in mols]
    noether.conform(two, num_confs=2, seed=5, threads=2)
    noether.conform(one, num_confs=2, seed=5, threads=1)
    for m, a, b in zip(mols, two, one):
        noether.conform(m, num_confs=2, seed=5, threads=1)
        for i in range(2):
            assert np.array_equal(a.GetConformer(i).GetPositions(), b.GetConformer(i).GetPositions())
            assert rdMolAlign.GetBestRMS(Chem.RemoveHs(m), Chem.RemoveHs(b), i, i) < 0.05


def test_refine_mmff_lowers_the_force_field_energy_and_sort_orders_it():
    smiles = "CC(=O)Oc1ccccc1C(=O)O"  # aspirin
    plain = Chem.AddHs(Chem.MolFromSmiles(smiles))
    refined = Chem.Mol(plain)
    noether.conform(plain, num_confs=3, seed=2)
    noether.conform(refined, num_confs=3, seed=2, refine="mmff", sort_energy=True)
    props = AllChem.MMFFGetMoleculeProperties(plain)

    def energy(m, cid):
        return AllChem.MMFFGetMoleculeForceField(m, props, confId=cid).CalcEnergy()
    e_plain = [energy(plain, i) for i in range(3)]
    e_refined = [energy(refined, i) for i in range(3)]
    assert max(e_refined) < min(e_plain)
    assert e_refined == sorted(e_refined)


def test_bad_input_raises_naming_the_molecule():
    with pytest.raises(ValueError, match="C1CC"):
        noether.conform_smiles("C1CC")
    with pytest.raises(noether.InvalidInput, match="element U"):
        noether.conform(Chem.MolFromSmiles("[U]CC"))
    named = Chem.MolFromSmiles("[U]CCO")
    named.SetProp("_Name", "uranyl-thing")
    with pytest.raises(ValueError, match="uranyl-thing"):
        noether.conform(named)
    with pytest.raises(TypeError, match="conform_smiles"):
        noether.conform("CCO")
    with pytest.raises(ValueError, match="num.confs"):
        noether.conform(Chem.MolFromSmiles("CCO"), num_confs=0)
    with pytest.raises(ValueError, match="mmff"):
        noether.conform(Chem.MolFromSmiles("CCO"), refine="uff")
    with pytest.raises(ValueError, match="seed"):
        noether.conform(Chem.MolFromSmiles("CCO"), seed=-5)
    with pytest.raises(ValueError, match="no conformer model|model"):
        noether.conform(Chem.MolFromSmiles("CCO"), model="/nonexistent/model.pt")
    # A list goes on past a bad molecule with on_error="skip".
    mols = [Chem.MolFromSmiles("CCO"), Chem.MolFromSmiles("[U]"), Chem.MolFromSmiles("CCN")]
    assert noether.conform(mols, num_confs=2, on_error="skip") == [[0, 1], [], [0, 1]]
    with pytest.raises(ValueError, match="element U"):
        noether.conform(mols, num_confs=2)


def test_conform_smiles_takes_lists_and_options():
    mols = noether.conform_smiles(["CCO", "c1ccccc1"], num_confs=3, seed=1, name=["ethanol", "benzene"])
    assert [m.GetProp("_Name") for m in mols] == ["ethanol", "benzene"]
    assert [m.GetNumConformers() for m in mols] == [3, 3]
    assert mols[0].GetNumAtoms() == 9  # hydrogens added
    heavy = noether.conform_smiles("CCO", add_hydrogens=False)
    assert heavy.GetNumAtoms() == 3
    assert noether.shipped_conformer_model().endswith("conformer.pt")


def test_in_place_and_pickled_paths_give_the_same_conformers(monkeypatch):
    """Molecules reach C++ in place (Boost.Python) where the build found it, else as pickles:
    both paths add the same conformers, and one object given twice is handled."""
    smiles = ["CC(=O)Nc1ccc(O)cc1", "C[C@@H](O)[C@H](N)C(=O)O", "c1ccccc1O"]
    direct = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in smiles]
    pickled = [Chem.Mol(m) for m in direct]
    ids = noether.conform(direct, num_confs=3, seed=4)
    monkeypatch.setattr(noether, "_BY_PICKLES", True)
    assert noether.conform(pickled, num_confs=3, seed=4) == ids
    for a, b in zip(direct, pickled):
        for i in range(3):
            assert np.array_equal(a.GetConformer(i).GetPositions(), b.GetConformer(i).GetPositions())
    monkeypatch.setattr(noether, "_BY_PICKLES", False)
    twice = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    assert noether.conform([twice, twice], num_confs=2, clear_confs=False) == [[0, 1], [2, 3]]
    assert twice.GetNumConformers() == 4
