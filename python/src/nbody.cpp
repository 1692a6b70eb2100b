// python/src/nbody.cpp: noether.Simulation, the Wisdom-Holman integrator the way REBOUND users
// work: particles added by state or orbital elements, integrate(t) / step(n), the whole state as
// NumPy arrays in one call.
//
// The simulation holds a system and, once it has stepped, the integrator. Reading the state
// synchronizes a copy of the integrator (as `noether simulate` does), kept until the next step, so
// reading never perturbs the run and several reads cost one synchronization. Changing the system
// or an option takes the synchronized state and starts a new integrator from it at the next step.
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "nbody/coordinates.hpp"
#include "nbody/elements.hpp"
#include "nbody/neural_kick.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "python/src/common.hpp"

namespace noether::python {

namespace nb = noether::nbody;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

nb::Vec3 vec3_of(const py::object& o, const char* what) {
  const Array a = Array::ensure(o);
  if (!a || a.ndim() != 1 || a.shape(0) != 3)
    throw InvalidInput(std::string(what) + " must be 3 numbers (x, y, z)");
  const double* p = a.data();
  return {p[0], p[1], p[2]};
}

class Simulation {
 public:
  explicit Simulation(double G, double dt) {
    if (!(G > 0.0 && std::isfinite(G))) throw InvalidInput("G must be > 0 and finite, got " + std::to_string(G));
    system_.G = G;
    system_.name = "simulation";
    options_.dt = dt;
    options_.validate();
  }
  explicit Simulation(nb::PlanetarySystem system, double dt) : system_(std::move(system)) {
    options_.dt = dt;
    options_.validate();
  }

  Simulation(const Simulation& o)
      : system_(o.system_), options_(o.options_), kick_(o.kick_), residual_(o.residual_),
        wh_(o.wh_ ? std::make_unique<nb::WisdomHolman>(*o.wh_) : nullptr), synced_(o.synced_), broken_(o.broken_) {}

  // The state ------------------------------------------------------------------------------

  /// The synchronized state now.
  const nb::PlanetarySystem& state() const {
    if (!broken_.empty()) throw NumericalError(broken_);
    if (!wh_) return system_;
    if (!synced_) synced_ = wh_->state();
    return *synced_;
  }
  /// Makes the state editable: the integrator (if any) is dropped after its state is taken.
  nb::PlanetarySystem& edit() {
    if (!broken_.empty()) throw NumericalError(broken_);
    if (wh_) {
      system_ = state();
      wh_.reset();
      synced_.reset();
    }
    return system_;
  }

  std::size_t bodies() const { return state().bodies.size(); }
  std::size_t test_particles() const { return state().test_particles.size(); }

  void add(double m, const py::object& x, const py::object& v, const std::optional<double>& a, double e, double inc,
           double Omega, double omega, double M, const std::string& name) {
    if (!(m >= 0.0 && std::isfinite(m))) throw InvalidInput("add: m must be >= 0 and finite, got " + std::to_string(m));
    nb::PlanetarySystem& s = edit();
    nb::Particle p;
    p.m = m;
    if (a) {
      if (!x.is_none() || !v.is_none()) throw InvalidInput("add: give x and v, or orbital elements (a, e, ...), not both");
      if (s.bodies.empty()) throw InvalidInput("add: orbital elements need a central body: add one with m > 0 first");
      const nb::Particle& c = s.bodies[0];
      const auto [r, u] = nb::to_cartesian(s.G * (c.m + m), nb::OrbitalElements{*a, e, inc, Omega, omega, M});
      p.r = c.r + r;
      p.v = c.v + u;
    } else {
      if (e != 0.0 || inc != 0.0 || Omega != 0.0 || omega != 0.0 || M != 0.0)
        throw InvalidInput("add: orbital elements need a (the semi-major axis)");
      if (!x.is_none()) p.r = vec3_of(x, "add: x");
      if (!v.is_none()) p.v = vec3_of(v, "add: v");
    }
    if (m == 0.0) {
      if (s.bodies.empty()) throw InvalidInput("add: the first particle is the central body and needs m > 0");
      s.test_particles.push_back(p);
      return;
    }
    if (!s.test_particles.empty())
      throw InvalidInput("add: massive bodies go before the test particles (m = 0); add them first");
    if (!s.names.empty() || !name.empty()) {
      s.names.resize(s.bodies.size());
      for (std::size_t i = 0; i < s.names.size(); ++i)
        if (s.names[i].empty()) s.names[i] = "body " + std::to_string(i);
      s.names.push_back(name.empty() ? "body " + std::to_string(s.bodies.size()) : name);
    }
    s.bodies.push_back(p);
  }

  /// [N, 3] positions or velocities (bodies, then test particles), or [N] masses.
  Array column(int which) const {
    const nb::PlanetarySystem& s = state();
    const std::size_t n = s.bodies.size() + s.test_particles.size();
    if (which == 2) {
      Array out(static_cast<py::ssize_t>(n));
      double* p = out.mutable_data();
      for (std::size_t i = 0; i < s.bodies.size(); ++i) p[i] = s.bodies[i].m;
      for (std::size_t i = s.bodies.size(); i < n; ++i) p[i] = 0.0;
      return out;
    }
    Array out({static_cast<py::ssize_t>(n), py::ssize_t{3}});
    double* p = out.mutable_data();
    auto put = [&](const std::vector<nb::Particle>& ps) {
      for (const auto& q : ps) {
        const nb::Vec3& w = which == 0 ? q.r : q.v;
        *p++ = w.x;
        *p++ = w.y;
        *p++ = w.z;
      }
    };
    put(s.bodies);
    put(s.test_particles);
    return out;
  }

  void set_state(const Array& positions, const Array& velocities) {
    // After a breakdown the particles are still those of system_: setting them all is the way back.
    const nb::PlanetarySystem& now = broken_.empty() ? state() : system_;
    const std::size_t n = now.bodies.size() + now.test_particles.size();
    for (const auto* a : {&positions, &velocities})
      if (a->ndim() != 2 || a->shape(0) != static_cast<py::ssize_t>(n) || a->shape(1) != 3)
        throw InvalidInput("set_state: positions and velocities must be [" + std::to_string(n) +
                           ", 3] arrays (bodies, then test particles)");
    broken_.clear();
    nb::PlanetarySystem& s = edit();
    const double* r = positions.data();
    const double* v = velocities.data();
    for (std::size_t i = 0; i < n; ++i) {
      nb::Particle& p = i < s.bodies.size() ? s.bodies[i] : s.test_particles[i - s.bodies.size()];
      p.r = {r[3 * i], r[3 * i + 1], r[3 * i + 2]};
      p.v = {v[3 * i], v[3 * i + 1], v[3 * i + 2]};
    }
    s.validate();
  }

  double energy() const {
    const auto& s = state();
    if (kick_) return kick_->total_energy(s, nb::skipped_pairs_of(options_.coordinates));
    return nb::energy(s);
  }

  // Stepping -------------------------------------------------------------------------------

  void step(long steps) {
    if (steps < 0) throw InvalidInput("step: the number of steps must be >= 0, got " + std::to_string(steps));
    if (!broken_.empty()) throw NumericalError(broken_);
    if (steps == 0) return;
    if (!wh_) {
      system_.validate();
      std::shared_ptr<const nb::InteractionKick> kick = kick_;
      if (!kick) kick = nb::newtonian_kick();
      wh_ = std::make_unique<nb::WisdomHolman>(system_, options_, kick);
    }
    synced_.reset();
    std::string failure;
    run_in_chunks(steps, [&](int64_t n) {
      const auto r = wh_->integrate(static_cast<long>(n));
      if (!r.ok()) failure = r.message;
      return r.ok();
    });
    if (!failure.empty()) {
      // The state after a breakdown is unspecified: reading it raises until set_state() gives a
      // new one (a copy() taken before the call still holds the old).
      system_.time = wh_->time();
      wh_.reset();
      synced_.reset();
      broken_ = failure + " (the state is lost: set_state() gives a new one)";
      throw NumericalError(failure);
    }
  }

  /// Steps to the time nearest t (a whole number of steps of dt).
  void integrate(double t) {
    const double now = time();
    const double steps = std::round((t - now) / options_.dt);
    if (!std::isfinite(steps)) throw InvalidInput("integrate: t must be finite");
    if (steps < 0)
      throw InvalidInput("integrate: t = " + std::to_string(t) + " is before the simulation's time " +
                         std::to_string(now) + " (the map steps forward only)");
    if (!(steps < 1e15)) throw InvalidInput("integrate: t is more than 1e15 steps of dt ahead");
    step(static_cast<long>(steps));
  }

  double time() const { return wh_ ? wh_->time() : system_.time; }
  bool broken() const { return !broken_.empty(); }
  long steps_done() const { return wh_ ? wh_->steps_done() : 0; }

  // Options --------------------------------------------------------------------------------

  const nb::WisdomHolmanOptions& options() const { return options_; }
  void set_options(const nb::WisdomHolmanOptions& o) {
    o.validate();
    edit();
    options_ = o;
  }
  void load_residual(const std::string& path) {
    auto kick = path.empty() ? nullptr : nb::load_learned_kick(path, state().G);
    if (kick && kick->mode() == nb::ResidualMode::replacement && options_.coordinates != nb::Coordinates::jacobi)
      throw InvalidInput("a replacement model stands in for the Jacobi interaction; set coordinates = 'jacobi' first");
    edit();
    kick_ = std::move(kick);
    residual_ = path;
  }
  const std::string& residual() const { return residual_; }
  std::string interaction() const { return kick_ ? kick_->name() : "newtonian"; }
  nb::PlanetarySystem& system_for_edit() { return edit(); }

 private:
  nb::PlanetarySystem system_;
  nb::WisdomHolmanOptions options_;
  std::shared_ptr<const nb::LearnedInteraction> kick_;
  std::string residual_;
  std::unique_ptr<nb::WisdomHolman> wh_;
  mutable std::optional<nb::PlanetarySystem> synced_;
  std::string broken_;  ///< why the state was lost (a breakdown), else empty
};

/// A heliocentric orbit of body i (elements relative to body 0, mu = G (m0 + mi)).
py::dict orbit_of(const nb::PlanetarySystem& s, const nb::Particle& p, double m) {
  const nb::Particle& c = s.bodies[0];
  const double mu = s.G * (c.m + m);
  const nb::OrbitalElements el = nb::to_elements(mu, p.r - c.r, p.v - c.v);
  py::dict d;
  d["a"] = el.a;
  d["e"] = el.e;
  d["inc"] = el.inc;
  d["Omega"] = el.Omega;
  d["omega"] = el.omega;
  d["M"] = el.M;
  d["P"] = el.a > 0 ? 2.0 * M_PI * std::sqrt(el.a * el.a * el.a / mu) : INFINITY;
  return d;
}

/// A built-in system, stepped by `dt` or by the system's own default: 10 days for the solar
/// systems, 0.05 for TRAPPIST-1 (its innermost planet goes round in 1.5 days).
Simulation builtin(const std::string& name, int test_particles, std::optional<double> dt) {
  const double fallback = name == "trappist-1" ? 0.05 : 10.0;
  return Simulation(nb::make_planetary_system(name, test_particles), dt.value_or(fallback));
}

template <class T>
T option_setter(Simulation& s, T nb::WisdomHolmanOptions::*field, const T& value) {
  nb::WisdomHolmanOptions o = s.options();
  o.*field = value;
  s.set_options(o);
  return value;
}

}  // namespace

void bind_nbody(py::module_& m) {
  py::class_<Simulation>(m, "Simulation", R"doc(
A planetary system stepped by the Wisdom-Holman map (noether's `simulate`).

    sim = noether.Simulation(G=1.0, dt=0.01)
    sim.add(m=1.0)                                  # the central body
    sim.add(m=1e-3, a=1.0, e=0.05)                  # by orbital elements (radians), about body 0
    sim.add(m=0.0, x=[2, 0, 0], v=[0, 0.7, 0])      # m = 0: a test particle
    sim.integrate(100.0)                            # to the step nearest t = 100
    sim.positions()                                 # [N, 3] NumPy array: bodies, then test particles

Built-in systems use AU, days and solar masses (G = 2.95912208286e-4): Simulation.outer_solar_system().
)doc")
      .def(py::init<double, double>(), py::arg("G") = 1.0, py::arg("dt") = 0.001,
           "An empty simulation with gravitational constant G and time step dt.")
      .def_static("builtin", &builtin, py::arg("name"), py::arg("test_particles") = 0, py::arg("dt") = py::none(),
                  "A built-in system by name (noether.Simulation.builtin_names()), with test_particles asteroids; "
                  "dt (days) defaults to the system's own (10 for the solar systems, 0.05 for TRAPPIST-1).")
      .def_static("builtin_names", &nb::planetary_system_names)
      .def_static(
          "outer_solar_system", [](int n, std::optional<double> dt) { return builtin("outer-solar-system", n, dt); },
          py::arg("test_particles") = 0, py::arg("dt") = py::none(),
          "The Sun and the five outer planets (Hairer, Lubich & Wanner's initial state), dt in days (default 10).")
      .def_static(
          "trappist_1", [](int n, std::optional<double> dt) { return builtin("trappist-1", n, dt); },
          py::arg("test_particles") = 0, py::arg("dt") = py::none(), "TRAPPIST-1 and its seven planets (default dt 0.05 days).")
      .def_static(
          "sun_jupiter_saturn", [](int n, std::optional<double> dt) { return builtin("sun-jupiter-saturn", n, dt); },
          py::arg("test_particles") = 0, py::arg("dt") = py::none(), "The Sun, Jupiter and Saturn (default dt 10 days).")
      .def_static(
          "from_file", [](const std::string& path, double dt) { return Simulation(nb::load_system(path), dt); },
          py::arg("path"), py::arg("dt"), "A system file (the JSON of `noether simulate --system FILE`).")
      .def_static(
          "from_json", [](const std::string& text, double dt) { return Simulation(nb::system_from_json(text), dt); },
          py::arg("text"), py::arg("dt"))
      .def("to_json", [](const Simulation& s) { return nb::system_to_json(s.state()); },
           "The synchronized state as a system file's JSON (every digit).")
      .def(
          "save",
          [](const Simulation& s, const std::string& path) {
            const std::string text = nb::system_to_json(s.state());
            write_file_atomically(path, [&](std::ostream& os) { os << text << '\n'; });
          },
          py::arg("path"), "Writes to_json() to path (atomically).")
      .def("add", &Simulation::add, py::arg("m") = 0.0, py::arg("x") = py::none(), py::arg("v") = py::none(),
           py::kw_only(), py::arg("a") = py::none(), py::arg("e") = 0.0, py::arg("inc") = 0.0,
           py::arg("Omega") = 0.0, py::arg("omega") = 0.0, py::arg("M") = 0.0, py::arg("name") = "",
           R"doc(Adds a particle: by position x and velocity v (3 numbers each), or by heliocentric orbital
elements about the first body (a, e, inc, Omega, omega, M; angles in radians). The first particle is
the central body; m = 0 adds a massless test particle (after every massive body).)doc")
      .def("step", &Simulation::step, py::arg("n") = 1,
           "n steps of dt, without the GIL; Ctrl-C stops between blocks of steps.")
      .def("integrate", &Simulation::integrate, py::arg("t"),
           "Steps to the time nearest t: round((t - sim.t) / dt) steps.")
      .def("positions", [](const Simulation& s) { return s.column(0); }, "[N, 3] positions: bodies, then test particles.")
      .def("velocities", [](const Simulation& s) { return s.column(1); }, "[N, 3] velocities.")
      .def("masses", [](const Simulation& s) { return s.column(2); }, "[N] masses (0 for test particles).")
      .def("set_state", &Simulation::set_state, py::arg("positions"), py::arg("velocities"),
           "Replaces every position and velocity ([N, 3] each, the order of positions()).")
      .def("energy", &Simulation::energy,
           "Total energy of the massive bodies (with a learned interaction: the energy its map keeps).")
      .def(
          "angular_momentum",
          [](const Simulation& s) {
            const nb::Vec3 l = nb::angular_momentum(s.state());
            return Array(py::ssize_t{3}, std::vector<double>{l.x, l.y, l.z}.data());
          },
          "Total angular momentum of the massive bodies about the origin, [3].")
      .def(
          "orbits",
          [](const Simulation& s, bool test_particles) {
            const auto& st = s.state();
            py::list out;
            for (std::size_t i = 1; i < st.bodies.size(); ++i) out.append(orbit_of(st, st.bodies[i], st.bodies[i].m));
            if (test_particles)
              for (const auto& p : st.test_particles) out.append(orbit_of(st, p, 0.0));
            return out;
          },
          py::arg("test_particles") = false,
          "Heliocentric osculating elements of every body after the first (and of the test particles): "
          "dicts of a, e, inc, Omega, omega, M (radians) and the period P.")
      .def("move_to_com", [](Simulation& s) { nb::move_to_center_of_mass(s.system_for_edit()); },
           "Shifts everything so that the centre of mass of the bodies rests at the origin.")
      .def("load_residual", &Simulation::load_residual, py::arg("path"),
           "Uses a learned interaction (`noether train-residual`) from now on; '' for Newtonian gravity.")
      .def_property_readonly("residual", &Simulation::residual)
      .def_property_readonly("interaction", &Simulation::interaction)
      .def_property_readonly("t", &Simulation::time, "Time of the state.")
      .def_property_readonly("steps_done", &Simulation::steps_done, "Steps since the state was last set.")
      .def_property_readonly("G", [](const Simulation& s) { return s.state().G; })
      .def_property_readonly("N", [](const Simulation& s) { return s.bodies() + s.test_particles(); })
      .def_property_readonly("n_bodies", &Simulation::bodies)
      .def_property_readonly("n_test_particles", &Simulation::test_particles)
      .def_property_readonly("names", [](const Simulation& s) { return s.state().names; })
      .def_property_readonly("name", [](const Simulation& s) { return s.state().name; })
      .def_property(
          "dt", [](const Simulation& s) { return s.options().dt; },
          [](Simulation& s, double dt) { option_setter(s, &nb::WisdomHolmanOptions::dt, dt); })
      .def_property(
          "corrector", [](const Simulation& s) { return s.options().corrector; },
          [](Simulation& s, int c) { option_setter(s, &nb::WisdomHolmanOptions::corrector, c); },
          "First symplectic corrector: 0, 3, 5, 7, 11 or 17 (Jacobi coordinates).")
      .def_property(
          "coordinates", [](const Simulation& s) { return nb::to_string(s.options().coordinates); },
          [](Simulation& s, const std::string& c) {
            option_setter(s, &nb::WisdomHolmanOptions::coordinates, nb::coordinates_from_string(c));
          },
          "jacobi, democratic-heliocentric or whds.")
      .def_property(
          "kernel", [](const Simulation& s) { return nb::to_string(s.options().kernel); },
          [](Simulation& s, const std::string& k) {
            option_setter(s, &nb::WisdomHolmanOptions::kernel, nb::kernel_from_string(k));
          },
          "standard, modified-kick or lazy.")
      .def_property(
          "safe_mode", [](const Simulation& s) { return !s.options().fast; },
          [](Simulation& s, bool safe) { option_setter(s, &nb::WisdomHolmanOptions::fast, !safe); },
          "True: synchronize after every step (slower); False (default): the unsynchronized fast mode.")
      .def_property(
          "threads", [](const Simulation& s) { return s.options().threads; },
          [](Simulation& s, int t) {
            if (t < 0) throw InvalidInput("threads must be >= 0");
            option_setter(s, &nb::WisdomHolmanOptions::threads, t);
          },
          "OpenMP threads for the test particles (0: OpenMP's default).")
      .def("copy", [](const Simulation& s) { return Simulation(s); },
           "An independent copy that continues bit for bit as this one would.")
      .def("__copy__", [](const Simulation& s) { return Simulation(s); })
      .def("__deepcopy__", [](const Simulation& s, py::dict) { return Simulation(s); }, py::arg("memo"))
      .def(py::pickle(
          [](const Simulation& s) {
            const auto& o = s.options();
            return py::make_tuple(nb::system_to_json(s.state()), o.dt, o.corrector, nb::to_string(o.coordinates),
                                  nb::to_string(o.kernel), o.fast, o.threads, s.residual());
          },
          [](const py::tuple& t) {
            if (t.size() != 8) throw InvalidInput("not a pickled noether.Simulation");
            Simulation s(nb::system_from_json(t[0].cast<std::string>(), "pickle"), t[1].cast<double>());
            nb::WisdomHolmanOptions o = s.options();
            o.corrector = t[2].cast<int>();
            o.coordinates = nb::coordinates_from_string(t[3].cast<std::string>());
            o.kernel = nb::kernel_from_string(t[4].cast<std::string>());
            o.fast = t[5].cast<bool>();
            o.threads = t[6].cast<int>();
            s.set_options(o);
            if (!t[7].cast<std::string>().empty()) s.load_residual(t[7].cast<std::string>());
            return s;
          }))
      .def("__repr__", [](const Simulation& s) {
        std::ostringstream os;
        if (s.broken()) return std::string("<noether.Simulation: broken down at t = ") + std::to_string(s.time()) + ">";
        const auto& o = s.options();
        os << "<noether.Simulation '" << s.state().name << "': " << s.bodies() << " bodies, " << s.test_particles()
           << " test particles, t = " << s.time() << ", dt = " << o.dt << ", " << nb::to_string(o.coordinates)
           << ", corrector " << o.corrector << ", " << s.interaction() << ">";
        return os.str();
      });
}

}  // namespace noether::python
