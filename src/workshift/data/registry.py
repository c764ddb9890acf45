"""The source registry: every raw file the data layer reads, its licence and its sha256.

The registry itself is data (``sources.toml``). Readers never open a raw file by a path of their own:
they ask :func:`source_file`, which resolves it in the data dir and says clearly what to do when it is
missing (pull it, or supply it for user-supplied sources that the project may never bundle).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from workshift import config
from workshift.errors import DataError, NotFoundError, closest

REGISTRY_FILE = Path(__file__).with_name("sources.toml")


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the data dir
    sha256: str  # as laid out in the data dir
    bytes: int


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    version: str
    licence: str
    redistributable: bool
    user_supplied: bool
    code_system: str
    url: str
    reference: str
    build: str
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@cache
def load_registry() -> dict[str, Source]:
    with open(REGISTRY_FILE, "rb") as handle:
        raw = tomllib.load(handle)
    known = {f for f in Source.__dataclass_fields__ if f not in ("files", "extra")}
    sources: dict[str, Source] = {}
    for entry in raw["source"]:
        files = tuple(SourceFile(**f) for f in entry.get("files", []))
        base = {k: v for k, v in entry.items() if k in known}
        extra = {k: v for k, v in entry.items() if k not in known and k != "files"}
        sources[entry["id"]] = Source(files=files, extra=extra, **base)
    return sources


def get_source(source_id: str) -> Source:
    registry = load_registry()
    if source_id not in registry:
        guess = closest(source_id, registry)
        raise NotFoundError(
            f"unknown source '{source_id}'", hint=f"did you mean '{guess}'?" if guess else "see sources.toml"
        )
    return registry[source_id]


def source_of(rel_path: str) -> Source:
    """The source that a data-dir-relative file belongs to."""
    for source in load_registry().values():
        if any(f.path == rel_path for f in source.files):
            return source
    raise NotFoundError(f"'{rel_path}' is not a file of any registered source")


def source_file(rel_path: str, data_dir: str | Path | None = None, required: bool = True) -> Path | None:
    """Resolve a registered raw file in the data dir.

    Returns None for a missing user-supplied file when ``required`` is False; otherwise a missing file is
    a :class:`DataError` that says how to get it.
    """
    source = source_of(rel_path)
    root = config.data_dir(data_dir)
    path = root / rel_path
    if path.is_file():
        return path
    if not required:
        return None
    if source.user_supplied:
        hint = (
            f"source '{source.id}' ({source.licence}) is user-supplied only: download it from {source.url} "
            f"and place it at {path}"
        )
    else:
        hint = f"run `workshift data pull` or point --data-dir / $WORKSHIFT_DATA_DIR at a folder holding {rel_path}"
    raise DataError("source file is missing", file=path, expected=f"a file of source '{source.id}'", hint=hint)
