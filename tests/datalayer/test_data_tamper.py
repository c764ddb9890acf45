"""A tampered raw file that still parses is refused at build time (issue 12, item 9), unless local edits are
accepted explicitly, and the file hashes are cached by size and modification time."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_farm

from workshift.data import build_pack, load_pack
from workshift.data.reading import Reader, sha256_cached
from workshift.errors import ChecksumError, DataError
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
    farm = make_farm(tmp_path, data_dir, {OEWS: tampered(data_dir)})
    home = tmp_path / "home"
    monkeypatch.delenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", raising=False)
    with pytest.raises(ChecksumError, match="differ from the registry's sha256") as err:
        build_pack("us", data_dir=farm, home=home)
    assert OEWS in err.value.message and "accept_local_edits=True" in err.value.hint  # the library's argument
    assert "build with --accept-local-edits" in str(err.value.restated({"accept_local_edits": "--accept-local-edits"}))
    assert not (home / "packs" / "us.duckdb").exists()
    monkeypatch.setenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", "1")
    assert Reader.open(farm).accept_edits and not Reader.open(farm, accept_edits=False).accept_edits
    monkeypatch.delenv("WORKSHIFT_ACCEPT_LOCAL_EDITS")
    build_pack("us", data_dir=farm, home=home, accept_local_edits=True)
    assert "WARNING: building from 1 locally edited source file" in capsys.readouterr().err
    recorded = [f for source in load_pack("us", home=home).meta["source_files"] for f in source["files"]]
    assert [f["path"] for f in recorded if not f["matches_registry"]] == [OEWS]  # the edit is on record


def duplicated_code(data_dir: Path) -> tuple[bytes, int, str]:
    """The OEWS file with one occupation's code overwritten by the next row's (a duplicate code), its file
    line and the code. Parsing this used to crash the build (pandas InvalidIndexError) before the hash check."""
    lines = (data_dir / OEWS).read_bytes().split(b"\n")
    row = next(i for i, line in enumerate(lines) if line.startswith(b"15-1252,"))
    code = lines[row + 1].split(b",")[0]
    lines[row] = code + lines[row][len(code):]
    return b"\n".join(lines), row + 2, code.decode()


def test_tampered_file_is_refused_before_it_is_parsed(tmp_path, data_dir, monkeypatch):
    changed, _, _ = duplicated_code(data_dir)
    farm = make_farm(tmp_path, data_dir, {OEWS: changed})
    monkeypatch.delenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", raising=False)
    with pytest.raises(ChecksumError, match="differ from the registry's sha256") as err:
        build_pack("us", data_dir=farm, home=tmp_path / "home")
    assert err.value.file.endswith(OEWS)


def test_duplicate_code_in_an_accepted_edit_names_file_row_and_code(tmp_path, data_dir, monkeypatch):
    changed, line, code = duplicated_code(data_dir)
    farm = make_farm(tmp_path, data_dir, {OEWS: changed})
    monkeypatch.setenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", "1")
    with pytest.raises(DataError) as err:
        build_pack("us", data_dir=farm, home=tmp_path / "home")
    assert not isinstance(err.value, ChecksumError)
    assert err.value.file.endswith(OEWS) and err.value.row == line and err.value.column == "soc2018_code"
    assert f"'{code}' appears twice" in str(err.value) and "\n" not in str(err.value)


def test_hashes_are_cached_by_size_and_mtime(tmp_path, fresh_home):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n")
    first = sha256_cached(path)
    assert first == sha256_file(path)
    cache = fresh_home / "cache" / "sha256.json"
    assert cache.is_file() and first in cache.read_text()
    path.write_text("a,b\n1,3\n")  # same size, new mtime: hashed again
    assert sha256_cached(path) == sha256_file(path) != first
