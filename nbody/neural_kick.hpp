// nbody/neural_kick.hpp: load a trained interaction model as a Wisdom-Holman kick without
// including torch. Part of noether::nbody_neural: link that target (the definition is in
// nbody/neural_interaction.cpp); the n-body core, noether::nbody, neither declares nor needs it.
//
//   auto kick = noether::nbody::load_learned_kick("gr.pt", system.G);
//   noether::nbody::WisdomHolman wh(system, options, kick);
//   double e = kick->total_energy(wh.state());   // the energy the map conserves
#pragma once

#include <memory>
#include <string>

#include "nbody/learned_interaction.hpp"

namespace noether::nbody {

/// Reads a checkpoint written by save_residual_model / `noether train-residual`. Throws
/// InvalidInput for a bad file, a momentum-dependent model (not a positions-only kick) or a
/// model trained with another gravitational constant than G (other units).
std::shared_ptr<const LearnedInteraction> load_learned_kick(const std::string& path, double G);

}  // namespace noether::nbody
