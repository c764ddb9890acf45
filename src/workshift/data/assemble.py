"""Assembling a region pack: run its builder, check the table contract, add the common meta keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from workshift._version import __version__
from workshift.data.builders import BuildContext, Builder, Progress, get_builder, sources_read
from workshift.data.contract import check_tables
from workshift.data.price_levels import cost_conversion
from workshift.data.reading import Reader


def assemble(name: str, data_dir: str | Path | None, cache_dir: Path, progress: Progress | None = None,
             builder: Builder | None = None, source_dir: Path | None = None, accept_local_edits: bool | None = None
             ) -> tuple[dict[str, pd.DataFrame], dict]:
    """All tables of the pack and its meta dict. Raises DataError on any bad source; writes nothing.

    ``builder`` defaults to the registered builder of ``name``; ``source_dir`` is the folder of a user's
    tables (the ``tables`` builder).
    """
    started = time.perf_counter()
    builder = builder or get_builder(name)
    reader = Reader.open(data_dir, accept_local_edits)
    context = BuildContext(name=name, reader=reader, cache_dir=cache_dir, steps=builder.steps, progress=progress,
                           source_dir=source_dir)
    tables, meta = builder.assemble(context)
    check_tables(tables, name)
    reader.check_registry()  # a tampered source that parses is refused too (or accepted with a warning)
    sources = sources_read(reader)
    meta = {
        "name": name,
        "builder": builder.name,
        "code_system": meta.pop("code_system", builder.code_system),
        "currency": meta.pop("currency", builder.currency),
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "workshift": __version__,
        "data_dir": str(reader.data_dir),
        "sources": [{k: s[k] for k in ("id", "version", "licence", "sha256")} for s in sources],
        "source_files": sources,
        "absent_files": reader.absent,
        "vintages": {s["id"]: s["version"] for s in sources},
        **meta,
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    meta.setdefault("quality", {})
    meta["quality"].setdefault("code_system", meta["code_system"])
    # the factor that puts the catalogue's US-dollar lever costs into the pack's currency (None: unknown)
    meta.setdefault("cost_conversion", cost_conversion(builder.name, meta["currency"]))
    return tables, meta
