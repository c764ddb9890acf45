"""Seeker and vacancy files: read (CSV/TSV/Parquet), validate, encode for scoring.

Schemas (``docs/matching.md``):

- seekers: ``seeker_id`` (unique, non-empty), ``occupation`` (SOC / O*NET / CSCO code or an English or
  Chinese title), ``skills`` (O*NET element ids or names separated by ``;``; may be empty), ``state``
  (two-letter postal code), ``desired_wage`` (USD per year, >= 0; empty -> the OEWS mean wage of the
  seeker's occupation in their state, flagged ``desired_wage_imputed``); optional ``available_from`` (a
  date) and any group columns named for fairness reporting.
- vacancies: ``vacancy_id`` (unique), ``occupation``, ``required_skills`` (as ``skills``; empty -> the
  occupation's core O*NET skills, flagged ``skills_from_occupation``), ``state``, ``wage`` (USD per year,
  > 0; empty -> the OEWS reference, flagged ``wage_imputed``), ``openings`` (a whole number >= 1).

Every problem is reported with its rows (row 1 is the header, so row 2 is the first data row); a file with
problems is rejected whole, so valid rows are never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import DataError, closest
from workshift.files import sha256_file
from workshift.services.matching.features import MatchContext, pack_bits, popcount
from workshift.services.matching.reading import MAX_ROWS_SHOWN, Problems, read_table, row_numbers, to_number
from workshift.services.matching.resolve import OccupationResolver

SEEKER_COLUMNS = ("seeker_id", "occupation", "skills", "state", "desired_wage")
VACANCY_COLUMNS = ("vacancy_id", "occupation", "required_skills", "state", "wage", "openings")
SKILL_SEPARATORS = (";", "；")


def check_columns(frame: pd.DataFrame, required: tuple[str, ...], path: Path, what: str) -> pd.DataFrame:
    """Rename columns whose names match a required one case-insensitively; error on missing ones."""
    lower = {c.lower(): c for c in frame.columns}
    frame = frame.rename(columns={lower[r]: r for r in required if r in lower and lower[r] != r})
    missing = [r for r in required if r not in frame.columns]
    if missing:
        hints = [f"'{m}' (found '{g}'?)" for m in missing if (g := closest(m, list(frame.columns)))]
        raise DataError(
            f"the {what} file lacks required column(s): {', '.join(missing)}",
            file=path,
            row=1,
            expected="columns " + ", ".join(required),
            hint=("did you mean " + ", ".join(hints)) if hints else f"found: {', '.join(frame.columns)}",
        )
    if frame.empty:
        raise DataError(f"the {what} file has no data rows", file=path, expected=f"at least one {what[:-1]}")
    return frame


def check_ids(frame: pd.DataFrame, column: str, problems: Problems) -> None:
    ids = frame[column]
    empty = ids.isna()
    if empty.any():
        problems.add(column, row_numbers(ids.index[empty]), "empty id")
    dup = ids.duplicated(keep=False) & ~empty
    if dup.any():
        groups = ids[dup].groupby(ids[dup], sort=False).groups
        for value, index in list(groups.items())[:MAX_ROWS_SHOWN]:
            problems.add(column, row_numbers(index), f"duplicate id '{value}'")
        if len(groups) > MAX_ROWS_SHOWN:
            problems.add(column, [], f"{len(groups) - MAX_ROWS_SHOWN} more duplicated ids")


def parse_skills(values: pd.Series, ctx: MatchContext, column: str, problems: Problems) -> np.ndarray:
    """n x W bit sets of the skills written in ``values`` (unknown names are problems)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    vocab = ctx.vocabulary
    text = pa.array(values.fillna("").to_numpy(dtype=object), type=pa.string())
    for sep in SKILL_SEPARATORS[1:]:
        text = pc.replace_substring(text, sep, SKILL_SEPARATORS[0])
    lists = pc.split_pattern(text, SKILL_SEPARATORS[0])
    tokens = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parents = pc.list_parent_indices(lists).to_numpy()
    keep = pc.not_equal(tokens, "").to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(tokens.filter(pa.array(keep)))
    parents = parents[keep]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    distinct = encoded.dictionary.to_pylist()
    mask = np.zeros((len(values), vocab.size), dtype=bool)
    unknown = []
    first = np.full(len(distinct), -1, dtype=np.int64)  # a token's (first) element position
    for k, token in enumerate(distinct):
        positions = vocab.positions(token)
        if positions is None:
            unknown.append(k)
            continue
        first[k] = positions[0]
        for j in positions[1:]:  # a name of two elements ('Mathematics'): rare, so a mask per token is fine
            mask[parents[codes == k], j] = True
    known = first[codes] >= 0
    mask[parents[known], first[codes[known]]] = True
    for k in unknown[:MAX_ROWS_SHOWN]:
        rows = values.index.to_numpy()[np.unique(parents[codes == k])]
        guess = vocab.suggest(distinct[k])
        problems.add(
            column,
            row_numbers(rows),
            f"unknown skill '{distinct[k]}'",
            f"did you mean '{guess}'?" if guess else "an O*NET element id such as 2.A.1.a, or its name",
        )
    if len(unknown) > MAX_ROWS_SHOWN:
        problems.add(column, [], f"{len(unknown) - MAX_ROWS_SHOWN} more unknown skills")
    return pack_bits(mask)


def parse_states(values: pd.Series, ctx: MatchContext, column: str, problems: Problems) -> np.ndarray:
    position = ctx.state_position()
    upper = values.str.upper()
    found = upper.map(position)
    bad = found.isna()
    for value, index in upper[bad].fillna("").groupby(upper[bad].fillna(""), sort=False).groups.items():
        guess = closest(value, ctx.states) if value else None
        problems.add(
            column,
            row_numbers(index),
            f"unknown state '{value}'" if value else "empty state",
            f"did you mean '{guess}'?" if guess else "a two-letter postal code such as CA",
        )
    return found.fillna(-1).to_numpy(dtype=np.int16)


def parse_money(values: pd.Series, column: str, problems: Problems, allow_zero: bool) -> np.ndarray:
    number = to_number(values)
    bad = values.notna() & number.isna()
    if bad.any():
        problems.add(column, row_numbers(values.index[bad]), "not a number", "USD per year, e.g. 52000")
    low = number < 0 if allow_zero else number <= 0
    if low.any():
        problems.add(column, row_numbers(values.index[low]), "must be " + (">= 0" if allow_zero else "> 0"))
    return number.to_numpy(dtype=float)


def resolve_column(
    values: pd.Series, resolver: OccupationResolver, ctx: MatchContext, problems: Problems
) -> tuple[np.ndarray, pd.DataFrame]:
    """Pack positions of each row's occupation (each distinct value resolved once) and the resolution table."""
    table = resolver.resolve_many(values)
    position = dict(zip(ctx.codes, range(len(ctx.codes)), strict=True))
    table["position"] = table["soc_code"].map(position)
    found = values.map(dict(zip(table["value"], table["position"], strict=True)))
    bad = table[table["position"].isna()]
    for _, row in bad.head(MAX_ROWS_SHOWN).iterrows():
        index = values.index[(values == row["value"]).to_numpy()]
        problems.add("occupation", row_numbers(index), f"'{row['value']}': {row['problem']}", row["hint"])
    if len(bad) > MAX_ROWS_SHOWN:
        problems.add("occupation", [], f"{len(bad) - MAX_ROWS_SHOWN} more unresolved occupation values")
    empty = values.isna()
    if empty.any():
        problems.add("occupation", row_numbers(values.index[empty]), "empty occupation")
    return found.fillna(-1).to_numpy(dtype=np.int32), table


@dataclass
class Seekers:
    frame: pd.DataFrame  # the file's columns as text, in file order
    ids: np.ndarray
    occupation: np.ndarray  # int32 pack occupation positions
    state: np.ndarray  # int16 positions in MatchContext.states
    desired_wage: np.ndarray  # float64 USD per year (imputed where the file had none)
    desired_imputed: np.ndarray  # bool
    skills: np.ndarray  # n x W uint64
    groups: list[str]
    resolution: pd.DataFrame
    source: dict

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def skill_count(self) -> np.ndarray:
        return popcount(self.skills)


@dataclass
class Vacancies:
    frame: pd.DataFrame
    ids: np.ndarray
    occupation: np.ndarray
    state: np.ndarray
    wage: np.ndarray
    wage_imputed: np.ndarray
    openings: np.ndarray  # int64 >= 1
    skills: np.ndarray  # required skills, n x W uint64 (core skills of the occupation where none listed)
    skills_from_occupation: np.ndarray  # bool
    resolution: pd.DataFrame
    source: dict

    def __len__(self) -> int:
        return len(self.ids)


def _source(path: Path, frame: pd.DataFrame) -> dict:
    return {"file": str(path.resolve()), "sha256": sha256_file(path), "rows": int(len(frame))}


def load_seekers(
    path: str | Path,
    ctx: MatchContext,
    resolver: OccupationResolver,
    groups: list[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> Seekers:
    """Read and validate a seekers file (see the module docstring); raises one DataError listing every problem."""
    path = Path(path)
    frame = check_columns(read_table(path) if frame is None else frame, SEEKER_COLUMNS, path, "seekers")
    problems = Problems(path)
    groups = list(groups or [])
    absent = [g for g in groups if g not in frame.columns]
    if absent:
        raise DataError(
            f"group column(s) not in the seekers file: {', '.join(absent)}",
            file=path,
            row=1,
            hint=f"columns: {', '.join(frame.columns)}",
        )
    check_ids(frame, "seeker_id", problems)
    occupation, resolution = resolve_column(frame["occupation"], resolver, ctx, problems)
    state = parse_states(frame["state"], ctx, "state", problems)
    wage = parse_money(frame["desired_wage"], "desired_wage", problems, allow_zero=True)
    skills = parse_skills(frame["skills"], ctx, "skills", problems)
    if "available_from" in frame.columns:
        dates = pd.to_datetime(frame["available_from"], errors="coerce", format="mixed")
        bad = frame["available_from"].notna() & dates.isna()
        if bad.any():
            problems.add("available_from", row_numbers(frame.index[bad]), "not a date", "e.g. 2025-07-01")
    problems.raise_if_any("seekers")
    imputed = ~np.isfinite(wage)
    if imputed.any():
        wage[imputed] = ctx.wage_reference(np.asarray(ctx.states)[state[imputed]], occupation[imputed])
    return Seekers(
        frame,
        frame["seeker_id"].to_numpy(dtype=object).astype(str),
        occupation,
        state,
        wage,
        imputed,
        skills,
        groups,
        resolution,
        _source(path, frame),
    )


def load_vacancies(
    path: str | Path, ctx: MatchContext, resolver: OccupationResolver, frame: pd.DataFrame | None = None
) -> Vacancies:
    """Read and validate a vacancies file (see the module docstring)."""
    path = Path(path)
    frame = check_columns(read_table(path) if frame is None else frame, VACANCY_COLUMNS, path, "vacancies")
    problems = Problems(path)
    check_ids(frame, "vacancy_id", problems)
    occupation, resolution = resolve_column(frame["occupation"], resolver, ctx, problems)
    state = parse_states(frame["state"], ctx, "state", problems)
    wage = parse_money(frame["wage"], "wage", problems, allow_zero=False)
    skills = parse_skills(frame["required_skills"], ctx, "required_skills", problems)
    openings = to_number(frame["openings"])
    whole = openings.notna() & (openings == np.floor(openings))
    if (~whole).any():
        problems.add("openings", row_numbers(frame.index[~whole]), "not a whole number", "e.g. 1 or 3")
    negative = whole & (openings < 1)
    if negative.any():
        problems.add(
            "openings",
            row_numbers(frame.index[negative]),
            "must be at least 1",
            "remove vacancies with no openings left",
        )
    problems.raise_if_any("vacancies")
    imputed = ~np.isfinite(wage)
    if imputed.any():
        wage[imputed] = ctx.wage_reference(np.asarray(ctx.states)[state[imputed]], occupation[imputed])
    listed = popcount(skills) > 0
    skills[~listed] = ctx.core_bits[occupation[~listed]]
    return Vacancies(
        frame,
        frame["vacancy_id"].to_numpy(dtype=object).astype(str),
        occupation,
        state,
        wage,
        imputed,
        openings.to_numpy().astype(np.int64),
        skills,
        ~listed,
        resolution,
        _source(path, frame),
    )
