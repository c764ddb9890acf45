"""Agent storage and moves for agents mode (numba): every worker is one slot in its node's segment.

Layout: ``ids[s]`` (int32, persistent agent id) and ``start[s]`` (uint16, the step at which the agent's
current unemployment spell began, on an internal clock offset by :data:`CLOCK0`) for each slot s. Node i
owns slots [base[i], base[i] + cap[i]); inside, regions follow one another: 0 employed, 1 unemployed,
2 graduates, 3 flexible, 4 training, 5 inactive, then free slots. ``off[i, r]`` is where region r starts
(relative to base[i]); ``off[i, R]`` is the node's size. An agent's node and state follow from its slot, so
per-agent state is 6 bytes (plus the free-slot slack). Moves swap slots inside a node's segment; a hire moves
an agent to another node's segment. Everything here is plain integer arrays, so a GPU port (torch/JAX)
can follow the same phases: draw counts, pick and remove per source node, insert per destination node.
"""

from __future__ import annotations

import numpy as np
from numba import njit

R = 6
EMPLOYED, UNEMPLOYED, GRADUATE, FLEXIBLE, TRAINING, INACTIVE = range(R)
CLOCK0 = 4096  # internal clock at step 0 (lets initial spells start "before" the run)


@njit(cache=True, inline="always")
def mix64(x):
    """splitmix64 finaliser: a counter-based hash for reproducible per-node random streams."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always")
def next_below(state, bound):
    """A uniform integer in [0, bound) from the xorshift64* stream in ``state[0]``."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= (x << np.uint64(25)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(27)
    state[0] = x
    r = (x * np.uint64(0x2545F4914F6CDD1D)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return np.int64((r >> np.uint64(11)) % np.uint64(bound))


@njit(cache=True, inline="always")
def _move(ids, start, src, dst):
    ids[dst] = ids[src]
    start[dst] = start[src]


@njit(cache=True)
def remove_at(ids, start, base, off, i, r, p):
    """Take the agent at absolute slot p (in region r of node i) out; returns (id, spell start)."""
    agent = ids[p]
    began = start[p]
    hole = base[i] + off[i, r + 1] - 1
    _move(ids, start, hole, p)
    for q in range(r + 1, R):  # each later region shifts left by one: its last agent fills the hole
        if off[i, q + 1] > off[i, q]:
            last = base[i] + off[i, q + 1] - 1
            _move(ids, start, last, hole)
            hole = last
    for q in range(r + 1, R + 1):
        off[i, q] -= 1
    return agent, began


@njit(cache=True)
def insert(ids, start, base, off, i, r, agent, began):
    """Put an agent at the end of region r of node i (the caller guarantees a free slot)."""
    hole = base[i] + off[i, R]
    for q in range(R - 1, r, -1):  # each later region shifts right by one: its first agent fills the hole
        if off[i, q + 1] > off[i, q]:
            first = base[i] + off[i, q]
            _move(ids, start, first, hole)
            hole = first
    ids[hole] = agent
    start[hole] = began
    for q in range(r + 1, R + 1):
        off[i, q] += 1


@njit(cache=True)
def separate(ids, start, base, off, i, p, now):
    """Employed at slot p -> unemployed (adjacent regions: one swap and a boundary shift)."""
    last = base[i] + off[i, UNEMPLOYED] - 1
    agent = ids[p]
    _move(ids, start, last, p)
    ids[last] = agent
    start[last] = now
    off[i, UNEMPLOYED] -= 1


@njit(cache=True)
def pick(ids, start, base, off, i, r, rng, now, tau, want_long):
    """A uniformly random slot of region r of node i; with want_long = 1 (0) only among spells >= tau
    (< tau) steps long, by rejection (-1 keeps every agent)."""
    lo = base[i] + off[i, r]
    size = off[i, r + 1] - off[i, r]
    while True:
        p = lo + next_below(rng, size)
        if want_long < 0:
            return p
        is_long = now - np.int64(start[p]) >= tau
        if is_long == (want_long == 1):
            return p


@njit(cache=True)
def repack(ids, start, base, cap, off, new_cap):
    """Copy every segment into freshly sized segments; returns (ids, start, base)."""
    n = base.shape[0]
    new_base = np.zeros(n, dtype=np.int64)
    total = 0
    for i in range(n):
        new_base[i] = total
        total += new_cap[i]
    new_ids = np.full(total, -1, dtype=ids.dtype)
    new_start = np.zeros(total, dtype=start.dtype)
    for i in range(n):
        size = off[i, R]
        for k in range(size):
            new_ids[new_base[i] + k] = ids[base[i] + k]
            new_start[new_base[i] + k] = start[base[i] + k]
        cap[i] = new_cap[i]
    return new_ids, new_start, new_base
