#!/usr/bin/env python3
"""bench/hogn_reference.py: the HOGN of noether's bench_graph written in plain PyTorch, as a user
would (issue 21's reference; used by bench/hogn_vs_python.sh, not by the library).

    /usr/bin/python3 bench/hogn_reference.py --particles 8 --hidden 128 --threads 1 [--dtype float32]

Same architecture as noether's HOGN with masses as node features: edge energy
phi_e(q_s - q_r, |q_s - q_r|, m_s, m_s, m_r, m_r), node energy phi_n(p_i, m_i, m_i), MLPs with two
softplus hidden layers and no output bias, H the sum over the edges of complete graphs and the
nodes; the field by autograd, graphs batched with index_add. Prints one JSON line per
measurement, with the keys of bench_graph: RK4 rollouts for 1, 64 and 1024 graphs (leapfrog with
--integrator leapfrog) and a training step (derivative loss, one Adam step) on --train-graphs.
"""
import argparse
import json
import time

import torch


def mlp(inputs, hidden):
    return torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.Softplus(),
                               torch.nn.Linear(hidden, hidden), torch.nn.Softplus(),
                               torch.nn.Linear(hidden, 1, bias=False))


class Hogn(torch.nn.Module):
    def __init__(self, hidden, dim=2):
        super().__init__()
        self.phi_e = mlp(dim + 1 + 4, hidden)
        self.phi_n = mlp(dim + 2, hidden)

    def energy(self, q, p, m, send, recv, graph_of_node, graphs):
        dq = q[send] - q[recv]
        dist = dq.pow(2).sum(-1, keepdim=True).clamp_min(1e-30).sqrt()
        ms, mr = m[send].unsqueeze(-1), m[recv].unsqueeze(-1)
        e_edge = self.phi_e(torch.cat([dq, dist, ms, ms, mr, mr], -1)).squeeze(-1)
        mm = m.unsqueeze(-1)
        e_node = self.phi_n(torch.cat([p, mm, mm], -1)).squeeze(-1)
        h = torch.zeros(graphs, dtype=q.dtype).index_add(0, graph_of_node[send], e_edge)
        return h.index_add(0, graph_of_node, e_node)

    def field(self, q, p, m, graph, create_graph=False):
        with torch.enable_grad():
            q = q if q.requires_grad else q.detach().requires_grad_(True)
            p = p if p.requires_grad else p.detach().requires_grad_(True)
            h = self.energy(q, p, m, *graph).sum()
            dh_dq, dh_dp = torch.autograd.grad(h, (q, p), create_graph=create_graph)
        return dh_dp, -dh_dq


def complete_graphs(graphs, n):
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    keep = i != j
    offset = (torch.arange(graphs) * n).repeat_interleave(int(keep.sum()))
    send = i[keep].repeat(graphs) + offset
    recv = j[keep].repeat(graphs) + offset
    return send, recv, torch.arange(graphs).repeat_interleave(n), graphs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--particles", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--integrator", default="rk4", choices=["rk4", "leapfrog"])
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--train-graphs", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dtype = getattr(torch, a.dtype)
    model = Hogn(a.hidden).to(dtype)
    dt = 0.01
    for graphs in (1, 64, 1024):
        n = graphs * a.particles
        graph = complete_graphs(graphs, a.particles)
        q, p = torch.randn(n, 2, dtype=dtype), torch.randn(n, 2, dtype=dtype)
        m = torch.rand(n, dtype=dtype) + 0.5

        def step(q, p):
            if a.integrator == "leapfrog":
                p = p + 0.5 * dt * model.field(q, p, m, graph)[1]
                q = q + dt * model.field(q, p, m, graph)[0]
                return q, p + 0.5 * dt * model.field(q, p, m, graph)[1]
            k1 = model.field(q, p, m, graph)
            k2 = model.field(q + 0.5 * dt * k1[0], p + 0.5 * dt * k1[1], m, graph)
            k3 = model.field(q + 0.5 * dt * k2[0], p + 0.5 * dt * k2[1], m, graph)
            k4 = model.field(q + dt * k3[0], p + dt * k3[1], m, graph)
            return (q + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
                    p + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))

        q, p = step(q, p)  # warm-up
        start = time.perf_counter()
        for _ in range(a.steps):
            q, p = step(q, p)
        seconds = (time.perf_counter() - start) / a.steps
        print(json.dumps({"bench": "hogn_rollout_python", "graphs": graphs, "particles": a.particles,
                          "hidden": a.hidden, "integrator": a.integrator, "dtype": a.dtype,
                          "seconds_per_step": seconds, "particle_steps_per_second": n / seconds}), flush=True)

    graphs = a.train_graphs
    n = graphs * a.particles
    graph = complete_graphs(graphs, a.particles)
    q, p = torch.randn(n, 2, dtype=dtype), torch.randn(n, 2, dtype=dtype)
    m = torch.rand(n, dtype=dtype) + 0.5
    target = (torch.randn(n, 2, dtype=dtype), torch.randn(n, 2, dtype=dtype))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad()
        dq, dp = model.field(q, p, m, graph, create_graph=True)
        loss = (dq - target[0]).pow(2).mean() + (dp - target[1]).pow(2).mean()
        loss.backward()
        opt.step()

    train_step()
    start = time.perf_counter()
    for _ in range(a.steps):
        train_step()
    seconds = (time.perf_counter() - start) / a.steps
    print(json.dumps({"bench": "hogn_train_step_python", "graphs": graphs, "particles": a.particles,
                      "hidden": a.hidden, "dtype": a.dtype, "seconds_per_step": seconds}), flush=True)


if __name__ == "__main__":
    main()
