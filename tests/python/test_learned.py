"""Learned Hamiltonians, particle systems and integrators from Python (issue 19)."""
import math

import pytest
import torch

import noether


def oscillator(x):
    """dx/dt of H = (q^2 + p^2) / 2, on [..., 2] states."""
    q, p = x[..., :1], x[..., 1:]
    return torch.cat([p, -q], -1)


def test_energy_gradients_from_python_equal_the_cpp_ones(hnn_model):
    model = noether.load_model(hnn_model)
    assert model.kind == "hnn" and model.state_dim == 2 and model.has_energy
    assert model.config["hidden"] == 32
    x = torch.randn(16, 2, dtype=model.dtype, generator=torch.Generator().manual_seed(0)).requires_grad_()
    h = model.energy(x)
    assert h.shape == (16,)
    (grad,) = torch.autograd.grad(h.sum(), x)
    cpp = model.energy_gradient(x.detach())
    assert torch.allclose(grad, cpp, rtol=1e-6, atol=1e-7)
    # The field is J grad H: dq/dt = dH/dp, dp/dt = -dH/dq.
    f = model(x.detach())
    assert torch.allclose(f[:, 0], cpp[:, 1], rtol=1e-6, atol=1e-7)
    assert torch.allclose(f[:, 1], -cpp[:, 0], rtol=1e-6, atol=1e-7)
    # Second derivatives through the C++ field: d(sum f)/dx by autograd against finite differences.
    x64 = x.detach().double()
    model.to(torch.float64)
    y = x64.clone().requires_grad_()
    (g,) = torch.autograd.grad(model(y).sum(), y)
    eps = 1e-6
    for k in range(2):
        e = torch.zeros_like(x64)
        e[:, k] = eps
        fd = (model(x64 + e).sum(-1) - model(x64 - e).sum(-1)) / (2 * eps)
        assert torch.allclose(g[:, k], fd, rtol=1e-5, atol=1e-7)


def test_parameters_are_the_models_own_and_train_in_place(hnn_model):
    model = noether.load_model(hnn_model).to(torch.float64)
    params = list(model.parameters())
    assert params and all(p.requires_grad for p in params)
    assert set(dict(model.named_parameters())) == set(model.state_dict())
    x = torch.randn(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    target = oscillator(x)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = (model(x) - target).pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in model.parameters())
    assert losses[-1] < losses[0]
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert "hnn" in repr(model) and model.path.endswith("spring-hnn.pt")
    assert model.eval().training is False


def test_model_errors_name_the_problem(hnn_model, graph_model, tmp_path):
    model = noether.load_model(hnn_model)
    with pytest.raises(ValueError, match=r"\[B, 2\]"):
        model(torch.zeros(3, 4, dtype=model.dtype))
    with pytest.raises(ValueError, match="float64|float32"):
        model(torch.zeros(3, 2, dtype=torch.float64 if model.dtype == torch.float32 else torch.float32))
    with pytest.raises(ValueError, match="no-such-model.pt"):
        noether.load_model(tmp_path / "no-such-model.pt")
    with pytest.raises(ValueError):
        noether.load_model(graph_model)  # a graph model: noether.ParticleSimulator reads it
    with pytest.raises(ValueError, match="float32 or"):
        model.to(torch.int32)


@pytest.mark.parametrize("scheme,order", [("rk4", 4), ("yoshida4", 4), ("leapfrog", 2), ("euler", 1)])
def test_integrate_converges_at_the_schemes_order(scheme, order):
    x0 = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    t = 2.0

    def error(steps):
        traj = noether.integrate(oscillator, x0, t / steps, steps, scheme=scheme)
        assert traj.shape == (steps + 1, 1, 2)
        exact = torch.tensor([math.cos(t), -math.sin(t)], dtype=torch.float64)
        return (traj[-1, 0] - exact).abs().max().item()
    ratio = error(40) / error(80)
    assert 2 ** order * 0.7 < ratio < 2 ** order * 1.4


def test_integrate_is_differentiable_and_symplectic_schemes_keep_energy():
    x0 = torch.tensor([[0.3, 0.8]], dtype=torch.float64, requires_grad=True)
    traj = noether.integrate(oscillator, x0, 0.01, 150, scheme="rk4", every=50)
    assert traj.shape == (4, 1, 2)
    traj[-1, 0, 0].backward()  # q(T) = q0 cos T + p0 sin T
    assert torch.allclose(x0.grad[0], torch.tensor([math.cos(1.5), math.sin(1.5)], dtype=torch.float64), atol=1e-8)
    many = torch.randn(32, 2, dtype=torch.float64)
    traj = noether.integrate(oscillator, many, 0.1, 5000, scheme="leapfrog", every=100)
    energy = 0.5 * traj.pow(2).sum(-1)
    assert ((energy - energy[0]).abs() / energy[0]).max() < 0.01


def test_integrate_runs_a_loaded_model_and_rejects_bad_input(hnn_model):
    model = noether.load_model(hnn_model)
    traj = noether.integrate(model, torch.tensor([[1.0, 0.0]], dtype=model.dtype), 0.05, 20)
    assert traj.shape == (21, 1, 2) and torch.isfinite(traj).all()
    assert "yoshida4" in noether.integrators() and "dopri5" not in noether.integrators()
    with pytest.raises(ValueError, match="rk4"):
        noether.integrate(oscillator, torch.zeros(1, 2), 0.1, 10, scheme="dopri5")
    with pytest.raises(ValueError, match="known integrators"):
        noether.integrate(oscillator, torch.zeros(1, 2), 0.1, 10, scheme="rk5")
    with pytest.raises(ValueError, match="shape"):
        noether.integrate(lambda x: x[..., :1], torch.zeros(1, 2), 0.1, 10)
    with pytest.raises(noether.NumericalError, match="step"):
        noether.integrate(lambda x: x * x, torch.ones(1, 2), 1.0, 100)
    with pytest.raises(TypeError):
        noether.integrate(3, torch.zeros(1, 2), 0.1, 10)


def test_particle_simulator_steps_batches_of_graphs(graph_model):
    sim = noether.ParticleSimulator(graph_model)
    g = torch.Generator().manual_seed(0)
    q = torch.randn(3, 4, 2, dtype=torch.float64, generator=g)
    p = 0.1 * torch.randn(3, 4, 2, dtype=torch.float64, generator=g)
    masses = 1.0 + torch.rand(3, 4, dtype=torch.float64, generator=g)
    k = 1.0 + torch.rand(3, 4, 4, dtype=torch.float64, generator=g)
    springs = 0.5 * (k + k.transpose(1, 2))
    sim.set_state(q, p, masses, springs)
    assert sim.systems == 3 and sim.integrator == "leapfrog"
    e0 = sim.energies()
    sim.step(0.01, 200)
    assert sim.q.shape == (3, 4, 2) and sim.p.shape == (3, 4, 2) and torch.isfinite(sim.q).all()
    drift = ((sim.energies() - e0).abs() / e0.abs()).max().item()
    assert drift < 0.05  # a symplectic scheme on the learned H
    # One system given alone steps as it does in the batch.
    one = noether.ParticleSimulator(graph_model)
    one.set_state(q[1], p[1], masses[1], springs[1])
    one.step(0.01, 200)
    assert torch.allclose(one.q[0], sim.q[1], rtol=0, atol=1e-10)
    with pytest.raises(ValueError):
        one.step(0.0, 10)
    with pytest.raises(ValueError):
        one.integrator = "dopri5"
