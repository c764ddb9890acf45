"""Agent storage and moves for agents mode (numba): every worker is one slot in its node's segment.

Layout: one 8-byte word per slot s, ``slots[s] = id | start << 32``: the persistent agent id (low 32 bits)
and the step at which the agent's current unemployment spell began (high bits, on an internal clock offset
by :data:`CLOCK0`), packed so that moving an agent touches one cache line. Node i
owns slots [base[i], base[i] + cap[i]); inside, regions follow one another: 0 employed, 1 unemployed,
2 graduates, 3 flexible, 4 training, 5 inactive, then free slots. ``off[i, r]`` is where region r starts
(relative to base[i]); ``off[i, R]`` is the node's size. An agent's node and state follow from its slot, so
per-agent state is 8 bytes (plus the free-slot slack). Moves swap slots inside a node's segment; a hire moves
an agent to another node's segment. Everything here is plain integer arrays, so a GPU port (torch/JAX)
can follow the same phases: draw counts, pick and remove per source node, insert per destination node.
"""

from __future__ import annotations

import numpy as np
from numba import njit

R = 6
EMPLOYED, UNEMPLOYED, GRADUATE, FLEXIBLE, TRAINING, INACTIVE = range(R)
CLOCK0 = 4096  # internal clock at step 0 (lets initial spells start "before" the run)


@njit(cache=True)
def mix64(x):
    """splitmix64 finaliser: a counter-based hash for reproducible per-node random streams."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def next_below(state, bound):
    """A uniform integer in [0, bound) from the xorshift64* stream in ``state[0]``."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= (x << np.uint64(25)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(27)
    state[0] = x
    r = (x * np.uint64(0x2545F4914F6CDD1D)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return np.int64((r >> np.uint64(11)) % np.uint64(bound))


@njit(cache=True)
def pack(agent, began):
    return np.int64(agent) | (np.int64(began) << np.int64(32))


@njit(cache=True)
def agent_of(word):
    return np.int64(word & np.int64(0xFFFFFFFF))


@njit(cache=True)
def start_of(word):
    return np.int64(word >> np.int64(32))


@njit(cache=True)
def remove_at(slots, base, off, i, r, p):
    """Take the agent at absolute slot p (in region r of node i) out; returns its packed word."""
    word = slots[p]
    hole = base[i] + off[i, r + 1] - 1
    slots[p] = slots[hole]
    for q in range(r + 1, R):  # each later region shifts left by one: its last agent fills the hole
        if off[i, q + 1] > off[i, q]:
            last = base[i] + off[i, q + 1] - 1
            slots[hole] = slots[last]
            hole = last
    for q in range(r + 1, R + 1):
        off[i, q] -= 1
    return word


@njit(cache=True)
def insert(slots, base, off, i, r, word):
    """Put an agent (packed word) at the end of region r of node i (the caller guarantees a free slot)."""
    hole = base[i] + off[i, R]
    for q in range(R - 1, r, -1):  # each later region shifts right by one: its first agent fills the hole
        if off[i, q + 1] > off[i, q]:
            first = base[i] + off[i, q]
            slots[hole] = slots[first]
            hole = first
    slots[hole] = word
    for q in range(r + 1, R + 1):
        off[i, q] += 1


@njit(cache=True)
def separate(slots, base, off, i, p, now):
    """Employed at slot p -> unemployed (adjacent regions: one swap and a boundary shift)."""
    last = base[i] + off[i, UNEMPLOYED] - 1
    word = slots[p]
    slots[p] = slots[last]
    slots[last] = pack(agent_of(word), now)
    off[i, UNEMPLOYED] -= 1


@njit(cache=True)
def pick(slots, base, off, i, r, rng, now, tau, want_long):
    """A uniformly random slot of region r of node i; with want_long = 1 (0) only among spells >= tau
    (< tau) steps long, by rejection (-1 keeps every agent)."""
    lo = base[i] + off[i, r]
    size = off[i, r + 1] - off[i, r]
    while True:
        p = lo + next_below(rng, size)
        if want_long < 0:
            return p
        is_long = now - start_of(slots[p]) >= tau
        if is_long == (want_long == 1):
            return p


@njit(cache=True)
def repack(slots, base, cap, off, new_cap):
    """Copy every segment into freshly sized segments; returns (slots, base)."""
    n = base.shape[0]
    new_base = np.zeros(n, dtype=np.int64)
    total = 0
    for i in range(n):
        new_base[i] = total
        total += new_cap[i]
    new_slots = np.full(total, -1, dtype=slots.dtype)
    for i in range(n):
        size = off[i, R]
        for k in range(size):
            new_slots[new_base[i] + k] = slots[base[i] + k]
        cap[i] = new_cap[i]
    return new_slots, new_base
