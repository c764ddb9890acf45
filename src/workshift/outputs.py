"""One guard for every file or folder a command writes (``--out``, ``--report``, ``--html``).

Checked before any work is done, so that a bad output path costs nothing and nothing is half-written:

- an output is never one of the command's inputs (the same file by any name: resolved paths, hard links);
- a file output is never an existing folder, and a folder output never an existing file;
- an existing file is overwritten only with ``--force``; so is a folder that already has files, unless
  Workshift wrote it (it holds the marker file ``.workshift-output``: results are regenerable, user files not);
- the file's extension matches one of the formats the command writes (``--out x.xlsx`` is not silently CSV);
- the folder it goes into can be created and written.

Every refusal is an :class:`~workshift.errors.InputError`: one line naming the path and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workshift.errors import InputError

FORCE_HELP = "Overwrite existing output files."
MARKER = ".workshift-output"


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _writable_parent(path: Path, flag: str) -> None:
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{flag} {path}: {parent} is a file, not a folder", hint="choose a path in a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {path}: the folder {parent} is not writable", hint="choose a writable folder")


def check_output(path: str | Path | None, *, flag: str = "--out", formats: Iterable[str] = (),
                 inputs: Iterable[str | Path | None] = (), force: bool = False) -> Path | None:
    """Check a file output (see the module docstring); returns the path, or None when none was given.

    ``formats`` are the allowed extensions (``".csv"``...); empty means any. ``inputs`` are the files the
    command reads.
    """
    if path is None:
        return None
    path = Path(path)
    allowed = tuple(f.lower() for f in formats)
    if allowed and path.suffix.lower() not in allowed:
        raise InputError(f"{flag} {path}: the extension '{path.suffix}' is not a format this command writes",
                         hint=f"use {' or '.join(allowed)}")
    if path.is_dir():
        raise InputError(f"{flag} {path} is a folder", hint="give a file name"
                         + (f" ending in {' or '.join(allowed)}" if allowed else ""))
    _not_an_input(path, flag, inputs)
    if path.exists() and not force:
        raise InputError(f"{flag} {path} already exists", hint="add force=True to overwrite it, or choose another name",
                         mentions=("force",))
    _writable_parent(path, flag)
    return path


def check_output_folder(path: str | Path | None, *, flag: str = "--out", inputs: Iterable[str | Path | None] = (),
                        force: bool = False) -> Path | None:
    """Check a folder output: never an existing file or an input's folder; files in it need ``--force``."""
    if path is None:
        return None
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path} is a file, not a folder", hint="give a folder name (it is created)")
    for item in inputs:
        if item is not None and Path(item).exists() and _same(Path(item).parent, path) and not force:
            raise InputError(f"{flag} {path} is the folder of the input {item}",
                             hint="write outputs to another folder, or add force=True", mentions=("force",))
    if path.is_dir() and not (path / MARKER).exists() and any(path.iterdir()) and not force:
        raise InputError(f"{flag} {path} already has files", hint="add force=True to overwrite them, or choose "
                                                                  "another folder", mentions=("force",))
    _writable_parent(path / "x", flag)
    return path


def mark_output_folder(path: str | Path) -> None:
    """Mark a folder as written by Workshift (so the next run may write into it again without --force)."""
    marker = Path(path) / MARKER
    if not marker.exists():
        marker.write_text("Written by Workshift; its files may be replaced by the next run.\n", encoding="utf-8")


def check_outputs(paths: Iterable[Path], *, flag: str = "--out", inputs: Iterable[str | Path | None] = (),
                  force: bool = False) -> None:
    """Check several files written from one ``--out`` (a main file and the files beside it)."""
    inputs = list(inputs)
    for path in paths:
        check_output(path, flag=flag, inputs=inputs, force=force)


def _not_an_input(path: Path, flag: str, inputs: Iterable[str | Path | None]) -> None:
    for item in inputs:
        if item is not None and _same(path, Path(item)):
            raise InputError(f"{flag} {path} is an input of this command",
                             hint="write the output to another file; inputs are never overwritten")
