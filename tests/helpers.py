"""Helpers shared by tests in several folders (tests/ is on sys.path through tests/conftest.py, so a test
module imports them as ``from helpers import ...``)."""

from __future__ import annotations

import os
from pathlib import Path


def make_farm(root: Path, data_dir: Path, replace: dict[str, bytes | None]) -> Path:
    """A data dir of symlinks to ``data_dir`` where ``replace`` maps paths to new bytes (None: remove)."""
    farm = root / "data"
    for path in data_dir.rglob("*"):
        if path.is_file():
            rel = path.relative_to(data_dir).as_posix()
            target = farm / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in replace:
                if replace[rel] is not None:
                    target.write_bytes(replace[rel])
            else:
                os.symlink(path, target)
    return farm
