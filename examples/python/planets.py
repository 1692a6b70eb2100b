# %% [markdown]
# # Planetary systems with noether.Simulation, the way REBOUND users work
#
# The Wisdom-Holman map (Jacobi coordinates, symplectic correctors) behind `noether simulate`.
# Run: `python3 examples/python/planets.py` (build tree: `PYTHONPATH=build/python`).

# %%
import sys
import time

import numpy as np

import noether

quick = "--quick" in sys.argv

# %% The outer solar system (AU, days, solar masses), dt = 10 days, corrector of order 11.
sim = noether.Simulation.outer_solar_system(dt=10.0)
sim.corrector = 11
e0 = sim.energy()
years = 1e3 if quick else 1e5
t0 = time.perf_counter()
sim.integrate(years * 365.25)
took = time.perf_counter() - t0
print(f"{years:g} years in {took:.2f} s ({took / sim.steps_done * 1e9:.0f} ns/step); "
      f"relative energy error {abs(sim.energy() - e0) / abs(e0):.1e}")
for name, orbit in zip(sim.names[1:], sim.orbits()):
    print(f"  {name:8s} a = {orbit['a']:7.3f} AU  e = {orbit['e']:.4f}  inc = {np.degrees(orbit['inc']):.3f} deg")

# %% A system of your own: a star, a planet by orbital elements, test particles by state.
own = noether.Simulation(G=4 * np.pi**2, dt=0.01)  # AU, years, solar masses
own.add(m=1.0, name="star")
own.add(m=1e-3, a=5.2, e=0.05, name="jupiter")
for r in np.linspace(2.0, 3.5, 10 if quick else 1000):
    own.add(m=0.0, x=[r, 0.0, 0.0], v=[0.0, 2 * np.pi / np.sqrt(r), 0.0])
own.integrate(10.0 if quick else 1000.0)
r = own.positions()[own.n_bodies:]  # every test particle in one call, an [N, 3] array
print(f"{own.n_test_particles} test particles after {own.t:g} years: "
      f"distances {np.linalg.norm(r, axis=1).min():.2f} .. {np.linalg.norm(r, axis=1).max():.2f} AU")
