"""Accuracy of the CSCO->SOC crosswalk on the hand-checked sample, and the seeded draw of its evaluation part.

The sample is ``services/data/csco_soc_checked.csv`` (see ``docs/occupations.md``): one row per CSCO 2022
level-4 occupation with the SOC 2018 occupations a person accepted as right (closest first; ``25-1*``
accepts any postsecondary teacher). Its ``subset`` column splits it in parts:

- ``random`` and ``common`` (102 codes, the first issue-16 session): the **tuning** part. The temperature,
  the major-group prior and the hubness weight were chosen on it.
- ``eval`` (220 codes, drawn by :func:`draw`): the **evaluation** part, never used to choose a parameter.
- ``served``: answers added for serving only (not part of any accuracy figure).

A code's prediction is right at k when one of its accepted SOC codes is among the crosswalk's first k
candidates. ``python -m workshift.services.crosswalk_accuracy`` prints the figures of the shipped build
(``--draw`` prints the evaluation draw instead, to check that it is reproducible).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.data.csco import load_csco
from workshift.services import crosswalk_packaged
from workshift.services.crosswalk_csco import CHECKED_FILE

TUNING = ("random", "common")
EVALUATION = ("eval",)
KS = (1, 5, 10)
# The evaluation draw: uniform within each CSCO major group, excluding the codes checked before it. Small groups get
# 15 codes so that each is measured at all; the other 175 are split by group size (493 / 354 / 670).
DRAW_SEED = 20261207
DRAW_SIZES = {"1": 15, "2": 57, "3": 15, "4": 41, "5": 15, "6": 77}


def sample(part: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The hand-checked rows (all, or those whose ``subset`` is in ``part``), with ``gold`` as a list."""
    table = pd.read_csv(CHECKED_FILE, dtype=str, keep_default_na=False)
    if part is not None:
        table = table[table["subset"].isin(part)]
    return table.assign(gold=table["soc_codes"].str.split()).reset_index(drop=True)


def draw(
    csco: pd.DataFrame, exclude: set[str], seed: int = DRAW_SEED, sizes: dict | None = None
) -> pd.DataFrame:
    """The stratified random draw of CSCO level-4 occupations (code order within each major group).

    ``exclude``: the codes checked before the draw (the tuning and ``served`` rows).
    """
    occupations = csco[csco["level"] == 4].sort_values("code")
    rng = np.random.default_rng(seed)
    picks = []
    for major, n in (sizes or DRAW_SIZES).items():
        pool = occupations[(occupations["code"].str[0] == major) & ~occupations["code"].isin(exclude)]
        picks.append(pool.iloc[np.sort(rng.choice(len(pool), n, replace=False))])
    return pd.concat(picks)[["code", "name"]].reset_index(drop=True)


def right(code: str, accepted: list[str]) -> bool:
    """Whether a SOC code is one of the accepted answers (``25-1*`` accepts any code starting ``25-1``)."""
    return any(code == a or (a.endswith("*") and code.startswith(a[:-1])) for a in accepted)


def hits(crosswalk: pd.DataFrame, rows: pd.DataFrame, ks: tuple[int, ...] = KS) -> pd.DataFrame:
    """Per checked code: whether an accepted answer is within the first k candidates (columns ``top1``…).

    ``crosswalk`` is the candidate table (``csco_code``, ``rank``, ``soc_code``). A code without candidates
    counts as wrong at every k.
    """
    ranked = crosswalk.sort_values(["csco_code", "rank"]).groupby("csco_code")["soc_code"].agg(list)
    out = {}
    for k in ks:
        out[f"top{k}"] = [
            any(right(s, gold) for s in ranked.get(code, [])[:k])
            for code, gold in zip(rows["csco_code"], rows["gold"], strict=True)
        ]
    return pd.DataFrame(out, index=rows["csco_code"])


def figures(crosswalk: pd.DataFrame, part: tuple[str, ...], ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Top-k accuracy of ``crosswalk`` on one part of the sample (``n`` = its number of codes)."""
    rows = sample(part)
    table = hits(crosswalk, rows, ks)
    return {"n": len(rows), **{c: round(float(table[c].mean()), 3) for c in table.columns}}


def by_major(crosswalk: pd.DataFrame, part: tuple[str, ...]) -> pd.DataFrame:
    """Top-k accuracy by CSCO major group (first digit of the code) on one part."""
    rows = sample(part)
    table = hits(crosswalk, rows).assign(major=rows["csco_code"].str[0].to_numpy())
    grouped = table.groupby("major")
    return grouped.mean().round(3).assign(n=grouped.size())


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - maintenance printout
    import argparse


    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", action="store_true", help="print the evaluation draw and compare it")
    args = parser.parse_args(argv)
    if args.draw:
        drawn = draw(load_csco(), set(sample((*TUNING, "served"))["csco_code"]))
        kept = set(sample(EVALUATION)["csco_code"])
        print(drawn.to_string(index=False))
        print(f"{len(drawn)} drawn; the same as the sample's evaluation part: {set(drawn['code']) == kept}")
        return
    shipped = pd.read_parquet(crosswalk_packaged.shipped_path(".parquet"))
    for name, part in (("tuning", TUNING), ("evaluation", EVALUATION)):
        print(name, figures(shipped, part))
        print(by_major(shipped, part).to_string())


if __name__ == "__main__":  # pragma: no cover
    main()
