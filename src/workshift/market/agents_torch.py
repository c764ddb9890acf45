"""Agents mode on PyTorch (GPU where one is present): the paper's model, one record per worker.

The CPU agents mode (:mod:`workshift.market.agents`) follows the flows with numba; this port keeps every
agent's state in two tensors (int32 node, int16 unemployment spell: -1 while employed), 6 bytes per agent;
a step makes four passes over every agent (a draw, the separation test, two compactions) and follows the
flows for the rest:

1. node-level separations and openings from the state at the start of the step (the paper's equations);
2. one uniform draw per agent: an employed worker separates when it falls under its node's separation
   probability; an unemployed worker uses the same draw to pick the occupation it applies to, by inverse CDF
   over its row of A_ij v_j / sum_k A_ik v_k (one ``searchsorted`` in a flattened, row-offset CDF);
3. applications per occupation, the success probability theta (1 - exp(-1/theta)) from the *realised*
   applications, and a second draw per applicant;
4. hired workers move to their destination, separated workers start a spell, the rest age their spell.

Vacancies stay node-level (openings in expectation), as in the CPU agents mode. Only the paper's model is
ported (no extensions, no policy hooks): it is the stretch goal of issue 3 and a check that the same
equations scale to 10^8 agents; the CPU modes remain the reference. Requires ``torch`` (not a project
dependency: ``pip install torch``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workshift.errors import InputError
from workshift.market.model import Model

SPELL_CAP = 32_000  # int16 spells saturate here (about 4,000 years of 6.75-week steps)


@dataclass
class TorchTrajectory:
    """Aggregate series (length steps + 1) in persons, and the run's speed."""

    employed: np.ndarray
    unemployed: np.ndarray
    long_term: np.ndarray
    vacancies: np.ndarray
    seconds: float
    agents: int
    device: str

    @property
    def unemployment_rate(self) -> np.ndarray:
        return self.unemployed / (self.employed + self.unemployed)

    @property
    def long_term_unemployment_rate(self) -> np.ndarray:
        return self.long_term / (self.employed + self.unemployed)

    @property
    def agent_steps_per_second(self) -> float:
        return self.agents * (len(self.employed) - 1) / self.seconds


def _initial_agents(model: Model, agents: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Nodes and spells of ``agents`` workers drawn to the model's initial state (largest remainders per
    node and status; spells from the stationary spell histogram); returns (node, spell, persons per agent)."""
    state = model.initial_state(batch=1)
    e, hist = state.e[0], state.hist[0]  # hist: (tau, n), bins 0..tau-2 = spells 1..tau-1, last = >= tau
    u = hist.sum(axis=0)
    scale = float(e.sum() + u.sum()) / agents
    want = np.concatenate([e, u]) / scale
    counts = np.floor(want).astype(np.int64)
    counts[np.argsort(-(want - counts), kind="stable")[: agents - counts.sum()]] += 1
    n = model.n
    node = np.repeat(np.tile(np.arange(n), 2), counts).astype(np.int16)
    spell = np.full(agents, -1, dtype=np.int16)
    start = int(counts[:n].sum())
    for i in range(n):  # unemployed of node i: spells drawn from its share of each bin
        k = int(counts[n + i])
        if k:
            shares = hist[:, i] / max(u[i], 1e-300)
            spell[start : start + k] = rng.choice(len(shares), size=k, p=shares / shares.sum())
            start += k
    return node, spell, scale


def run(model: Model, steps: int, agents: int, seed: int = 1, device: str | None = None) -> TorchTrajectory:
    """Simulate ``steps`` steps of the paper's model with ``agents`` workers; same seed, same numbers
    (on the same device and torch version)."""
    import time

    import torch

    p = model.params
    if p.extensions:
        raise InputError(f"the torch agents mode runs the paper's model only; turn off extensions {p.extensions}")
    if steps <= 0 or agents <= 0:
        raise InputError("steps and agents must be positive")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    gen = torch.Generator(device=device).manual_seed(seed)
    node_np, spell_np, scale = _initial_agents(model, agents, np.random.default_rng(seed))
    n, tau = model.n, p.ltu_steps
    f64 = dict(dtype=torch.float64, device=device)
    A = torch.as_tensor(model.network.matrix(), **f64)
    node = torch.as_tensor(node_np.astype(np.int32), device=device)  # int32: indexes without a copy
    spell = torch.as_tensor(spell_np, device=device)
    offsets = torch.arange(n, device=device, dtype=torch.float64)
    both = torch.bincount(node.long() * 2 + (spell >= 0), minlength=2 * n).view(n, 2).double()
    e, u = both[:, 0].clone(), both[:, 1].clone()
    v = torch.as_tensor(model.initial_state(batch=1).v[0] / scale, **f64)
    ltu = (spell >= tau - 1).sum()
    series = np.zeros((4, steps + 1))

    def record(t: int) -> None:
        series[:, t] = [float(e.sum()) * scale, float(u.sum()) * scale, float(ltu) * scale, float(v.sum()) * scale]

    def count(where: torch.Tensor) -> torch.Tensor:
        return torch.bincount(where, minlength=n).double()

    record(0)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for t in range(steps):
        target = torch.as_tensor(model.demand.at(t + 1)[0] / scale, **f64)
        gap = e + v - target
        separations = p.delta_u * e + (1 - p.delta_u) * torch.minimum(e, p.gamma_u * gap.clamp(min=0))
        openings = p.delta_v * e + (1 - p.delta_v) * torch.minimum(e, p.gamma_v * (-gap).clamp(min=0))
        sep_prob = torch.where(e > 0, separations / e.clamp(min=1e-300), 0.0).float()
        Av = A @ v
        rows = A * v[None, :] / torch.where(Av > 0, Av, 1.0)[:, None]
        cdf = (torch.cumsum(rows, dim=1) + offsets[:, None]).flatten()  # float64: rare edges stay apart
        # the only passes over every agent: one draw, the separation test, and two compactions
        draw = torch.rand(agents, generator=gen, device=device)
        searching = spell >= 0
        separated = torch.nonzero((~searching) & (draw < sep_prob[node])).squeeze(1)
        seekers = torch.nonzero(searching).squeeze(1)
        # the rest follows the flows: searchers (about u), separations (about delta_u e)
        origin = node[seekers]
        reach = (Av > 0)[origin]  # searchers with no vacancy in reach do not apply
        # inverse CDF inside the searcher's own row: positions i*n .. i*n+n-1 hold i + cdf_i(j)
        dest = (torch.searchsorted(cdf, origin.double() + draw[seekers].double()) - origin.long() * n)
        dest = dest.clamp_(0, n - 1)
        apps = count(dest[reach])
        x = torch.where(v > 0, apps / v.clamp(min=1e-300), float("inf"))
        success = torch.where(x > 1e-12, -torch.expm1(-x) / x, 1 - 0.5 * x)
        success = torch.minimum(torch.minimum(success, torch.ones_like(x)), 1 / x).float()
        # a per-period application each, a = applications per step: success a P per step
        hired = reach & (torch.rand(len(seekers), generator=gen, device=device)
                         < p.applications_per_step * success[dest])
        aged = (spell[seekers] + 1).clamp_(max=SPELL_CAP)
        ltu = ((aged >= tau - 1) & ~hired).sum() + (len(separated) if tau <= 1 else 0)
        hires, left = count(dest[hired]), count(origin[hired].long())
        seps = count(node[separated].long())
        spell[seekers] = torch.where(hired, -1, aged).to(torch.int16)
        spell[separated] = 0
        node[seekers[hired]] = dest[hired].to(torch.int32)
        e = e - seps + hires
        u = u + seps - left
        v = v + openings - hires
        record(t + 1)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return TorchTrajectory(*series, seconds=seconds, agents=agents, device=device)
