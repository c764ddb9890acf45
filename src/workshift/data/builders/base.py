"""The region-pack builder interface: a builder turns a region's sources into the pack's table contract."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workshift.data import registry
from workshift.data.contract import CODE_SYSTEMS
from workshift.data.reading import Reader
from workshift.errors import InputError

Progress = Callable[[str, int, int], None]
Tables = dict[str, pd.DataFrame]


@dataclass
class BuildContext:
    """What a builder gets: a reader of the data dir, a cache dir, a progress callback, and (for the
    user-tables builder) the folder of the user's tables."""

    name: str
    reader: Reader
    cache_dir: Path
    steps: tuple[str, ...]
    progress: Progress | None = None
    source_dir: Path | None = None
    done: int = field(default=0)

    def step(self) -> None:
        """Report the next step as started."""
        if self.progress is not None and self.done < len(self.steps):
            self.progress(self.steps[self.done], self.done, len(self.steps))
        self.done += 1


@dataclass(frozen=True)
class Builder:
    """One way of building packs.

    ``assemble(context) -> (tables, meta)`` returns every table of :data:`workshift.data.contract.TABLES`
    and a meta dict (``quality`` inside); :func:`workshift.data.build_pack` adds the common keys
    (``code_system``, ``currency``, ``builder``, ``built``, ``sources`` ...), checks the contract and writes.
    """

    name: str
    title: str
    code_system: str
    currency: str
    steps: tuple[str, ...]
    assemble: Callable[[BuildContext], tuple[Tables, dict]]
    needs_source_dir: bool = False

    def __post_init__(self) -> None:
        if self.code_system not in CODE_SYSTEMS:
            raise InputError(f"builder '{self.name}': unknown code system '{self.code_system}'",
                             hint=f"known: {', '.join(CODE_SYSTEMS)}")


def sources_read(reader: Reader) -> list[dict]:
    """{id, version, licence, sha256, files} per source read; sha256 of a multi-file source hashes its files."""
    by_source: dict[str, list] = {}
    for use in reader.used.values():
        by_source.setdefault(use.source, []).append(use)
    out = []
    for source_id, uses in sorted(by_source.items()):
        source = registry.get_source(source_id)
        uses = sorted(uses, key=lambda u: u.path)
        digest = uses[0].sha256 if len(uses) == 1 else hashlib.sha256(
            "".join(f"{u.path}:{u.sha256}\n" for u in uses).encode()).hexdigest()
        out.append({
            "id": source_id, "version": source.version, "licence": source.licence, "sha256": digest,
            "user_supplied": source.user_supplied,
            "files": [{"path": u.path, "sha256": u.sha256, "matches_registry": u.matches_registry}
                      for u in uses],
        })
    return out


def doc_text(text: str | None) -> str:
    """A docstring as one line (for ``meta.rules``)."""
    return " ".join((text or "").split())
