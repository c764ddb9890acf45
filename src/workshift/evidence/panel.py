"""Panel data for causal evaluation: one row per (unit, period), read from a user's file and validated.

Reading (encoding, delimiter, number parsing) follows :func:`workshift.tabular.read_table`:
UTF-8 only (a clear error names the first undecodable row), delimiter detected among ``, ; TAB |``,
Parquet by suffix. On top of that a panel must have:

- the named unit, period and outcome columns (an unknown name gets a "did you mean" hint);
- a numeric outcome with no missing cells (the first bad cell is named by file line);
- at most one row per (unit, period) (duplicates are named with their file lines);
- a period column without missing values.

Units are kept as text (an integer-valued numeric id such as a county FIPS code prints without ``.0``);
integer-valued periods become integers. Balance is checked by :func:`require_balanced`, which names the
missing (unit, period) cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import DataError
from workshift.files import sha256_file
from workshift.tabular import non_numeric_cells, read_table, require_columns, to_numeric

_SHOW = 5  # how many offending cells an error message lists


@dataclass
class Panel:
    """A validated long panel: columns ``unit`` (text), ``time``, ``y`` (float) and optional ``cohort``."""

    frame: pd.DataFrame
    unit: str
    time: str
    outcome: str
    cohort: str | None = None
    file: Path | None = None
    sha256: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return list(pd.unique(self.frame["unit"]))

    @property
    def periods(self) -> list:
        return sorted(pd.unique(self.frame["time"]).tolist())

    def missing_cells(self) -> list[tuple[str, object]]:
        """The (unit, period) cells absent from the panel, units in order of first appearance."""
        present = set(zip(self.frame["unit"], self.frame["time"], strict=True))
        return [(u, t) for u in self.units for t in self.periods if (u, t) not in present]

    @property
    def balanced(self) -> bool:
        return len(self.frame) == len(self.units) * len(self.periods)

    def wide(self) -> pd.DataFrame:
        """Outcome as a units x periods matrix (units in order of first appearance, periods sorted)."""
        table = self.frame.pivot(index="unit", columns="time", values="y")
        return table.loc[self.units, self.periods]

    def provenance(self) -> dict[str, object]:
        return {
            "data_file": str(self.file) if self.file else None,
            "data_sha256": self.sha256,
            "columns": {"unit": self.unit, "time": self.time, "outcome": self.outcome, "cohort": self.cohort},
            "rows": len(self.frame),
            "units": len(self.units),
            "periods": [_plain(p) for p in self.periods],
        }


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _line(index: object, from_file: bool) -> int | None:
    """The 1-based file line of a row (the header is line 1), when the frame came from a file."""
    return int(index) + 2 if from_file and isinstance(index, (int, np.integer)) else None


def _integer_valued(values: pd.Series) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def _as_labels(values: pd.Series) -> pd.Series:
    """Unit ids as text; integer-valued numbers without a trailing '.0'."""
    if pd.api.types.is_numeric_dtype(values) and _integer_valued(values.astype(float)):
        return values.astype("int64").astype(str)
    return values.astype(str).str.strip()


def _as_periods(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("int64") if _integer_valued(values.astype(float)) else values.astype(float)
    return values.astype(str).str.strip()


def _require_no_missing(frame: pd.DataFrame, column: str, file: Path | None, what: str) -> None:
    missing = frame[column].isna()
    if missing.any():
        first = missing.idxmax()
        raise DataError(
            f"{int(missing.sum())} row(s) have no {what}", file=file, row=_line(first, file is not None),
            column=column, expected="a value on every row",
        )


def _numeric_outcome(frame: pd.DataFrame, column: str, file: Path | None) -> pd.Series:
    bad = non_numeric_cells(frame[column])
    if not bad.empty:
        raise DataError(
            f"outcome is not numeric: {bad.iloc[0]!r} ({len(bad)} non-numeric cell(s))",
            file=file, row=_line(bad.index[0], file is not None), column=column, expected="numbers",
        )
    values = to_numeric(frame[column])
    _require_no_missing(frame.assign(**{column: values}), column, file, "outcome value")
    if not np.all(np.isfinite(values)):
        first = (~np.isfinite(values)).idxmax()
        raise DataError("outcome is not finite", file=file, row=_line(first, file is not None),
                        column=column, expected="finite numbers")
    return values


def _check_duplicates(frame: pd.DataFrame, unit: str, time: str, file: Path | None) -> None:
    dup = frame.duplicated(["unit", "time"], keep=False)
    if not dup.any():
        return
    shown = []
    for (u, t), rows in frame[dup].groupby(["unit", "time"], sort=False).groups.items():
        lines = [_line(i, file is not None) for i in rows]
        where = f" (lines {', '.join(str(x) for x in lines)})" if file is not None else ""
        shown.append(f"{unit}={u}, {time}={_plain(t)}{where}")
    more = f" and {len(shown) - _SHOW} more" if len(shown) > _SHOW else ""
    raise DataError(
        f"duplicated panel rows: {len(shown)} (unit, period) pair(s) appear more than once: "
        f"{'; '.join(shown[:_SHOW])}{more}",
        file=file, expected="one row per unit and period",
        hint="aggregate or remove the repeated rows",
    )


def panel_from_frame(
    frame: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str | None = None,
    file: Path | None = None,
    sha256: str | None = None,
) -> Panel:
    """Validate a long data frame as a panel (see the module docstring for the rules)."""
    names = [unit, time, outcome] + ([cohort] if cohort else [])
    require_columns(frame, names, file)
    if len(set(names)) < len(names):
        raise DataError(f"the same column is named for two roles: {names}", file=file)
    if frame.empty:
        raise DataError("the table has no rows", file=file, expected="panel rows")
    _require_no_missing(frame, unit, file, "unit id")
    _require_no_missing(frame, time, file, "period")
    out = pd.DataFrame(index=frame.index)
    out["unit"] = _as_labels(frame[unit])
    out["time"] = _as_periods(frame[time])
    out["y"] = _numeric_outcome(frame, outcome, file)
    if cohort:
        values = frame[cohort]
        if not pd.api.types.is_numeric_dtype(values):
            bad = non_numeric_cells(values)
            raise DataError(
                f"cohort is not numeric: {bad.iloc[0]!r}" if not bad.empty else "cohort is not numeric",
                file=file, row=_line(bad.index[0], file is not None) if not bad.empty else None,
                column=cohort, expected="the first treated period, 0 (or empty) for never treated",
            )
        out["cohort"] = values.astype(float)
    _check_duplicates(out, unit, time, file)
    return Panel(out, unit, time, outcome, cohort, file, sha256)


def read_panel(
    path: str | Path, *, unit: str, time: str, outcome: str, cohort: str | None = None
) -> Panel:
    """Read and validate a panel file (CSV/TSV with any of , ; TAB | as delimiter, or Parquet)."""
    path = Path(path)
    frame = read_table(path)
    return panel_from_frame(
        frame, unit=unit, time=time, outcome=outcome, cohort=cohort, file=path, sha256=sha256_file(path)
    )


def require_balanced(panel: Panel, purpose: str) -> None:
    """Raise a DataError naming the missing (unit, period) cells unless the panel is balanced."""
    if panel.balanced:
        return
    missing = panel.missing_cells()
    shown = "; ".join(f"{panel.unit}={u}, {panel.time}={_plain(t)}" for u, t in missing[:_SHOW])
    more = f" and {len(missing) - _SHOW} more" if len(missing) > _SHOW else ""
    raise DataError(
        f"unbalanced panel: {len(missing)} (unit, period) cell(s) missing: {shown}{more}",
        file=panel.file, expected=f"a balanced panel for {purpose}",
        hint="fill or drop the incomplete units, or restrict the periods",
    )
