# %% [markdown]
# # Learned Hamiltonians and noether's integrators from Python
#
# `noether.load_model` reads a model of `noether train`; its energy and vector field run in C++
# and stay differentiable with torch. `noether.integrate` runs noether's schemes on any Python
# field. Make the model first:
#
#     build/apps/noether train --system spring --model hnn --out spring-hnn.pt
#
# then run `python3 examples/python/learned_hamiltonian.py [MODEL]` (build tree: `PYTHONPATH=build/python`).

# %%
import sys

import torch

import noether

path = next((a for a in sys.argv[1:] if not a.startswith("--")), "spring-hnn.pt")
model = noether.load_model(path)
print(model)

# %% The learned energy and its gradient, by torch's autograd through the C++ model.
x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=model.dtype, requires_grad=True)
H = model.energy(x)
(dH,) = torch.autograd.grad(H.sum(), x)
print("H:", H.detach().tolist())
print("dH/dx from Python equals the C++ gradient:", torch.allclose(dH, model.energy_gradient(x.detach())))

# %% A rollout of the learned field with RK4, and the energy it keeps.
traj = noether.integrate(model, x.detach(), dt=0.1, steps=300, scheme="rk4", every=30)
energies = model.energy(traj.reshape(-1, 2)).reshape(traj.shape[:2]).detach()
print("learned energy along the rollout (first state):", [round(e, 4) for e in energies[:, 0].tolist()])

# %% Any Python field: a pendulum with the symplectic Yoshida scheme (q, p along the last axis).
def pendulum(s):
    q, p = s[..., :1], s[..., 1:]
    return torch.cat([p, -torch.sin(q)], -1)

start = torch.tensor([[2.0, 0.0]], dtype=torch.float64)
path = noether.integrate(pendulum, start, dt=0.05, steps=2000, scheme="yoshida4", every=200)
energy = 0.5 * path[..., 1] ** 2 - torch.cos(path[..., 0])
print(f"pendulum energy over 2000 yoshida4 steps: max change {(energy - energy[0]).abs().max().item():.1e}")
