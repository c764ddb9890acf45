"""Participant records for programme evaluation: covariate terms, one or two files, checks.

A covariate term (``--covariates``) is one of

- ``age`` — a numeric column as it is;
- ``age^2`` — a power of a column (``^2``, ``^3``);
- ``educ*re74`` — the product of two columns;
- ``re74==0`` — the indicator that a column equals a value (Dehejia & Wahba's ``u74`` is ``re74==0``).

With ``--comparison FILE`` the treated are the rows of ``--data`` whose treatment is 1 and the comparison
group is every row of the comparison file (whose treatment column, when it has one, must be 0): the
LaLonde (1986) design of programme participants against a survey sample. Without it, ``--data`` holds both
groups. Rows with a missing value in a used column are an error naming the row, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import DataError, InputError
from workshift.files import sha256_file
from workshift.tabular import read_table, require_columns

_TERM = re.compile(r"^(?P<a>[^\^*=]+?)\s*(?:\^\s*(?P<power>[23])|\*\s*(?P<b>[^\^*=]+)|==\s*(?P<value>[-+.\w]+))?$")


@dataclass(frozen=True)
class Term:
    """One covariate term: its text, the columns it reads and how it is built from them."""

    text: str
    columns: tuple[str, ...]
    power: int = 1
    equals: float | None = None

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        first = frame[self.columns[0]].to_numpy(dtype=float)
        if self.equals is not None:
            return (first == self.equals).astype(float)
        if len(self.columns) == 2:
            return first * frame[self.columns[1]].to_numpy(dtype=float)
        return first**self.power


def parse_terms(spec: str | list[str] | None) -> list[Term]:
    """Covariate terms from ``a,b^2,c*d,e==0`` (module docstring); an empty spec gives no terms."""
    items = spec.split(",") if isinstance(spec, str) else list(spec or [])
    terms: list[Term] = []
    for raw in (item.strip() for item in items):
        if not raw:
            continue
        found = _TERM.match(raw)
        if not found:
            raise InputError(f"covariate term '{raw}' is not understood",
                             hint="use a column, col^2, col^3, a*b or col==value (e.g. re74==0)")
        a = found["a"].strip()
        if found["value"] is not None:
            try:
                value = float(found["value"])
            except ValueError:
                raise InputError(f"covariate term '{raw}': '{found['value']}' is not a number") from None
            terms.append(Term(raw, (a,), equals=value))
        elif found["b"] is not None:
            terms.append(Term(raw, (a, found["b"].strip())))
        else:
            terms.append(Term(raw, (a,), power=int(found["power"] or 1)))
    texts = [term.text for term in terms]
    for text in texts:
        if texts.count(text) > 1:
            raise InputError(f"covariate term '{text}' is given twice")
    return terms


@dataclass
class Sample:
    """Treatment indicator D, outcome Y and covariate matrix X (terms as columns) of the analysed units."""

    d: np.ndarray
    y: np.ndarray
    x: np.ndarray
    terms: list[str]
    treatment: str
    outcome: str
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def n_treated(self) -> int:
        return int(self.d.sum())

    @property
    def n_comparison(self) -> int:
        return int(len(self.d) - self.d.sum())


def _binary(values: pd.Series, column: str, file: Path) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = ~numbers.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"treatment value {values.iloc[row]!r} is not 0 or 1", file=file,
                        row=int(values.index[row]) + 2,
                        column=column, expected="1 = took part, 0 = comparison")
    return numbers.to_numpy(dtype=float)


def _numeric(frame: pd.DataFrame, columns: list[str], file: Path) -> None:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = frame[column].iloc[row]
            raise DataError("missing value" if pd.isna(cell) else f"{cell!r} is not a number", file=file,
                            row=int(frame.index[row]) + 2, column=column, expected="a number in every row used")
        frame[column] = values.astype(float)


def read_sample(data: str | Path, *, treatment: str, outcome: str, covariates: str | list[str] | None = None,
                comparison: str | Path | None = None) -> Sample:
    """Read participants (and a comparison file) into a :class:`Sample` (module docstring)."""
    terms = parse_terms(covariates)
    columns = list(dict.fromkeys(c for term in terms for c in term.columns))
    if treatment in columns or outcome in columns or treatment == outcome:
        raise InputError("the treatment, the outcome and the covariates must be different columns")
    data = Path(data)
    frame = read_table(data)
    require_columns(frame, [treatment, outcome, *columns], data)
    d = _binary(frame[treatment], treatment, data)
    _numeric(frame, [outcome, *columns], data)
    files = [{"role": "data", "data_file": str(data), "data_sha256": sha256_file(data)}]
    if comparison is not None:
        comparison = Path(comparison)
        other = read_table(comparison)
        require_columns(other, [outcome, *columns], comparison)
        _numeric(other, [outcome, *columns], comparison)
        if treatment in other.columns and (_binary(other[treatment], treatment, comparison) != 0).any():
            row = int(other.index[np.flatnonzero(pd.to_numeric(other[treatment]).to_numpy() != 0)[0]])
            raise DataError("a comparison-file row is marked treated", file=comparison, row=row + 2,
                            column=treatment, expected="0 (or no treatment column) in the comparison file")
        ignored = int((d == 0).sum())
        frame = frame[d == 1]
        if frame.empty:
            raise DataError(f"no treated rows ({treatment} = 1)", file=data, column=treatment)
        frame = pd.concat([frame.assign(**{treatment: 1.0}), other.assign(**{treatment: 0.0})], ignore_index=True)
        files.append({"role": "comparison", "data_file": str(comparison), "data_sha256": sha256_file(comparison)})
        d = frame[treatment].to_numpy(dtype=float)
    frame = frame[[treatment, outcome, *columns]]
    if d.sum() < 2 or (1 - d).sum() < 2:
        raise DataError(f"need at least two treated and two comparison units, got {int(d.sum())} and "
                        f"{int((1 - d).sum())}", file=data, column=treatment)
    x = np.column_stack([term.values(frame) for term in terms]) if terms else np.empty((len(frame), 0))
    for j, term in enumerate(terms):
        if np.ptp(x[:, j]) == 0:
            raise DataError(f"covariate term '{term.text}' takes one value only: it cannot adjust anything",
                            file=data, column=term.columns[0], expected="a term that varies across units")
    provenance = {"data_file": str(data), "data_sha256": files[0]["data_sha256"], "files": files}
    if comparison is not None and ignored:
        provenance["ignored_rows"] = (f"{ignored} rows of {data.name} with {treatment} = 0 were not used: "
                                      f"the comparison group is {Path(comparison).name}")
    return Sample(d, frame[outcome].to_numpy(dtype=float), x, [t.text for t in terms], treatment, outcome,
                  provenance)
