# FindRDKit: Debian's librdkit-dev ships no CMake configuration, so find the pieces by hand.
#
# Defines RDKit_FOUND, RDKit_INCLUDE_DIR, RDKit_LIBRARIES and the INTERFACE target
# noether::deps::rdkit (include directory plus the libraries below).
find_path(RDKit_INCLUDE_DIR GraphMol/ROMol.h PATH_SUFFIXES rdkit)
# RDKit's headers include Boost's (Debian: libboost-dev).
find_path(RDKit_Boost_INCLUDE_DIR boost/config.hpp)
mark_as_advanced(RDKit_Boost_INCLUDE_DIR)

set(_rdkit_components SmilesParse FileParsers DistGeomHelpers DistGeometry ForceFieldHelpers
    ForceField Optimizer MolAlign ChemTransforms SubstructMatch GraphMol RDGeometryLib RDGeneral)
set(RDKit_LIBRARIES "")
set(_rdkit_missing "")
foreach(_c IN LISTS _rdkit_components)
  find_library(RDKit_${_c}_LIBRARY NAMES RDKit${_c})
  mark_as_advanced(RDKit_${_c}_LIBRARY)
  if(RDKit_${_c}_LIBRARY)
    list(APPEND RDKit_LIBRARIES "${RDKit_${_c}_LIBRARY}")
  else()
    list(APPEND _rdkit_missing RDKit${_c})
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_Boost_INCLUDE_DIR RDKit_SmilesParse_LIBRARY RDKit_GraphMol_LIBRARY
                RDKit_RDGeneral_LIBRARY)

if(RDKit_FOUND AND NOT TARGET noether::deps::rdkit)
  add_library(noether_deps_rdkit INTERFACE)
  add_library(noether::deps::rdkit ALIAS noether_deps_rdkit)
  target_include_directories(noether_deps_rdkit SYSTEM INTERFACE "${RDKit_INCLUDE_DIR}" "${RDKit_Boost_INCLUDE_DIR}")
  target_link_libraries(noether_deps_rdkit INTERFACE ${RDKit_LIBRARIES})
endif()
mark_as_advanced(RDKit_INCLUDE_DIR)
