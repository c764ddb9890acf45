"""Reading user tables for matching: every cell as text, fast at a million rows; problems collected by row.

CSV/TSV through pyarrow (delimiter detected as for every user table, :func:`workshift.tabular.
detect_delimiter`; a GB18030/GBK file is decoded and its encoding reported, any other non-UTF-8 file gets
that module's message naming the first bad row), ``.xlsx`` through openpyxl (:func:`workshift.files.
read_spreadsheet`), Parquet
through pyarrow with numbers turned into text (whole floats without '.0'). Cells are stripped and empty ones
are missing. Rows are numbered as in a spreadsheet: row 1 is the header, row 2 the first data row.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import DataError
from workshift.files import SPREADSHEET_SUFFIXES, read_spreadsheet
from workshift.tabular import decode_file, detect_delimiter, to_numeric

MAX_ROWS_SHOWN = 8


@dataclass
class Problems:
    """Problems found in one file, each with the rows it concerns (spreadsheet numbering)."""

    path: Path
    items: list[tuple[str | None, list[int], str, str]] = field(default_factory=list)

    def add(self, column: str | None, rows: np.ndarray | list[int], message: str, hint: str = "") -> None:
        self.items.append((column, [int(r) for r in rows], message, hint))

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        lines = []
        for column, rows, message, hint in self.items:
            shown = ", ".join(map(str, rows[:MAX_ROWS_SHOWN])) + (
                f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
            )
            where = f"column '{column}', " if column else ""
            lines.append(
                f"  - {where}row{'s' if len(rows) > 1 else ''} {shown}: {message}"
                + (f" ({hint})" if hint else "")
            )
        first_col, first_rows, _, _ = self.items[0]
        raise DataError(
            f"{len(self.items)} problem(s) in the {what} file; nothing was matched:\n" + "\n".join(lines),
            file=self.path,
            row=first_rows[0] if first_rows else None,
            column=first_col,
        )


def row_numbers(index: np.ndarray | pd.Index) -> np.ndarray:
    return np.asarray(index) + 2


def read_table(path: str | Path) -> pd.DataFrame:
    """All cells as text (None where empty), column names stripped and NFC-normalised; index = data row 0.."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path, expected="a CSV, TSV or Parquet file")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            table = _parquet_as_text(path)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise DataError(f"cannot read Parquet: {exc}", file=path) from None
    elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
        try:
            sheet = read_spreadsheet(path)
        except ValueError as exc:
            raise DataError(str(exc), file=path, expected="an .xlsx workbook with a header row") from None
        table = pa.table({str(c): pa.array(sheet[c].tolist(), pa.string()) for c in sheet.columns})
    else:

        head = path.read_bytes()[: 1 << 16]
        if not head.strip():
            raise DataError("the file is empty", file=path, expected="a header row and data rows")
        source: Path | io.BytesIO = path
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:

            # Not UTF-8: GB18030/GBK is decoded (and reported); anything else names the first bad row.
            source = io.BytesIO(decode_file(path.read_bytes(), path).encode("utf-8"))
            head = source.getvalue()[: 1 << 16]
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        delim = detect_delimiter(text)
        names = next(csv.reader([text.splitlines()[0]], delimiter=delim))
        try:
            table = pcsv.read_csv(
                source,
                parse_options=pcsv.ParseOptions(delimiter=delim),
                convert_options=pcsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
                ),
            )
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf8" in str(exc).lower():

                decode_file(path.read_bytes(), path)  # raises a DataError naming the first bad row
            raise DataError(
                f"malformed file: {exc}", file=path, expected=f"fields separated by {delim!r}"
            ) from None
    return _clean(table)


def _clean(table) -> pd.DataFrame:
    """Strip cells, empty -> missing, NFC column names; arrow-backed text columns (fast at a million rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        column = pc.utf8_trim_whitespace(column)
        columns.append(pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column))
    names = [unicodedata.normalize("NFC", str(c)).strip() for c in table.column_names]
    frame = pa.table(columns, names=names).to_pandas(types_mapper=pd.ArrowDtype)
    return frame.reset_index(drop=True)


def _parquet_as_text(path: Path):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns = []
    for column in table.columns:
        if pa.types.is_floating(column.type):  # whole floats as '3', not '3.0' (ids, openings); NaN -> empty
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
            whole = pc.equal(column, pc.floor(column))
            as_int = pc.cast(pc.if_else(whole, column, None), pa.int64(), safe=False)
            column = pc.coalesce(pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
        elif not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = pc.cast(column, pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def to_number(values: pd.Series) -> pd.Series:
    """Numbers of text cells (NaN where empty or not a number): arrow's cast, else the lenient user-table parser."""
    import pyarrow as pa
    import pyarrow.compute as pc


    try:
        number = pd.Series(
            pc.cast(pa.array(values), pa.float64()).to_numpy(zero_copy_only=False), index=values.index
        )
        return number.where(number.abs() != float("inf"))  # inf is not a number: reported, never imputed
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return to_numeric(values.astype(object))


