"""Small file helpers shared by every stage: atomic writes, stale temporary files, and hashing.

Temporary files and folders are named ``.<target name>.<pid>-<random>.tmp<suffix>`` beside their target, so
that :func:`clean_stale` can tell one left by a killed process (its pid is gone) from one being written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

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
