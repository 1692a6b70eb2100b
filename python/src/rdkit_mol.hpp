// python/src/rdkit_mol.hpp: reaching the C++ molecule of an rdkit.Chem.Mol without a copy, where
// the build found Boost.Python (NOETHER_PYTHON_RDKIT_IN_PLACE); without it, molecules cross as
// RDKit's binary pickles.
#pragma once

#include <Python.h>

namespace RDKit {
class ROMol;
}

namespace noether::python {

/// The ROMol an rdkit.Chem.Mol wraps (owned by the Python object), or null for any other object.
/// Call with the GIL held, after rdkit.Chem was imported.
RDKit::ROMol* rdkit_mol_of(PyObject* object);

}  // namespace noether::python
