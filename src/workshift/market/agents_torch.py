"""Agents mode on PyTorch (GPU where one is present): the paper's model, one record per worker.

The CPU agents mode (:mod:`workshift.market.agents`) follows the flows with numba; this port keeps every
agent's state in two int16 tensors (node, unemployment spell: -1 while employed), 4 bytes per agent, and
runs each step as a few whole-tensor passes, which is what a GPU is good at:

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
    node = torch.as_tensor(node_np, device=device)
    spell = torch.as_tensor(spell_np, device=device)
    offsets = torch.arange(n, device=device, dtype=torch.float64)

    def counts() -> tuple[torch.Tensor, torch.Tensor]:
        both = torch.bincount(node.long() * 2 + (spell >= 0), minlength=2 * n).view(n, 2).double()
        return both[:, 0], both[:, 1]

    e, u = counts()
    v = torch.as_tensor(model.initial_state(batch=1).v[0] / scale, **f64)
    series = np.zeros((4, steps + 1))

    def record(t: int) -> None:
        ltu = (spell >= tau - 1).sum()
        series[:, t] = [float(e.sum()) * scale, float(u.sum()) * scale, float(ltu) * scale, float(v.sum()) * scale]

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
        draw = torch.rand(agents, generator=gen, device=device)
        node_l = node.long()
        unemployed = (spell >= 0) & (Av > 0)[node_l]  # searchers with no vacancy in reach do not apply
        separated = (~unemployed) & (draw < sep_prob[node_l])
        # inverse CDF inside the searcher's own row: positions i*n .. i*n+n-1 hold i + cdf_i(j)
        dest = (torch.searchsorted(cdf, node_l.double() + draw.double()) - node_l * n).clamp_(0, n - 1)
        apps = torch.bincount(torch.where(unemployed, dest, n), minlength=n + 1)[:n].double()
        with torch.no_grad():
            x = torch.where(v > 0, apps / v.clamp(min=1e-300), float("inf"))
            success = torch.where(x > 1e-12, -torch.expm1(-x) / x, 1 - 0.5 * x)
            success = torch.minimum(torch.minimum(success, torch.ones_like(x)), 1 / x).float()
        hired = unemployed & (torch.rand(agents, generator=gen, device=device) < success[dest])
        hires = torch.bincount(torch.where(hired, dest, n), minlength=n + 1)[:n].double()
        node = torch.where(hired, dest.to(torch.int16), node)
        aged = torch.where(spell >= 0, (spell + 1).clamp_(max=SPELL_CAP), spell)
        spell = torch.where(hired, -1, torch.where(separated, 0, aged)).to(torch.int16)
        v = v + openings - hires
        e, u = counts()
        record(t + 1)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return TorchTrajectory(*series, seconds=seconds, agents=agents, device=device)
