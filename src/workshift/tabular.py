"""Reading the tables users bring (CSV, TSV, Parquet, .xlsx): encoding, delimiter detection, cleaning.

Rules (documented in docs/predict.md):

- Text files may be UTF-8 (a UTF-8 or UTF-16 byte-order mark is accepted, and named) or GB18030/GBK (what
  Chinese Excel and WPS save as CSV); a file not in UTF-8 is read and its encoding reported in one line on
  stderr, with how to override the guess (``workshift --encoding NAME``, any Python codec name). Bytes
  that read as GB18030 and as Latin-1 letters alike (``café``) are refused as ambiguous until an
  encoding is named. Anything else is a :class:`DataError` naming the first bad row.
- ``.xlsx`` workbooks: the first non-empty sheet, its first row the header (openpyxl).
- The delimiter is whichever of ``, ; TAB |`` splits the first lines into the same number (> 1) of
  fields most consistently; ties go to that order.
- Column names are stripped and NFC-normalised, so names in any language (``就业率``) work as typed;
  empty or repeated names are errors.
- Cells are read as text, then a column whose every non-missing cell is a number (after NFKC
  normalisation, which maps full-width digits; thousands separators ``1,234``; a trailing ``%``
  kept in percent units) becomes numeric; other columns stay text.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd

from workshift import config
from workshift.errors import DataError, InputError, closest
from workshift.files import SPREADSHEET_SUFFIXES, atomic_path, decode_text, latin_lookalike, read_spreadsheet
from workshift.i18n import t

LOG = logging.getLogger("workshift")

DELIMITERS = (",", "\t", ";", "|")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_LINES = 50
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


ENCODING_HINT = "name the encoding: `workshift --encoding cp1252 COMMAND ...` (or gb18030, latin-1; $WORKSHIFT_ENCODING)"


def decode_file(raw: bytes, path: Path) -> str:
    """The text of a file (UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK, or the encoding named
    with ``workshift --encoding``; see :func:`workshift.files.decode_text`), or a DataError that names the
    first undecodable row, or an ambiguous guess (GB18030 bytes that read as Latin-1 letters as well).

    A file not read as plain UTF-8 is reported on the ``workshift`` logger (one line on stderr) naming the
    encoding (a byte-order mark too) and how to override the guess.
    """
    named = config.text_encoding()
    try:
        text, encoding = decode_text(raw, named)
    except LookupError:
        raise InputError(f"unknown text encoding '{named}'", hint=ENCODING_HINT) from None
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        if named:
            raise DataError(f"not {named} text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=path,
                            row=row, expected=f"a file in the encoding named ({named})") from None
        hint = "re-save the file as UTF-8"
        try:
            raw.decode("cp1252")
            hint = "the bytes look like Windows-1252: re-save as UTF-8 (e.g. `iconv -f CP1252 -t UTF-8`)"
        except UnicodeDecodeError:
            pass
        raise DataError(
            f"not UTF-8 or GB18030 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            file=path, row=row, expected="a UTF-8 or GB18030/GBK encoded file", hint=hint,
        ) from None
    if encoding == "GB18030" and (odd := latin_lookalike(raw, text)) is not None:
        at = text.index(odd)
        start = max(text.rfind("\n", 0, at) + 1, at - 12)  # the excerpt: up to 12 characters of its line
        span = slice(len(text[:start].encode("gb18030")), len(text[:at + 1].encode("gb18030")))
        raise DataError(
            f"the encoding is ambiguous: it reads as GB18030 ('{text[start:at + 1]}') or as "
            f"Latin-1/Windows-1252 ('{raw[span].decode('latin-1')}')",
            file=path, row=text[:at].count("\n") + 1, expected="UTF-8, or the encoding named", hint=ENCODING_HINT,
        )
    if "BOM" in encoding:
        LOG.warning("%s: read as %s (the byte-order mark is dropped)", path.name, encoding)
    elif encoding != "UTF-8" and not named:
        LOG.warning("%s: read as %s (not UTF-8, a guess: override with `workshift --encoding NAME`)",
                    path.name, encoding)
    return text


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently (see the module docstring)."""
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _clean_name(name: object) -> str:
    return unicodedata.normalize("NFC", str(name)).strip()


def _check_header(names: list[str], path: Path) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name or name.startswith("Unnamed:"):
            raise DataError(f"column {i + 1} has no name", file=path, row=1, expected="a header row")
        if name in seen:
            raise DataError(f"column name '{name}' appears twice", file=path, row=1, column=name)
        seen.add(name)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a user CSV/TSV/Parquet/.xlsx file with the rules of the module docstring."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path, expected="a CSV, TSV, Parquet or .xlsx file",
                        zh=t("common.err_file_not_found", "zh"), expected_zh=t("common.err_table_expected", "zh"))
    if path.suffix.lower() in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise DataError(f"cannot read Parquet: {exc}", file=path) from None
        frame.columns = [_clean_name(c) for c in frame.columns]
        _check_header(list(frame.columns), path)
        return coerce_numeric_columns(frame.dropna(how="all"))
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        try:
            frame = read_spreadsheet(path)
        except ValueError as exc:
            raise DataError(str(exc), file=path, expected="an .xlsx workbook with a header row") from None
        frame.columns = [_clean_name(c) for c in frame.columns]
        _check_header(list(frame.columns), path)
        frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v).dropna(how="all")
        return coerce_numeric_columns(frame.reset_index(drop=True))
    text = decode_file(path.read_bytes(), path)
    if not text.strip():
        raise DataError("the file is empty", file=path, expected="a header row and data rows")
    delim = detect_delimiter(text)
    header = next(csv.reader([text.splitlines()[0]], delimiter=delim))
    names = [_clean_name(c) for c in header]
    _check_header(names, path)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise DataError(
            f"malformed row: {exc}", file=path, row=int(found.group(1)) if found else None,
            expected=f"{len(names)} fields separated by {delim!r}",
        ) from None
    frame.columns = names
    frame = frame.dropna(how="all")
    return coerce_numeric_columns(frame)


def to_numeric(values: pd.Series) -> pd.Series:
    """Parse text cells as numbers (NaN where a cell is not a number); numbers pass through.

    Infinity (``inf``, ``1e309``) is not a number here: it becomes NaN, so that :func:`non_numeric_cells`
    reports the cell instead of letting it reach a model or the store.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return _finite(values.astype(float))
    text = values.astype("string").map(
        lambda v: unicodedata.normalize("NFKC", v).strip() if isinstance(v, str) else v
    )
    text = text.str.replace("\u2212", "-", regex=False).str.removesuffix("%").str.strip()
    thousands = text.str.match(_THOUSANDS).astype("boolean").fillna(False).astype(bool)
    text = text.where(~thousands, text.str.replace(",", "", regex=False))
    return _finite(pd.to_numeric(text, errors="coerce").astype(float))


def _finite(values: pd.Series) -> pd.Series:
    return values.where(values.abs() != float("inf"))


def non_numeric_cells(values: pd.Series) -> pd.Series:
    """The non-missing cells that do not parse as numbers (for error messages)."""
    parsed = to_numeric(values)
    return values[values.notna() & parsed.isna()]


def coerce_numeric_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn every column whose non-missing cells all parse as numbers into float."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or series.notna().sum() == 0:
            continue
        if non_numeric_cells(series).empty:
            out[column] = to_numeric(series)
        else:
            out[column] = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    return out


# Largest magnitude a model input may have: squares (variances, squared errors summed over up to ~1e7 rows)
# stay finite in float64 (max ~1.8e308); beyond it scikit-learn's metrics overflow to inf/NaN silently.
MAX_MAGNITUDE = 1e150


def check_magnitude(frame: pd.DataFrame, columns: list[str], file: str | Path | None = None) -> None:
    """Raise a DataError naming the first numeric cell of ``columns`` beyond :data:`MAX_MAGNITUDE`.

    Rows are named as file lines (header on line 1) from ``frame``'s index, as :func:`read_table` keeps it.
    """
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        huge = values.astype(float).abs() > MAX_MAGNITUDE
        if huge.any():
            first = huge.idxmax()
            raise DataError(
                f"value {float(values[first]):.6g} is too large to model (its square overflows float64)",
                file=file, row=int(first) + 2, column=column,
                expected=f"numbers within ±{MAX_MAGNITUDE:.0e}: rescale the column (e.g. to thousands)",
            )


def require_columns(frame: pd.DataFrame, names: list[str], file: str | Path | None = None) -> None:
    """Raise a DataError naming the first missing column and the closest existing one."""
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in frame.columns:
            guess = closest(name, columns)
            listed = f"{', '.join(columns[:20])}{' ...' if len(columns) > 20 else ''}"
            raise DataError(
                f"unknown column '{name}': the file has no such column (its columns: {listed})", file=file,
                hint=f"did you mean '{guess}'?" if guess else None,
                zh=t("common.err_unknown_column", "zh", name=name, listed=listed),
                hint_zh=t("common.did_you_mean", "zh", guess=guess) if guess else None,
            )


def drop_duplicate_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Exact duplicate rows removed (the first kept), and how many there were."""
    keep = ~frame.duplicated()
    return frame[keep].reset_index(drop=True), int((~keep).sum())


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8) or Parquet by suffix, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, encoding="utf-8")
    return path

