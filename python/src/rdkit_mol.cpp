// python/src/rdkit_mol.cpp: the RDKit molecule inside an rdkit.Chem.Mol. RDKit's Python binding is
// Boost.Python; linking the same libboost_python gives this module its converter registry, where
// rdkit.Chem registered how to reach the C++ ROMol of a Mol. Kept apart from the pybind11 files:
// the two binding libraries share no headers.
#include "python/src/rdkit_mol.hpp"

#include <boost/python.hpp>
#include <GraphMol/ROMol.h>

namespace noether::python {

RDKit::ROMol* rdkit_mol_of(PyObject* object) {
  namespace bp = boost::python;
  bp::object wrapped{bp::handle<>(bp::borrowed(object))};
  bp::extract<RDKit::ROMol&> mol(wrapped);
  if (!mol.check()) return nullptr;
  return &mol();
}

}  // namespace noether::python
