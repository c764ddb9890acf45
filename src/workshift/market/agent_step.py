"""Agents mode, phases 2 and 3: move the drawn numbers of agents (numba, parallel over nodes).

Phase 2 (per source node, in parallel): pick the hired agents uniformly at random from their region
(unemployed by spell class, flexible searchers, graduates) and write them to the destination buffer; then
the within-node moves (flexible -> unemployed, graduation, re-entry, exits of the unemployed, employed ->
flexible, separations), newest entrants last so that nobody moves twice in a step. Phase 3 (per destination
node, in parallel): the hired agents join the employed region of their new node. Work per step follows the
flows, not the stock: an employed worker who keeps the job is never touched.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from workshift.market.agent_moves import (
    EMPLOYED,
    FLEXIBLE,
    GRADUATE,
    INACTIVE,
    TRAINING,
    UNEMPLOYED,
    insert,
    mix64,
    next_below,
    pack,
    pick,
    remove_at,
    start_of,
)
from workshift.market.kernels import serial_twin


@njit(cache=True)
def layout(n, ptr1, idx1, cptr1, cperm1, hired1, ptr2, idx2, cptr2, cperm2, hired2, hires_in, complete,
           src_hired, boff1, boff2, src_off):
    """Buffer offsets: destination j's hires occupy [dst[j], dst[j+1]); each CSR entry (source i -> j) gets
    its own slice (pool 1, then pool 2). For the complete network, sources own slices (src_off) instead."""
    dst = np.zeros(n + 1, dtype=np.int64)
    for j in range(n):
        dst[j + 1] = dst[j] + hires_in[j]
    for j in range(n):
        at = dst[j]
        if not complete:
            for c in range(cptr1[j], cptr1[j + 1]):
                k = cperm1[c]
                boff1[k] = at
                at += hired1[k]
        for c in range(cptr2[j], cptr2[j + 1]):
            k = cperm2[c]
            boff2[k] = at
            at += hired2[k]
    at = 0
    for i in range(n):  # complete network: pool-1 hires laid out by source, shuffled before phase 3
        src_off[i] = at
        at += src_hired[i]
    return dst


@njit(cache=True)
def _take(slots, base, off, i, r, rng, now, tau, klass, rem, comp):
    """Pick and remove one agent of region r (klass: 1 long spell, 0 short, -1 any); book its spell.
    Returns the agent's packed word."""
    p = pick(slots, base, off, i, r, rng, now, tau, klass)
    word = remove_at(slots, base, off, i, r, p)
    if r == UNEMPLOYED or r == GRADUATE:
        d = now - start_of(word)
        b = min(d, tau) - 1
        rem[i, b] += 1
        if comp.shape[1] > 0 and r == UNEMPLOYED:
            comp[i, min(d, comp.shape[1] - 1)] += 1
    return word


@njit(cache=True)
def _take_searcher(slots, base, off, i, rng, now, tau, rem, comp, unclassed, left_long, left_short, left_f):
    """Pick one hired searcher of node i from the classes still owed (any unemployed, long or short spells,
    flexible), with probability proportional to what each class still owes; returns the agent's word and the
    updated counts."""
    r = next_below(rng, unclassed + left_long + left_short + left_f)
    if r < unclassed:
        return _take(slots, base, off, i, UNEMPLOYED, rng, now, tau, -1, rem, comp), unclassed - 1, left_long, \
            left_short, left_f
    if r < unclassed + left_long:
        return _take(slots, base, off, i, UNEMPLOYED, rng, now, tau, 1, rem, comp), unclassed, left_long - 1, \
            left_short, left_f
    if r < unclassed + left_long + left_short:
        return _take(slots, base, off, i, UNEMPLOYED, rng, now, tau, 0, rem, comp), unclassed, left_long, \
            left_short - 1, left_f
    return _take(slots, base, off, i, FLEXIBLE, rng, now, tau, -1, rem, comp), unclassed, left_long, left_short, \
        left_f - 1


@njit(cache=True)
def separate_block(slots, base, off, i, count, rng, now):
    """Separate ``count`` employed agents of node i: a block of consecutive slots from a uniformly random
    start (wrapping around), swapped to the end of the employed region, whose boundary then moves. Every
    employed agent is separated with probability count / e_i, as in the model, while the memory is read in
    order (systematic sampling with a random start; the agents' order in the region is itself shuffled by
    every earlier removal)."""
    size = off[i, UNEMPLOYED]
    if count <= 0 or size <= 0:
        return
    lo = base[i]
    first = next_below(rng, size)
    tail = size - count  # the block ends up in [tail, size): the first slots of the unemployed region
    q = tail
    for m in range(count):  # swap the block's slots outside the tail with the tail's slots outside the block
        p = first + m  # (first + m) mod size, by one conditional subtraction: a division costs ~30 cycles
        if p >= size:
            p -= size
        if p >= tail:
            continue
        while True:  # skip tail slots that lie inside the block: (q - first) mod size < count
            d = q - first
            if d < 0:
                d += size
            if d >= count:
                break
            q += 1
        word = slots[lo + p]
        slots[lo + p] = slots[lo + q]
        slots[lo + q] = word
        q += 1
    for m in range(count):
        q = lo + tail + m
        slots[q] = pack(slots[q] & 0xFFFFFFFF, now)
    off[i, UNEMPLOYED] -= count


@njit(cache=True)
def _age(hist, rem, i, entrants):
    tau = hist.shape[1]
    last = hist[i, tau - 1] - rem[i, tau - 1]
    for b in range(tau - 1, 0, -1):
        hist[i, b] = hist[i, b - 1] - rem[i, b - 1]
    if tau > 1:
        hist[i, tau - 1] += last
        hist[i, 0] = entrants
    else:
        hist[i, 0] = entrants + last


def _move_sources(slots, base, off, counts, ptr1, hired1, boff1, ptr2, hired2, boff2, complete, src_off,
                 buffer, hist, ghist, comp, now, tau, seed, step_no, training, classes, order):
    n = base.shape[0]
    rem = np.zeros(hist.shape, dtype=np.int64)
    grem = np.zeros(hist.shape, dtype=np.int64)
    for slot in prange(n):
        i = order[slot]
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = mix64(np.uint64(seed) ^ mix64(np.uint64(step_no * n + i + 1))) | np.uint64(1)
        # hires from pool 1: each goes to its entry's buffer slice, class drawn without replacement
        left_long, left_short, left_f = counts[4, i], counts[3, i] - counts[4, i], counts[5, i]
        if not classes:  # no flow depends on the spell class: any unemployed agent, no rejection sampling
            left_long, left_short = 0, 0
            unclassed = counts[3, i]
        else:
            unclassed = 0
        if complete:
            for m in range(counts[17, i]):
                agent, unclassed, left_long, left_short, left_f = _take_searcher(
                    slots, base, off, i, rng, now, tau, rem, comp, unclassed, left_long, left_short, left_f)
                buffer[src_off[i] + m] = agent
        else:
            for k in range(ptr1[i], ptr1[i + 1]):
                for m in range(hired1[k]):
                    agent, unclassed, left_long, left_short, left_f = _take_searcher(
                        slots, base, off, i, rng, now, tau, rem, comp, unclassed, left_long, left_short, left_f)
                    buffer[boff1[k] + m] = agent
        if training:
            g_long, g_short = counts[7, i], counts[6, i] - counts[7, i]
            for k in range(ptr2[i], ptr2[i + 1]):
                for m in range(hired2[k]):
                    r = next_below(rng, g_long + g_short)
                    if r < g_long:
                        agent = _take(slots, base, off, i, GRADUATE, rng, now, tau, 1, grem, comp[:, :0])
                        g_long -= 1
                    else:
                        agent = _take(slots, base, off, i, GRADUATE, rng, now, tau, 0, grem, comp[:, :0])
                        g_short -= 1
                    buffer[boff2[k] + m] = agent
        # within-node moves; agents leaving first, entrants inserted last
        f2u = np.empty(counts[13, i], dtype=slots.dtype)
        for m in range(f2u.size):
            f2u[m] = _take(slots, base, off, i, FLEXIBLE, rng, now, tau, -1, rem, comp[:, :0])
        grads = np.empty(counts[15, i], dtype=slots.dtype)
        for m in range(grads.size):
            grads[m] = _take(slots, base, off, i, TRAINING, rng, now, tau, -1, rem, comp[:, :0])
        back = np.empty(counts[16, i], dtype=slots.dtype)
        for m in range(back.size):
            back[m] = _take(slots, base, off, i, INACTIVE, rng, now, tau, -1, rem, comp[:, :0])
        for row, klass, region in ((12, 1, INACTIVE), (9, 1, FLEXIBLE), (11, 1, TRAINING), (8, 0, FLEXIBLE),
                                   (10, 0, TRAINING)):
            for _m in range(counts[row, i]):
                agent = _take(slots, base, off, i, UNEMPLOYED, rng, now, tau, klass, rem, comp[:, :0])
                insert(slots, base, off, i, region, agent)
        for _m in range(counts[14, i]):
            agent = _take(slots, base, off, i, EMPLOYED, rng, now, tau, -1, rem, comp[:, :0])
            insert(slots, base, off, i, FLEXIBLE, agent)
        separate_block(slots, base, off, i, counts[0, i], rng, now)
        for m in range(f2u.size):
            insert(slots, base, off, i, UNEMPLOYED, pack(f2u[m] & 0xFFFFFFFF, now))
        for m in range(back.size):
            insert(slots, base, off, i, UNEMPLOYED, pack(back[m] & 0xFFFFFFFF, now))
        for m in range(grads.size):
            insert(slots, base, off, i, GRADUATE, pack(grads[m] & 0xFFFFFFFF, now))
        _age(hist, rem, i, counts[0, i] + counts[13, i] + counts[16, i])
        _age(ghist, grem, i, counts[15, i])


def _move_destinations(slots, base, off, buffer, dst, order):
    n = base.shape[0]
    for slot in prange(n):
        j = order[slot]
        for m in range(dst[j], dst[j + 1]):
            insert(slots, base, off, j, EMPLOYED, buffer[m])


# Parallel over nodes for big populations; serial variants compile much faster and win for small ones. The
# serial builds get their own names (serial_twin): numba's on-disk cache keys a function by name and bytecode,
# not by compile flags, so with one name the parallel kernel loaded the serial build from the cache whenever
# the serial one had been compiled first (the benchmark ran single-threaded; found 2026-11-26).
move_sources = njit(cache=True, parallel=True)(_move_sources)
move_sources_serial = njit(cache=True)(serial_twin(_move_sources))
move_destinations = njit(cache=True, parallel=True)(_move_destinations)
move_destinations_serial = njit(cache=True)(serial_twin(_move_destinations))
PARALLEL_MIN_AGENTS = 1_000_000


@njit(cache=True)
def shuffle(buffer, count, seed, step_no):
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = mix64(np.uint64(seed) ^ mix64(np.uint64(step_no) + np.uint64(0xABCDEF))) | np.uint64(1)
    for k in range(count - 1, 0, -1):
        r = next_below(rng, k + 1)
        tmp = buffer[k]
        buffer[k] = buffer[r]
        buffer[r] = tmp
