"""A matching benchmark with known answers: planted suitable vacancies, decoys and background.

For each synthetic seeker (:func:`.synth.synthesize`: OEWS cells, O*NET-drawn skills, desired wage d) the
generator plants :data:`PLANTED` suitable vacancies in the seeker's state, drawn from the data:

- ``same``: the seeker's own occupation, pay d x U(1.0, 1.3) (acceptable pay);
- ``moved``: an observed-mobility destination of the seeker's occupation, drawn in proportion to the
  empirical network's flows (CPS-ASEC, the pack's ``empirical`` network; not the fitted model), pay
  d x U(1.0, 1.3);

each listing skills drawn from its occupation's O*NET profile as :mod:`.synth` draws them. Then
:data:`DECOYS` decoys in the same state, each built to fool one simple rule:

- ``low_pay``: the seeker's own occupation at d x U(0.5, 0.8) (fools "same occupation code");
- ``no_pay``: the seeker's own occupation with no stated pay (fools "same occupation code");
- ``rich``: an occupation with no observed flow from the seeker's and a low skill cover, at d x U(1.5, 2.5)
  (fools "pay only");
- ``echo``: an occupation with no observed flow, listing one to two skills the seeker has, at d x U(1.0, 1.3)
  (fools "skills only").

Plus :data:`BACKGROUND` x n ordinary synthetic vacancies. Relevant = the seeker's planted vacancies; the score
is judged by precision@10 and recall@10 over every vacancy, against the baselines of :func:`baseline_scores`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.services.matching import synth
from workshift.services.matching.score import requirement_sets
from workshift.services.transitions_observed import node_shares, observed_flows

PLANTED = {"same": 3, "moved": 2}
DECOYS = {"low_pay": 2, "no_pay": 1, "rich": 3, "echo": 4}
BACKGROUND = 5  # ordinary vacancies per seeker
LOW_COVER = 0.6  # 'rich' decoys: the seeker's occupation covers less than this of theirs


def planted_population(pack, n_seekers: int, seed: int = 0, coverage: np.ndarray | None = None):
    """(seekers, vacancies, relevant: dict seeker_id -> set of vacancy ids, kinds: vacancy_id -> kind)."""
    rng = np.random.default_rng(seed)
    seekers, background, _ = synth.synthesize(pack, n_seekers, max(1, BACKGROUND * n_seekers), seed=seed)
    seekers = seekers[seekers["skills"].astype(str) != ""].reset_index(drop=True)
    seekers["desired_wage"] = seekers["desired_wage"].fillna(50_000)
    occ = pack.occupations.reset_index(drop=True)
    codes = pd.Index(occ["soc_code"])
    flows = observed_flows(pack, codes)[0]  # 0 within a node
    element_ids, importance = synth._skill_probabilities(pack, codes)
    ids = np.asarray(element_ids, dtype=object)
    vacancy_prob = np.clip((importance - 3.0) / 1.5, 0.0, 0.85)
    _, shares = node_shares(pack, codes)
    mapped = shares.sum(axis=1) > 0
    rows, relevant, kinds = [], {}, {}
    for s in seekers.itertuples(index=False):
        o = codes.get_loc(s.occupation)
        d_wage = float(s.desired_wage)
        unseen = np.flatnonzero((flows[o] <= 0) & mapped & (np.arange(len(codes)) != o))
        if coverage is not None:
            unseen = unseen[coverage[o, unseen] < LOW_COVER] if (coverage[o, unseen] < LOW_COVER).any() else unseen
        moves = flows[o] / flows[o].sum() if flows[o].sum() > 0 else None
        plan = [("same", o, 1.0, 1.3)] * PLANTED["same"]
        plan += [("moved", int(rng.choice(len(codes), p=moves)) if moves is not None else o, 1.0, 1.3)
                 for _ in range(PLANTED["moved"])]
        plan += [("low_pay", o, 0.5, 0.8)] * DECOYS["low_pay"] + [("no_pay", o, 0.0, 0.0)] * DECOYS["no_pay"]
        plan += [("rich", int(rng.choice(unseen)), 1.5, 2.5) for _ in range(DECOYS["rich"])]
        plan += [("echo", int(rng.choice(unseen)), 1.0, 1.3) for _ in range(DECOYS["echo"])]
        own = [x for x in str(s.skills).split(";") if x]
        for kind, d, low, high in plan:
            vid = f"P{len(rows):07d}"
            if kind == "echo":
                skills = ";".join(rng.choice(own, size=min(len(own), int(rng.integers(1, 3))), replace=False))
            else:
                skills = ";".join(ids[rng.random(len(ids)) < vacancy_prob[d]])
            wage = "" if kind == "no_pay" else str(int(round(d_wage * rng.uniform(low, high), -2)))
            rows.append({"vacancy_id": vid, "occupation": codes[d], "required_skills": skills,
                         "state": s.state, "wage": wage, "openings": 1})
            kinds[vid] = kind
            if kind in PLANTED:
                relevant.setdefault(s.seeker_id, set()).add(vid)
    vacancies = pd.concat([pd.DataFrame(rows), background.astype({"wage": str})], ignore_index=True)
    kinds |= dict.fromkeys(background["vacancy_id"], "background")
    return seekers, vacancies, relevant, kinds


def baseline_scores(tables, rows: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """len(rows) x vacancies scores of the simple rules (a tiny random jitter breaks their many ties):
    ``same occupation code`` (in the seeker's state first); ``pay only`` (stated pay / desired wage); ``skills
    only`` (share of the vacancy's listed and core elements the seeker has, unweighted)."""
    words = tables.s_bits.shape[1]
    needed = requirement_sets(tables, np.arange(len(tables.v_occ)))
    count = np.maximum(np.bitwise_count(needed).sum(axis=1), 1)
    jitter = rng.random((len(rows), len(tables.v_occ))) * 1e-6
    same = (tables.s_occ[rows][:, None] == tables.v_occ[None, :]) * (
        1.0 + 0.5 * (tables.s_state[rows][:, None] == tables.v_state[None, :]))
    desired = np.where(tables.s_wage[rows] > 0, tables.s_wage[rows], 1.0)
    pay = tables.v_wage[None, :] / desired[:, None]
    common = np.zeros((len(rows), len(tables.v_occ)))
    for k in range(words):
        common += np.bitwise_count(tables.s_bits[rows, k][:, None] & needed[None, :, k])
    return {"same occupation code": same + jitter, "pay only": pay + jitter,
            "skills only": common / count[None, :] + jitter}


def precision_recall(top_ids: np.ndarray, vacancy_ids: np.ndarray, seeker_ids: np.ndarray,
                     relevant: dict[str, set]) -> tuple[float, float]:
    """Mean precision@k and recall@k of planted vacancies in each seeker's top-k (positions, -1 = none)."""
    precision, recall = [], []
    k = top_ids.shape[1]
    for r, sid in enumerate(seeker_ids):
        truth = relevant.get(sid, set())
        if not truth:
            continue
        found = sum(vacancy_ids[j] in truth for j in top_ids[r] if j >= 0)
        precision.append(found / k)
        recall.append(found / len(truth))
    return float(np.mean(precision)), float(np.mean(recall))
