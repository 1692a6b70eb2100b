"""noether: Hamiltonian dynamics learned and simulated, from Python.

The three uses of the C++ engine, with its speed:

* molecules: ``noether.conform(mol, num_confs=10)`` adds conformers to an RDKit molecule, as
  ``AllChem.EmbedMultipleConfs`` does; ``noether.conform_smiles("CCO")`` makes a new one;
* planetary systems: ``noether.Simulation``, the Wisdom-Holman integrator the way REBOUND is used
  (``add``, ``integrate``, ``positions()`` as NumPy arrays);
* learned Hamiltonians and particle systems: ``noether.load_model(path)`` (energy and vector field,
  differentiable with torch), ``noether.ParticleSimulator`` (graph networks on batches of systems)
  and ``noether.integrate(field, x0, dt, steps, scheme)``, noether's integrators on a Python function.

Bad input raises ``noether.InvalidInput`` (a ``ValueError``) and a computation that breaks down
``noether.NumericalError`` (a ``RuntimeError``), each with the C++ message. Long calls release the
GIL and stop on Ctrl-C. Importing the package keeps freed memory with the process (glibc's malloc
settings, as the ``noether`` program sets them: 3x faster conformers); set
``NOETHER_KEEP_FREED_MEMORY=0`` before the import to leave them alone.
"""

import json as _json

import torch as _torch  # first: the extension shares torch's library and its tensor type

from . import _noether
from ._noether import InvalidInput, NumericalError, ParticleSimulator, Simulation

__all__ = [
    "InvalidInput",
    "NumericalError",
    "conform",
    "conform_smiles",
    "Simulation",
    "ParticleSimulator",
    "Model",
    "load_model",
    "integrate",
    "integrators",
    "shipped_conformer_model",
]

__version__ = "0.1.0"


def shipped_conformer_model():
    """Path of the conformer model noether ships (used when ``model`` is not given)."""
    return _noether.shipped_conformer_model()


# -- molecules ------------------------------------------------------------------------------


def _chem():
    try:
        from rdkit import Chem
    except ImportError as e:  # pragma: no cover - python3-rdkit is a test dependency
        raise ImportError("noether.conform needs RDKit's Python module (Debian: python3-rdkit)") from e
    return Chem


def _options(num_confs, seed, refine, prune_rms, sort_energy, threads):
    if seed is None or seed == -1:  # RDKit's randomSeed=-1: a seed of its own
        import random

        seed = random.SystemRandom().randrange(0, 2**31 - 1)
    if refine is None:
        refine = "none"
    if prune_rms is None or prune_rms < 0:  # RDKit's pruneRmsThresh=-1: no pruning
        prune_rms = 0.0
    return int(num_confs), int(seed), str(refine), float(prune_rms), bool(sort_energy), int(threads)


def conform(mol, num_confs=10, seed=0, refine=None, prune_rms=0.0, sort_energy=False, threads=1,
            clear_confs=True, model=None, on_error="raise"):
    """Adds conformers from noether's engine to an RDKit molecule, as ``EmbedMultipleConfs`` does.

    ``mol`` is an ``rdkit.Chem.Mol``, with or without explicit hydrogens (those it has are placed;
    none is added), or a list of them (conformed in batches, faster than one at a time). Returns
    the new conformer ids (a list per molecule for a list). Stereo comes from the molecule's tags.

    num_confs: conformers per molecule; seed: the same seed gives the same conformers (-1 or None:
    a random one); refine: None or "mmff" (an MMFF94 relaxation); prune_rms: drop a conformer
    within this heavy-atom RMSD (Å) of one kept (RDKit's pruneRmsThresh); sort_energy: order by
    MMFF94 energy; threads: worker threads (0: every core); clear_confs: remove the molecule's
    conformers first; model: a conformer model file (default: the shipped one).

    A molecule that fails (an element the model does not know, too many atoms) raises
    ``InvalidInput`` naming it; with ``on_error="skip"`` its id list is empty instead and the other
    molecules keep their conformers.
    """
    Chem = _chem()
    single = isinstance(mol, Chem.Mol)
    mols = [mol] if single else list(mol)
    for i, m in enumerate(mols):
        if not isinstance(m, Chem.Mol):
            raise TypeError(f"conform: item {i} is a {type(m).__name__}, not an rdkit.Chem.Mol "
                            "(for SMILES use noether.conform_smiles)")
    if on_error not in ("raise", "skip"):
        raise InvalidInput(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    names = [m.GetProp("_Name") if m.HasProp("_Name") else "" for m in mols]
    options = _options(num_confs, seed, refine, prune_rms, sort_energy, threads)
    if hasattr(_noether, "_conform_in_place") and not _BY_PICKLES:
        # The C++ molecule inside each Mol gets the conformers: no copy either way.
        results = _noether._conform_in_place(mols, names, *options, model or "", bool(clear_confs))
        ids = [made if error is None else [] for made, error in results]
        failures = [error for _, error in results if error is not None]
    else:
        ids, failures = _conform_by_pickles(Chem, mols, names, options, model, clear_confs)
    if failures and on_error == "raise":
        raise InvalidInput("; ".join(failures))
    return ids[0] if single else ids


# Molecules cross as RDKit's binary pickles where the module was built without Boost.Python (and
# when tests ask for that path).
_BY_PICKLES = False


def _conform_by_pickles(Chem, mols, names, options, model, clear_confs):
    results = _noether._conform_pickles([m.ToBinary() for m in mols], names, *options, model or "")
    ids, failures = [], []
    for m, (data, error) in zip(mols, results):
        if error is not None:
            failures.append(error)
            ids.append([])
            continue
        made = Chem.Mol(data)
        if clear_confs:
            m.RemoveAllConformers()
        ids.append([m.AddConformer(c, assignId=True) for c in made.GetConformers()])
    return ids, failures


def conform_smiles(smiles, num_confs=1, seed=0, refine=None, prune_rms=0.0, sort_energy=False, threads=1,
                   add_hydrogens=True, name=None, model=None):
    """A new ``rdkit.Chem.Mol`` (hydrogens added and placed) with conformers, from SMILES.

    ``smiles`` is a string or a list of them (then a list of molecules comes back, in order, and
    ``name`` may be a list). The options are those of :func:`conform`. Bad SMILES raise
    ``InvalidInput`` (a ``ValueError``) naming the molecule, never a silent None.
    """
    Chem = _chem()
    single = isinstance(smiles, str)
    items = [smiles] if single else list(smiles)
    for i, s in enumerate(items):
        if not isinstance(s, str):
            raise TypeError(f"conform_smiles: item {i} is a {type(s).__name__}, not a SMILES string")
    if name is None:
        names = [""] * len(items)
    elif isinstance(name, str):
        names = [name] * len(items)
    else:
        names = list(name)
    results = _noether._conform_smiles(items, names, *_options(num_confs, seed, refine, prune_rms, sort_energy, threads),
                                       model or "", bool(add_hydrogens))
    mols, failures = [], []
    for data, error in results:
        if error is not None:
            failures.append(error)
            continue
        mols.append(Chem.Mol(data, Chem.PropertyPickleOptions.AllProps))
    if failures:
        raise InvalidInput("; ".join(failures))
    return mols[0] if single else mols


# -- learned models --------------------------------------------------------------------------

_DTYPES = {"float32": _torch.float32, "float64": _torch.float64}


class Model:
    """A model trained by ``noether train`` (HNN, dissipative HNN, the generalized forms, ...).

    Called like a ``torch.nn.Module``: ``model(x)`` is dx/dt at the states ``x`` [B, W];
    ``model.energy(x)`` the learned H [B] for the energy-based kinds. Both run noether's C++ model
    and stay differentiable from Python (with respect to ``x`` and to ``model.parameters()``, the
    model's own tensors: an optimizer over them trains it in place).
    """

    def __init__(self, impl):
        self._impl = impl

    def __call__(self, x):
        return self._impl.time_derivative(x)

    forward = __call__

    def time_derivative(self, x, create_graph=None):
        """dx/dt at x; differentiable while autograd records (``create_graph`` None), or as asked."""
        return self._impl.time_derivative(x, create_graph)

    def energy(self, x):
        """The learned H at x, [B]."""
        return self._impl.energy(x)

    def energy_gradient(self, x):
        """dH/dx at x, [B, W], computed in C++ (detached)."""
        return self._impl.energy_gradient(x)

    def named_parameters(self):
        return iter(self._impl.named_parameters())

    def parameters(self):
        return iter(p for _, p in self._impl.named_parameters())

    def state_dict(self):
        return {n: p.detach() for n, p in self._impl.named_parameters()}

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        self._impl.train(mode)
        return self

    def eval(self):
        return self.train(False)

    @property
    def training(self):
        return self._impl.training

    def to(self, dtype):
        """Converts the weights to ``torch.float32`` or ``torch.float64`` (in place); returns self."""
        for key, value in _DTYPES.items():
            if dtype is value or dtype == key:
                self._impl.to(key)
                return self
        raise InvalidInput(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")

    @property
    def dtype(self):
        return _DTYPES[self._impl.dtype]

    @property
    def kind(self):
        return self._impl.kind

    @property
    def config(self):
        return _json.loads(self._impl.config_json)

    @property
    def state_dim(self):
        return self._impl.state_dim

    @property
    def has_energy(self):
        return self._impl.has_energy

    @property
    def path(self):
        return self._impl.path

    def __repr__(self):
        return f"<noether.Model {self.kind} {self.state_dim}-d, {self._impl.dtype}, from {self.path!r}>"


def load_model(path):
    """A model file of ``noether train`` (checkpoint), as a :class:`Model`."""
    return Model(_noether._load_model(str(path)))


# -- integrators -----------------------------------------------------------------------------


def integrators():
    """The schemes :func:`integrate` takes."""
    return _noether.integrators()


def integrate(field, x0, dt, steps, scheme="rk4", every=1, t0=0.0):
    """Steps dx/dt = field(x) from x0 with one of noether's fixed-step schemes.

    ``field`` is a Python callable on tensors (or a :class:`Model`), ``x0`` a tensor [..., W].
    Returns the trajectory [steps // every + 1, ...], x0 first: differentiable through torch when
    the field is (gradients reach x0 and the field's parameters). The separable symplectic
    schemes (leapfrog, velocity-verlet, yoshida4, yoshida6) take x = (q, p) along the last axis
    and a field whose dq/dt depends on p only and dp/dt on q only. A state that stops being
    finite raises ``NumericalError`` naming the step.
    """
    if isinstance(field, Model):
        model = field

        def field(x):  # noqa: E306 - a model's field, differentiable while autograd records
            return model.time_derivative(x)
    if not callable(field):
        raise TypeError(f"integrate: field must be callable, got {type(field).__name__}")
    if not isinstance(x0, _torch.Tensor):
        raise TypeError(f"integrate: x0 must be a torch.Tensor, got {type(x0).__name__}")
    return _noether._integrate(field, x0, float(dt), int(steps), str(scheme), int(every), float(t0))
