"""A tampered raw file that still parses is refused at build time (issue 12, item 9), unless local edits are
accepted explicitly, and the file hashes are cached by size and modification time."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshift.data import build_pack, load_pack
from workshift.data.reading import sha256_cached
from workshift.errors import ChecksumError
from workshift.files import sha256_file

OEWS = "oews/oews_may2025_national_cross_industry.csv"


def tampered(data_dir: Path) -> bytes:
    """The OEWS file with one employment figure changed, same size."""
    text = (data_dir / OEWS).read_bytes()
    lines = text.split(b"\n")
    fields = lines[5].split(b",")
    employment = fields[3]  # TOT_EMP of one occupation: 3503020 -> 3503021
    fields[3] = employment[:-1] + bytes([48 + (employment[-1] - 48 + 1) % 10])
    lines[5] = b",".join(fields)
    changed = b"\n".join(lines)
    assert len(changed) == len(text) and changed != text
    return changed


def test_tampered_source_is_refused_then_accepted_with_a_flag(tmp_path, data_dir, monkeypatch, capsys):
    from test_data_errors import make_farm

    farm = make_farm(tmp_path, data_dir, {OEWS: tampered(data_dir)})
    home = tmp_path / "home"
    with pytest.raises(ChecksumError, match="differ from the registry's sha256") as err:
        build_pack("us", data_dir=farm, home=home)
    assert OEWS in err.value.message and "--accept-local-edits" in err.value.hint
    assert not (home / "packs" / "us.duckdb").exists()
    monkeypatch.setenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", "1")
    build_pack("us", data_dir=farm, home=home)
    assert "WARNING: building from 1 locally edited source file" in capsys.readouterr().err
    recorded = [f for source in load_pack("us", home=home).meta["source_files"] for f in source["files"]]
    assert [f["path"] for f in recorded if not f["matches_registry"]] == [OEWS]  # the edit is on record

def test_hashes_are_cached_by_size_and_mtime(tmp_path, fresh_home):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n")
    first = sha256_cached(path)
    assert first == sha256_file(path)
    cache = fresh_home / "cache" / "sha256.json"
    assert cache.is_file() and first in cache.read_text()
    path.write_text("a,b\n1,3\n")  # same size, new mtime: hashed again
    assert sha256_cached(path) == sha256_file(path) != first
