"""Reading raw source files: resolve through the registry, hash what was read, validate with pandera.

Every raw table is read as text, checked for a truncated last row, then validated (and coerced) by a
pandera schema. A schema failure becomes a :class:`DataError` naming the file, the 1-based line of the
file (the header is line 1), the column and the expectation, so a user can open the file and look.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from workshift import config
from workshift.data import registry
from workshift.errors import ChecksumError, DataError
from workshift.files import atomic_path, sha256_file, write_text_atomic

# Tokens that publishers use for "no value": OEWS '-' (not available), '*' (no estimate), '#' (top-coded
# wage), '**' (employment not released); BLS EP '—'.
MISSING_TOKENS = ["", "-", "*", "**", "#", "—", "NA", "N/A", "nan", "NaN"]


@dataclass
class SourceUse:
    """One file that a build read: where it came from and its sha256 as read."""

    path: str
    source: str
    sha256: str
    matches_registry: bool  # the registry lists this sha256 for the file
    bytes: int


def _hash_cache_path() -> Path:
    return config.home() / "cache" / "sha256.json"


def sha256_cached(path: Path) -> str:
    """sha256 of a raw file, cached by (resolved path, size, modification time) in ``<home>/cache``."""
    cache_file = _hash_cache_path()
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    stat = path.stat()
    key = str(path.resolve())
    entry = cache.get(key)
    if isinstance(entry, list) and entry[:2] == [stat.st_size, stat.st_mtime_ns]:
        return entry[2]
    digest = sha256_file(path)
    cache[key] = [stat.st_size, stat.st_mtime_ns, digest]
    with contextlib.suppress(OSError):
        write_text_atomic(cache_file, json.dumps(cache))
    return digest


@dataclass
class Reader:
    """Reads raw files of one data dir and records every file it read (for the pack's provenance).

    ``accept_edits``: build even when a file's sha256 is not the registry's (a local edit), with a loud
    warning (``build_pack(..., accept_local_edits=True)``, or ``$WORKSHIFT_ACCEPT_LOCAL_EDITS=1``);
    otherwise :meth:`path` refuses such a file before anything parses it (hashes are cached by size and
    modification time, so the check costs a ``stat`` per file once hashed).
    """

    data_dir: Path
    used: dict[str, SourceUse] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    accept_edits: bool = False

    @classmethod
    def open(cls, data_dir: str | Path | None = None, accept_edits: bool | None = None) -> Reader:
        """A reader of ``data_dir``; ``accept_edits`` None: as ``$WORKSHIFT_ACCEPT_LOCAL_EDITS`` says."""
        if accept_edits is None:
            accept_edits = os.environ.get(config.ACCEPT_EDITS_ENV, "") not in ("", "0")
        return cls(config.data_dir(data_dir), accept_edits=accept_edits)

    def check_registry(self) -> list[SourceUse]:
        """Refuse (or, accepting edits, warn about) files whose sha256 the registry does not list.

        :meth:`path` already refuses each such file before it is parsed (a tampered file can break the
        build in ways its parse errors would not explain); this is the final account over every file read,
        and prints the loud warning when edits are accepted.
        """
        edited = [use for use in self.used.values() if not use.matches_registry]
        if not edited:
            return edited
        names = ", ".join(use.path for use in edited[:3]) + (" ..." if len(edited) > 3 else "")
        if not self.accept_edits:
            raise self._refusal(edited, names)
        print(f"WARNING: building from {len(edited)} locally edited source file(s) ({names}); their sha256 "
              "differs from the registry's and is recorded in the pack", file=sys.stderr, flush=True)
        return edited

    def _refusal(self, edited: list[SourceUse], names: str) -> ChecksumError:
        return ChecksumError(f"{len(edited)} source file(s) differ from the registry's sha256 ({names}): "
                             "a changed value would build silently", file=self.data_dir / edited[0].path,
                             hint="restore the published file (`workshift data pull`, `workshift data "
                                  "verify`), or build with accept_local_edits=True to use your edits",
                             mentions=("accept_local_edits",))

    def path(self, rel: str, required: bool = True) -> Path | None:
        """The file's path (via the registry); None, and recorded as absent, for a missing optional file."""
        path = registry.source_file(rel, self.data_dir, required=required)
        if path is None:
            if rel not in self.absent:
                self.absent.append(rel)
            return None
        if rel not in self.used:
            digest = sha256_cached(path)
            self.used[rel] = SourceUse(rel, registry.source_of(rel).id, digest,
                                       registry.registry_file(rel).accepts(digest), path.stat().st_size)
            if not (self.used[rel].matches_registry or self.accept_edits):  # refused before it is parsed
                raise self._refusal([self.used[rel]], rel)
        return path

    def table(
        self,
        rel: str,
        schema: pa.DataFrameSchema,
        *,
        sep: str = ",",
        required: bool = True,
        usecols: list[str] | None = None,
    ) -> pd.DataFrame | None:
        """Read a delimited text file as strings and validate it with ``schema`` (coercing types)."""
        path = self.path(rel, required=required)
        if path is None:
            return None
        return read_table(path, schema, sep=sep, usecols=usecols)

    def gunzip_cached(self, rel: str, cache_dir: Path) -> Path:
        """Decompress a .gz source once into ``cache_dir``, keyed by the sha256 of the compressed file."""
        path = self.path(rel)
        assert path is not None
        digest = self.used[rel].sha256
        target = cache_dir / f"{Path(rel).name.removesuffix('.gz')}.{digest[:16]}"
        if target.is_file():
            return target
        try:
            with atomic_path(target) as tmp, gzip.open(path, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            raise DataError(f"is truncated or not a valid gzip file ({exc})", file=path,
                            expected="a complete gzip stream") from exc
        for stale in cache_dir.glob(f"{target.name.rsplit('.', 1)[0]}.*"):
            if stale != target and len(stale.suffix) == 17:  # an older version of the same file
                stale.unlink(missing_ok=True)
        return target


def read_table(path: Path, schema: pa.DataFrameSchema, *, sep: str = ",",
               usecols: list[str] | None = None) -> pd.DataFrame:
    """Read a delimited text file (any path, e.g. a user's table) as strings and validate it with ``schema``."""
    text_cols = [name for name, col in schema.columns.items() if str(col.dtype) in ("str", "string")]
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=MISSING_TOKENS,
            quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL,
            encoding="utf-8",
            usecols=lambda c: usecols is None or c in usecols,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot be parsed ({_first_line(exc)})", file=path,
                        expected="a delimited text file as published") from exc
    _check_columns(frame, schema, path)
    _check_truncated(path, sep, len(frame))
    for name in text_cols:  # keep text columns as text even where they read as a missing token
        if name in frame:
            frame[name] = frame[name].str.strip() if frame[name].notna().any() else frame[name]
    return validate(frame, schema, path)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_columns(frame: pd.DataFrame, schema: pa.DataFrameSchema, path: Path) -> None:
    wanted = [name for name, col in schema.columns.items() if col.required]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; found {list(frame.columns)[:12]}",
            file=path, row=1, column=missing[0], expected=f"columns {wanted}",
        )


def _check_truncated(path: Path, sep: str, rows: int) -> None:
    """A text file cut mid-row ends without a newline and its last row has too few fields."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        if handle.tell() == 0:
            raise DataError("is empty", file=path, expected="a header and data rows")
        handle.seek(-1, io.SEEK_END)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        header = handle.readline().decode("utf-8", "replace")
        handle.seek(max(0, handle.seek(0, io.SEEK_END) - 65536))
        last = handle.read().decode("utf-8", "replace").splitlines()[-1]
    quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
    width = len(next(csv.reader([header], delimiter=sep, quoting=quoting)))
    fields = next(csv.reader([last], delimiter=sep, quoting=quoting), [])
    if len(fields) < width:
        raise DataError(
            f"the last row has {len(fields)} of {width} fields: the file looks truncated",
            file=path, row=rows + 1, expected="a complete file (re-download it or run `workshift data pull`)",
        )


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path) -> pd.DataFrame:
    """Validate ``frame`` with ``schema``; the first failure becomes a DataError with file, row and column."""
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        located = cases[cases["index"].notna()]
        first = (located if len(located) else cases).iloc[0]
        bad = max(1, len(located[["column", "index"]].astype(str).drop_duplicates()))
        raise _as_data_error(path, first.get("column"), first.get("index"), first.get("check"),
                             first.get("failure_case"), schema, bad) from exc
    except SchemaError as exc:  # pragma: no cover - lazy=True raises SchemaErrors
        raise DataError(str(exc), file=path) from exc


def _as_data_error(path: str | Path, column: object, index: object, check: object, value: object,
                   schema: pa.DataFrameSchema, count: int) -> DataError:
    column = None if column is None or (isinstance(column, float) and pd.isna(column)) else str(column)
    row = None
    if index is not None and not (isinstance(index, float) and pd.isna(index)):
        try:
            row = int(index) + 2  # 0-based data row -> 1-based file line with the header on line 1
        except (TypeError, ValueError):
            row = None
    expected = None
    if column and column in schema.columns:
        col = schema.columns[column]
        expected = col.description or f"{col.dtype}{'' if col.nullable else ', not empty'}"
    more = f" ({count} bad cells in all)" if count > 1 else ""
    empty = value is None or (isinstance(value, float) and pd.isna(value))
    shown = "an empty value" if empty else repr(value)
    check = str(check)
    if check.startswith("coerce_dtype"):
        problem = f"{shown} cannot be read as {'an integer' if 'Int' in check else 'a number'}"
    elif check.startswith("not_nullable") or empty:
        problem = "the value is empty"
    elif check.startswith(("greater_than", "less_than", "in_range")):
        problem = f"{shown} is out of range"
    elif check.startswith("str_matches"):
        problem = f"{shown} is not a valid code"
    elif check.startswith("isin"):
        problem = f"{shown} is not an allowed value"
    else:
        problem = f"{shown} fails check {check}"
    return DataError(problem + more, file=path, row=row, column=column, expected=expected)
