"""One matching run: read and validate, retrieve and re-rank, assign, summarise, write (``docs/matching.md``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.context import Context, resolve
from workshift.data import load_pack
from workshift.errors import InputError
from workshift.files import atomic_path, write_text_atomic
from workshift.services.matching.assign import CANDIDATES, Assignment, assign, greedy_top_n
from workshift.services.matching.data import Seekers, Vacancies, load_seekers, load_vacancies
from workshift.services.matching.explain import assignment_view, seeker_view, vacancy_view
from workshift.services.matching.features import DEFAULT_INDEX, MatchContext
from workshift.services.matching.html import render_html
from workshift.services.matching.report import summarise
from workshift.services.matching.resolve import OccupationResolver
from workshift.services.matching.retrieve import EXACT_PAIRS, Candidates, retrieve
from workshift.services.matching.score import (
    FEASIBLE,
    GATE_PENALTY,
    GOOD_MATCH,
    PAY_SHARE,
    Tables,
    Weights,
    empty_topk,
    exact_top_seekers,
)


@dataclass
class MatchResult:
    seekers: Seekers
    vacancies: Vacancies
    ctx: MatchContext
    tables: Tables
    candidates: Candidates
    top: int
    baseline: Assignment  # the plain top-N outcome
    assignment: Assignment | None
    summary: dict
    meta: dict
    threshold: float = GOOD_MATCH
    _reverse: dict = field(default_factory=dict)

    def top_seekers(self, top: int) -> tuple[np.ndarray, np.ndarray]:
        """Each vacancy's best ``top`` seekers (scores, positions): exact for small runs, else from the graph."""
        if top not in self._reverse:
            n, m = len(self.seekers), len(self.vacancies)
            if n * m <= EXACT_PAIRS:
                self._reverse[top] = exact_top_seekers(self.tables, top)
            else:
                self._reverse[top] = _from_graph(self.candidates, m, top, self.tables.s_key)
        return self._reverse[top]

    @property
    def reverse_method(self) -> str:
        n, m = len(self.seekers), len(self.vacancies)
        return "exact" if n * m <= EXACT_PAIRS else f"candidate graph ({self.candidates.k} per seeker)"


def _from_graph(candidates: Candidates, m: int, top: int, s_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    seeker, slot = np.nonzero(candidates.ids >= 0)
    vacancy, score = candidates.ids[seeker, slot], candidates.scores[seeker, slot]
    order = np.lexsort((s_key[seeker], -score, vacancy))
    vacancy, seeker, score = vacancy[order], seeker[order], score[order]
    starts = np.searchsorted(vacancy, np.arange(m))
    rank = np.arange(len(vacancy)) - starts[vacancy]
    keep = rank < top
    scores, ids = empty_topk(m, top)
    scores[vacancy[keep], rank[keep]] = score[keep]
    ids[vacancy[keep], rank[keep]] = seeker[keep]
    return scores, ids


def run_match(seekers_file: str | Path, vacancies_file: str | Path, top: int = 10, *, do_assign: bool = False,
              groups: list[str] | None = None, index: str = DEFAULT_INDEX, weights: Weights | None = None,
              candidates: int | None = None, method: str = "auto", threads: int | None = None, seed: int = 0,
              pack=None, data_dir=None, home=None, context: Context | None = None) -> MatchResult:
    """Rank every seeker's top vacancies (and, with ``do_assign``, assign them under openings).

    ``context`` names the data dir and the store (``data_dir`` / ``home`` still override it); ``pack`` is the
    US pack when already in memory (else read from the context's home).
    """

    if top < 1:
        raise InputError(f"top must be at least 1 (got {top})", parameter="top")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    where = resolve(context, data_dir, home)
    pack = pack if pack is not None else load_pack("us", home=where.home)
    weights = weights or Weights()
    ctx = MatchContext.from_pack(pack, index=index)
    resolver = OccupationResolver(pack, context=where)
    vacancies = load_vacancies(vacancies_file, ctx, resolver)
    seekers = load_seekers(seekers_file, ctx, resolver, groups=groups)
    timings["read_validate"] = time.perf_counter() - started
    tables = Tables.build(seekers, vacancies, ctx, weights)
    k = max(top, candidates or (CANDIDATES if do_assign else top))
    found = retrieve(tables, k, method=method, threads=threads, seed=seed, n_states=len(ctx.states))
    timings["retrieve"] = found.stats.get("seconds", 0.0)
    baseline = greedy_top_n(found.scores, found.ids, vacancies.openings, top, tables.v_key)
    assignment = assign(found.scores, found.ids, vacancies.openings) if do_assign else None
    if assignment is not None:
        timings["assign"] = assignment.stats["seconds"]
    summary = summarise(found, top, vacancies.openings, baseline, assignment, seekers.frame, seekers.groups,
                        GOOD_MATCH)
    timings["total"] = time.perf_counter() - started
    meta = {
        **ctx.meta, "inputs": {"seekers": seekers.source, "vacancies": vacancies.source},
        "weights": weights.to_dict(), "good_match_threshold": GOOD_MATCH, "top": top, "candidates": k,
        "gates": {"pay_share_of_desired_wage": PAY_SHARE, "feasibility_of_a_move": FEASIBLE,
                  "penalty": GATE_PENALTY, "no_stated_pay": "pay factor 0, never a good match"},
        "skill_coverage": "importance-weighted (O*NET IM -> weights 1-7) over the listed plus the occupation's "
                          "core skills",
        "retrieval": {"method": found.method, **{a: v for a, v in found.stats.items() if not a.startswith("sec")}},
        "assignment": {"method": assignment.method, **assignment.stats} if assignment else None,
        "imputed": {"desired_wage": int(seekers.desired_imputed.sum()), "wage": int(vacancies.wage_imputed.sum()),
                    "required_skills_from_occupation": int(vacancies.skills_from_occupation.sum())},
        "occupation_resolution": _resolution_counts(seekers.resolution, vacancies.resolution),
        "seconds": {k2: round(v, 3) for k2, v in timings.items()}, "seed": seed,
    }
    return MatchResult(seekers, vacancies, ctx, tables, found, top, baseline, assignment, summary, meta)


def _resolution_counts(*tables: pd.DataFrame) -> dict:
    both = pd.concat(tables, ignore_index=True).drop_duplicates("value")
    return {str(k): int(v) for k, v in both["method"].value_counts().items()}


def output_paths(out: str | Path) -> dict[str, Path]:
    """``matches.csv`` -> itself, ``matches.by_vacancy.csv``, ``matches.assignment.csv``, ``matches.meta.json``."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InputError(f"out must end in .csv or .parquet (got '{out.name}')", parameter="out")
    stem = out.with_suffix("")
    return {"seekers": out, "vacancies": Path(f"{stem}.by_vacancy{suffix}"),
            "assignment": Path(f"{stem}.assignment{suffix}"), "meta": Path(f"{stem}.meta.json")}


class TableWriter:
    """Writes a table in chunks to CSV or Parquet, atomically (the target appears only when complete)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() != ".csv"
        self._writer = None
        self._first = True

    def __enter__(self) -> TableWriter:

        self._atomic = atomic_path(self.path, suffix=self.path.suffix)
        self._tmp = self._atomic.__enter__()
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if not self.parquet:
            frame.to_csv(self._tmp, index=False, header=self._first, mode="w" if self._first else "a")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            # categoricals arrive with per-chunk dictionaries: plain strings (Parquet dictionary-encodes them)
            table = table.cast(pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type)
                                          else f for f in table.schema]))
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._tmp, table.schema)
            self._writer.write_table(table)
        self._first = False

    def __exit__(self, *exc) -> None:
        if self._writer is not None:
            self._writer.close()
        self._atomic.__exit__(*exc)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    with TableWriter(path) as writer:
        writer.write(frame)


SEEKERS_PER_CHUNK = 200_000  # bounds the memory of the seeker view at a million seekers


def write_outputs(result: MatchResult, out: str | Path, lang: str = "en", explanations: bool = True,
                  html: str | Path | None = None) -> dict[str, Path]:
    """Write the seeker view, reverse view, assignment (when run), metadata JSON and optional HTML summary."""

    paths = output_paths(out)
    with TableWriter(paths["seekers"]) as writer:
        for start in range(0, len(result.seekers), SEEKERS_PER_CHUNK):
            part = slice(start, start + SEEKERS_PER_CHUNK)
            writer.write(seeker_view(result, result.top, lang, explanations, part))
    write_table(vacancy_view(result, result.top, lang, explanations), paths["vacancies"])
    if result.assignment is not None:
        write_table(assignment_view(result, lang, explanations), paths["assignment"])
    else:
        paths.pop("assignment")
    meta = {**result.meta, "reverse_view": result.reverse_method, "summary": result.summary}
    write_text_atomic(paths["meta"], json.dumps(meta, indent=2, ensure_ascii=False, default=str))
    if html is not None:

        paths["html"] = write_text_atomic(html, render_html(result, lang))
    return paths
