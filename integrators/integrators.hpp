// integrators/integrators.hpp: every time stepper in one include.
//
//   #include "integrators/integrators.hpp"
//   noether::integrators::rk4_step(y, t, dt, f);
//
// | scheme            | order | symplectic | separable H only | evaluations per step       |
// |-------------------|-------|------------|------------------|----------------------------|
// | euler             | 1     | no         | no               | 1                          |
// | rk4               | 4     | no         | no               | 4                          |
// | dopri5 (adaptive) | 5(4)  | no         | no               | 6 (FSAL), 7 fixed          |
// | dop853 (adaptive) | 8(5,3)| no         | no               | 12 (+1 adaptive)           |
// | leapfrog          | 2     | yes        | yes              | 1 force + 2 kinetic        |
// | velocity_verlet   | 2     | yes        | yes              | 2 force + 1 kinetic        |
// | yoshida4          | 4     | yes        | yes              | 3 force + 6 kinetic        |
// | yoshida6          | 6     | yes        | yes              | 7 force + 14 kinetic       |
// | implicit_midpoint | 2     | yes        | no               | ~5-15 (fixed-point)        |
// | tao               | 2     | yes (ext.) | no               | 4 gradients                |
// | avf               | 2     | no, keeps H| no               | ~15-45 (fixed-point)       |
// | rattle            | 2     | yes (ctr.) | yes              | 2 force + Newton           |
// | lie-euler         | 1     | no         | no               | 1 + 1 exponential          |
// | rkmk4             | 4     | no         | no               | 4 + 4 exponentials         |
// | cf4               | 4     | no         | no               | 4 + 5 exponentials         |
#pragma once

#include "integrators/adaptive.hpp"
#include "integrators/composition.hpp"
#include "integrators/discrete_gradient.hpp"
#include "integrators/dop853.hpp"
#include "integrators/dopri5.hpp"
#include "integrators/euler.hpp"
#include "integrators/implicit_midpoint.hpp"
#include "integrators/leapfrog.hpp"
#include "integrators/lie_group.hpp"
#include "integrators/rattle.hpp"
#include "integrators/registry.hpp"
#include "integrators/result.hpp"
#include "integrators/rk4.hpp"
#include "integrators/state.hpp"
#include "integrators/tao.hpp"
#include "integrators/velocity_verlet.hpp"
#include "integrators/yoshida4.hpp"
#include "integrators/yoshida6.hpp"
