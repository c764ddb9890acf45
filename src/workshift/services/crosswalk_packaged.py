"""The CSCO->SOC crosswalk shipped with the package, so that the first Chinese query needs no build.

Building the crosswalk embeds about 2,700 texts (minutes on a laptop; 395 s measured on a fresh store).
The build from the shared data is therefore shipped as ``services/data/csco_soc_crosswalk.parquet``
(the candidate table: codes, ranks, similarities, confidences — no CSCO definition text) and
``csco_soc_crosswalk.npz`` (the SOC passage vectors, float16, for free-text queries), both stamped with a
**portable key**: a sha256 of the crosswalk's parameters and of every input file's content (CSCO file,
OEWS, O*NET titles, alternates and descriptions, the NEM and SOC definition files). When the user's
files have the same content, :func:`install` copies the shipped build into the home cache under the
current cache key (seconds); otherwise the crosswalk is built as before. ``make`` target
``crosswalk-package`` (``python -m workshift.services.crosswalk_packaged``) writes the shipped files.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.data import registry
from workshift.files import atomic_path
from workshift.services.titles import file_sha

NAME = "csco_soc_crosswalk"
_COLUMNS = ("csco_code", "csco_name", "rank", "soc_code", "soc_title", "similarity", "major_agree", "confidence")
_VECTORS = ("passages", "csco_codes", "starts", "hubs", "query_mean", "soc_codes", "soc_titles")


def shipped_path(suffix: str) -> Path:
    return Path(str(files("workshift.services") / "data" / f"{NAME}{suffix}"))


def portable_key(parameters: list, inputs: tuple[str, ...], data_dir=None) -> str | None:
    """sha256 of the parameters and of the input files' contents; None when an input file is missing."""
    shas = []
    for rel in inputs:
        path = registry.source_file(rel, data_dir, required=False)
        if path is None:
            return None
        shas.append(file_sha(path))
    return hashlib.sha256(json.dumps([parameters, shas], default=str).encode()).hexdigest()[:32]


def install(key: str, portable: str | None, folder: Path) -> bool:
    """Copy the shipped build into ``folder`` as ``<key>.parquet``/``.npz`` when its portable key matches."""
    table, vectors = shipped_path(".parquet"), shipped_path(".npz")
    if portable is None or not (table.is_file() and vectors.is_file()):
        return False
    import pyarrow.parquet as pq

    shipped = pq.read_table(table)
    meta = json.loads((shipped.schema.metadata or {}).get(b"workshift", b"{}"))
    if meta.get("portable_key") != portable:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    with np.load(vectors, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in _VECTORS}
    arrays["passages"] = arrays["passages"].astype(np.float32)
    with atomic_path(folder / f"{key}.npz", suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    meta = {**meta, "key": key, "installed_from": "packaged build"}
    shipped = shipped.replace_schema_metadata({b"workshift": json.dumps(meta).encode()})
    with atomic_path(folder / f"{key}.parquet", suffix=".parquet") as tmp:  # last: marks a full install
        pq.write_table(shipped, tmp)
    return True


def package(frame: pd.DataFrame, vectors: Path, portable: str) -> None:
    """Write the shipped files from a full build (its table and its ``.npz``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {**frame.attrs, "portable_key": portable}
    table = pa.Table.from_pandas(frame[list(_COLUMNS)], preserve_index=False)
    table = table.replace_schema_metadata({b"workshift": json.dumps(meta, default=str).encode()})
    with atomic_path(shipped_path(".parquet"), suffix=".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd")
    with np.load(vectors, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in _VECTORS}
    arrays["passages"] = arrays["passages"].astype(np.float16)
    with atomic_path(shipped_path(".npz"), suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
