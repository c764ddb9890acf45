"""Small file helpers shared by every stage: atomic writes, stale temporary files, and hashing.

Temporary files and folders are named ``.<target name>.<pid>-<random>.tmp<suffix>`` beside their target, so
that :func:`clean_stale` can tell one left by a killed process (its pid is gone) from one being written.

Reading (:func:`decode_text`, :func:`read_spreadsheet`): a text table may be UTF-8 (with or without a
byte-order mark), UTF-16 with a byte-order mark, or GB18030 — the superset of GBK and GB2312 that
Chinese Excel and WPS save as "CSV"; the encoding used is returned so that callers can report it.
An ``.xlsx`` workbook is read with openpyxl (first non-empty sheet, first non-empty row as header).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
# Encodings tried in order after the byte-order marks; GB18030 decodes every GBK and GB2312 file.
TEXT_ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030"))

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.tmp")
# names of temporary files written by earlier versions (tempfile.mkstemp, no pid): removed once a day old
_LEGACY_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}(\.tmp|\.duckdb|\.parquet|\.npz|\.json|\.csv)?(\.wal)?$")
LEGACY_AGE_S = 24 * 3600.0


def temp_name(target_name: str, suffix: str = "") -> str:
    """A hidden temporary name beside ``target_name`` that records this process's id."""
    return f".{target_name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{suffix}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove temporary files and folders in ``folder`` left by processes that no longer run.

    Only names written by :func:`temp_name` (whose process is gone) and day-old names of the older
    ``mkstemp`` form are touched; returns what was removed.
    """
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for entry in folder.iterdir():
        if not entry.name.startswith("."):
            continue
        match = _TEMP.match(entry.name)
        try:
            if match:
                stale = not _alive(int(match["pid"]))
            else:
                stale = bool(_LEGACY_TEMP.match(entry.name)) and now - entry.stat().st_mtime > LEGACY_AGE_S
            if stale:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
                removed.append(entry)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it over ``target`` in one step.

    On an exception the temporary file is removed and ``target`` is left as it was, so a failed
    write never leaves a half-written file behind.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the writer creates the file (DuckDB refuses to open an empty non-database file)
    tmp = target.parent / temp_name(target.name, suffix if suffix and suffix != ".tmp" else "")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            if leftover.exists():
                leftover.unlink()


def write_text_atomic(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def decode_text(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a file's bytes and the encoding it was read in ('UTF-8', 'UTF-8 with BOM', 'UTF-16
    with BOM', 'GB18030', or the named ``encoding``; a leading byte-order mark is dropped).

    Raises :class:`UnicodeDecodeError` (from UTF-8, or from ``encoding``) when no encoding fits and
    :class:`LookupError` for an unknown ``encoding`` name.
    """
    if encoding:
        codec = codecs.lookup(encoding)
        text = raw.decode(codec.name)
        return text.removeprefix("\ufeff"), codec.name.upper()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "UTF-8 with BOM"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16 with BOM"
    first: UnicodeDecodeError | None = None
    for encoding_, name in TEXT_ENCODINGS:
        try:
            return raw.decode(encoding_), name
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None
    raise first


def latin_lookalike(raw: bytes, text: str) -> str | None:
    """For bytes read as GB18030: the first character that is more likely a Latin-1 accented letter plus an
    ASCII letter (``é`` + ``s`` read as one CJK character), when the whole file reads as Latin-1 letters.

    GB18030 pairs may end in an ASCII byte, so Windows-1252/Latin-1 text (``café``) often decodes as GB18030
    without error. Chinese text in GBK mostly uses pairs of bytes >= 0xA1, whose Latin-1 reading holds
    symbols and control characters, not letters; so the guess is ambiguous only when both hold. None: not
    ambiguous.
    """
    if any(not ch.isalpha() for ch in raw.decode("latin-1") if ord(ch) > 0x7F):
        return None
    for ch in dict.fromkeys(c for c in text if ord(c) > 0x7F):
        encoded = ch.encode("gb18030")
        if len(encoded) == 2 and encoded[1] < 0x80:
            return ch
    return None


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a CSV would hold (integral floats without '.0', dates in ISO form)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def read_spreadsheet(path: str | Path) -> pd.DataFrame:
    """An ``.xlsx`` workbook's first non-empty sheet as text cells (None when empty); header = first row.

    Formulas give their cached values. Raises :class:`ValueError` for a file openpyxl cannot read and
    for a workbook without any cell (callers turn it into a DataError naming the file).
    """
    import openpyxl  # imported here: ~0.3 s, and only spreadsheet readers need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, KeyError and XML errors for a damaged file
        raise ValueError(f"not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from None
    try:
        for sheet in book.worksheets:
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            rows = [row for row in rows if any(v is not None for v in row)]
            if rows:
                break
        else:
            raise ValueError("the workbook has no cells with values")
    finally:
        book.close()
    width = max(len(r) for r in rows)
    header, body = rows[0], rows[1:]
    header = [h if h is not None else "" for h in header] + [""] * (width - len(header))
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in body], columns=header, dtype=object)
    frame.attrs["encoding"] = "xlsx"
    frame.attrs["sheet"] = sheet.title
    return frame
