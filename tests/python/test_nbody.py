"""noether.Simulation against `noether simulate` and the laws it keeps (issue 19)."""
import copy
import json
import math
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import noether
from conftest import run_cli


def cli_final_state(tmp_path, system, dt, steps, test_particles=0, corrector=0, coordinates="jacobi", extra=()):
    out = tmp_path / f"{system}-{corrector}-{coordinates}-{test_particles}.json"
    run_cli("simulate", "--system", system, "--dt", dt, "--steps", steps, "--outputs", 1, "--corrector", corrector,
            "--coordinates", coordinates, "--test-particles", test_particles, "--final-state", out,
            "--no-csv", "--no-plot", "-q", *extra)
    state = json.loads(out.read_text())
    everything = state["bodies"] + state["test_particles"]
    return state, np.array([p["r"] for p in everything]), np.array([p["v"] for p in everything])


@pytest.mark.parametrize("system,dt,steps,test_particles,corrector,coordinates", [
    ("outer-solar-system", 10.0, 3000, 0, 0, "jacobi"),
    ("outer-solar-system", 10.0, 3000, 0, 11, "jacobi"),
    ("sun-jupiter-saturn", 5.0, 2000, 100, 0, "jacobi"),
    ("trappist-1", 0.05, 2000, 0, 0, "whds"),
])
def test_states_are_bit_identical_to_noether_simulate(tmp_path, system, dt, steps, test_particles, corrector,
                                                      coordinates):
    state, r, v = cli_final_state(tmp_path, system, dt, steps, test_particles, corrector, coordinates)
    sim = noether.Simulation.builtin(system, test_particles=test_particles, dt=dt)
    sim.corrector = corrector
    sim.coordinates = coordinates
    sim.step(steps)
    assert sim.t == state["time"]
    assert np.array_equal(sim.positions(), r)
    assert np.array_equal(sim.velocities(), v)
    # integrate(t) to the same time from the start gives the same state.
    again = noether.Simulation.builtin(system, test_particles=test_particles, dt=dt)
    again.corrector = corrector
    again.coordinates = coordinates
    again.integrate(again.t + steps * dt)
    assert np.array_equal(again.positions(), r)


def test_particles_added_by_elements_have_those_elements():
    sim = noether.Simulation(G=1.0, dt=0.01)
    sim.add(m=1.0, name="star")
    sim.add(m=1e-3, a=1.5, e=0.1, inc=0.2, Omega=0.3, omega=0.4, M=0.5, name="b")
    sim.add(m=0.0, a=3.0, e=0.05)  # a test particle
    assert (sim.n_bodies, sim.n_test_particles, sim.N) == (2, 1, 3)
    assert sim.names == ["star", "b"]
    orbit = sim.orbits()[0]
    for key, want in dict(a=1.5, e=0.1, inc=0.2, Omega=0.3, omega=0.4, M=0.5).items():
        assert orbit[key] == pytest.approx(want, abs=1e-12)
    assert orbit["P"] == pytest.approx(2 * math.pi * math.sqrt(1.5**3 / 1.001), rel=1e-12)
    assert sim.orbits(test_particles=True)[1]["a"] == pytest.approx(3.0, rel=1e-12)
    assert list(sim.masses()) == [1.0, 1e-3, 0.0]
    # A two-body problem is Kepler's: the map follows it exactly (energy and elements to round-off).
    e0 = sim.energy()
    sim.integrate(100.0)
    assert sim.t == pytest.approx(100.0, abs=1e-12)
    assert abs(sim.energy() - e0) < 1e-13 * abs(e0)
    assert sim.orbits()[0]["a"] == pytest.approx(1.5, rel=1e-12)


def test_energy_error_stays_small_and_the_corrector_shrinks_it():
    errors = {}
    for corrector in (0, 11):
        sim = noether.Simulation.outer_solar_system(dt=50.0)
        sim.corrector = corrector
        e0 = sim.energy()
        worst = 0.0
        for _ in range(20):
            sim.step(500)
            worst = max(worst, abs(sim.energy() - e0) / abs(e0))
        errors[corrector] = worst
    assert errors[0] < 1e-6
    assert errors[11] < errors[0] / 10
    l0 = noether.Simulation.outer_solar_system().angular_momentum()
    assert l0.shape == (3,)


def test_bulk_state_in_one_call_and_set_state():
    sim = noether.Simulation.sun_jupiter_saturn(test_particles=10000)
    r = sim.positions()
    assert r.shape == (10003, 3) and r.dtype == np.float64 and r.flags["C_CONTIGUOUS"]
    assert sim.velocities().shape == (10003, 3) and sim.masses().shape == (10003,)
    sim.step(10)
    r1, v1 = sim.positions(), sim.velocities()
    other = noether.Simulation.sun_jupiter_saturn(test_particles=10000)
    other.set_state(r1, v1)
    assert np.array_equal(other.positions(), r1)
    with pytest.raises(ValueError, match=r"\[10003, 3\]"):
        other.set_state(r1[:5], v1[:5])
    bad = r1.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        other.set_state(bad, v1)


def test_copy_continues_bit_for_bit_and_pickles_round_trip():
    sim = noether.Simulation.outer_solar_system(test_particles=20)
    sim.corrector = 5
    sim.step(777)
    twin = sim.copy()
    deep = copy.deepcopy(sim)
    for s in (sim, twin, deep):
        s.step(1000)
    assert np.array_equal(sim.positions(), twin.positions())
    assert np.array_equal(sim.positions(), deep.positions())
    restored = pickle.loads(pickle.dumps(sim))
    assert np.array_equal(restored.positions(), sim.positions())
    assert np.array_equal(restored.velocities(), sim.velocities())
    assert (restored.t, restored.corrector, restored.dt) == (sim.t, sim.corrector, sim.dt)
    # Resumed from the synchronized state it agrees to round-off, not bit for bit.
    restored.step(1000)
    sim.step(1000)
    assert np.allclose(restored.positions(), sim.positions(), rtol=0, atol=1e-9)
    # Options, JSON and files.
    back = noether.Simulation.from_json(sim.to_json(), dt=sim.dt)
    assert np.array_equal(back.positions(), sim.positions())
    assert "outer-solar-system" in repr(sim)


def test_bad_input_raises_with_a_clear_message(tmp_path):
    sim = noether.Simulation()
    with pytest.raises(ValueError, match="central body"):
        sim.add(m=0.0, x=[1, 0, 0])
    with pytest.raises(ValueError, match="m must be"):
        sim.add(m=-1.0)
    sim.add(m=1.0)
    with pytest.raises(ValueError, match="not both"):
        sim.add(m=1e-3, x=[1, 0, 0], a=1.0)
    with pytest.raises(ValueError, match="3 numbers"):
        sim.add(m=1e-3, x=[1, 0])
    with pytest.raises(ValueError, match="at least one more"):
        sim.step(10)
    with pytest.raises(ValueError, match="jacobi"):
        sim.coordinates = "polar"
    with pytest.raises(ValueError, match="corrector"):
        sim.corrector = 4
    with pytest.raises(ValueError, match="dt"):
        noether.Simulation(dt=0.0)
    sim.add(m=1e-3, a=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        sim.step(-1)
    sim.step(10)
    with pytest.raises(ValueError, match="before"):
        sim.integrate(0.0)
    with pytest.raises(ValueError, match="nope.json"):
        noether.Simulation.from_file(str(tmp_path / "nope.json"), dt=1.0)
    with pytest.raises(ValueError, match="known"):
        noether.Simulation.builtin("alpha-centauri")
    with pytest.raises(ValueError):
        sim.load_residual(str(tmp_path / "no-model.pt"))


def test_a_breakdown_raises_numerical_error_and_set_state_recovers():
    sim = noether.Simulation(G=1.0, dt=0.01)
    sim.add(m=1.0)
    sim.add(m=1e308, x=[1, 0, 0], v=[0, 1, 0])  # an orbit the Kepler solver cannot follow
    r0, v0 = sim.positions(), sim.velocities()
    with pytest.raises(noether.NumericalError, match="Kepler drift failed"):
        sim.step(5)
    with pytest.raises(RuntimeError, match="set_state"):
        sim.positions()
    with pytest.raises(RuntimeError):
        sim.step(1)
    assert "broken down" in repr(sim)
    sim.set_state(r0, v0)  # a state given again: usable
    assert np.array_equal(sim.positions(), r0)


def test_step_releases_the_gil():
    sim = noether.Simulation.outer_solar_system()
    worker = threading.Thread(target=sim.step, args=(5 * 10**6,))  # about half a second
    counted = 0
    worker.start()
    t0 = time.perf_counter()
    while worker.is_alive() and time.perf_counter() - t0 < 0.3:
        counted += 1
    still_running = worker.is_alive()
    worker.join()
    if still_running:  # the main thread ran while the step went on
        assert counted > 1000


def test_ctrl_c_stops_a_long_step(tmp_path):
    script = textwrap.dedent("""
        import sys, time, noether
        sim = noether.Simulation.outer_solar_system()
        print("ready", flush=True)
        t0 = time.perf_counter()
        try:
            sim.step(10**12)
        except KeyboardInterrupt:
            print("interrupted after %.2f s at t = %g" % (time.perf_counter() - t0, sim.t), flush=True)
            sys.exit(0)
        sys.exit(3)
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out
    assert "interrupted" in out
    assert float(out.split(" after ")[1].split(" s")[0]) < 5.0


def test_options_files_and_accessors(tmp_path):
    assert set(noether.Simulation.builtin_names()) >= {"outer-solar-system", "trappist-1", "sun-jupiter-saturn"}
    sim = noether.Simulation.trappist_1()
    assert sim.name == "trappist-1" and sim.n_bodies == 8 and sim.dt == 0.05
    assert (sim.residual, sim.interaction) == ("", "newtonian")
    sim = noether.Simulation.outer_solar_system()
    assert sim.G == pytest.approx(2.95912208286e-4) and sim.names[0] == "Sun"
    # save / from_file round trip, every digit.
    sim.step(100)
    sim.save(str(tmp_path / "state.json"))
    back = noether.Simulation.from_file(str(tmp_path / "state.json"), dt=10.0)
    assert np.array_equal(back.positions(), sim.positions()) and back.t == sim.t
    # The centre of mass to the origin, at rest.
    back.move_to_com()
    m = back.masses()[:, None]
    assert np.abs((m * back.positions()).sum(0)).max() < 1e-15
    assert np.abs((m * back.velocities()).sum(0)).max() < 1e-18
    # The kernels and safe mode follow the same orbits (to the scheme's error), fast mode is the default.
    base = noether.Simulation.outer_solar_system()
    assert base.safe_mode is False and base.kernel == "standard" and base.steps_done == 0
    base.step(2000)
    for option, value in (("kernel", "modified-kick"), ("kernel", "lazy"), ("safe_mode", True)):
        other = noether.Simulation.outer_solar_system()
        setattr(other, option, value)
        assert getattr(other, option) == value
        other.step(2000)
        assert np.abs(other.positions() - base.positions()).max() < 1e-3  # AU, after 55 years
    # Test particles on two threads: the same numbers as on one (each particle alone).
    runs = []
    for threads in (1, 2):
        s = noether.Simulation.sun_jupiter_saturn(test_particles=500)
        s.threads = threads
        assert s.threads == threads
        s.step(300)
        runs.append(s.positions())
    assert np.array_equal(runs[0], runs[1])


def test_a_learned_residual_runs_as_in_noether_simulate(tmp_path, residual_model):
    out = tmp_path / "end.json"
    r = run_cli("simulate", "--system", "outer-solar-system", "--residual", residual_model, "--steps", 500,
                "--outputs", 1, "--final-state", out, "--no-csv", "--no-plot", "--json")
    summary = json.loads(r.stdout)
    sim = noether.Simulation.outer_solar_system()
    sim.load_residual(residual_model)
    assert (sim.residual, sim.interaction) == (residual_model, "learned-residual")
    assert sim.energy() == summary["energy_initial"]  # the energy the learned map keeps
    sim.step(500)
    end = json.loads(out.read_text())
    assert np.array_equal(sim.positions(), np.array([b["r"] for b in end["bodies"]]))
    # Pickled with its residual; '' goes back to Newtonian gravity.
    assert pickle.loads(pickle.dumps(sim)).interaction == "learned-residual"
    sim.load_residual("")
    assert sim.interaction == "newtonian"
