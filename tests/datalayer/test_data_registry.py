"""The source registry: complete metadata, correct licences, hashes that match the shared data,
derivations that rebuild the laid-out files byte for byte, and `workshift data verify|sources`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from workshift.data import registry
from workshift.data.derived import CONVERSIONS, DERIVATIONS, derive
from workshift.errors import DataError, NotFoundError
from workshift.files import sha256_file

HEX64 = re.compile(r"^[0-9a-f]{64}$")
ALL_FILES = [(s.id, f) for s in registry.load_registry().values() for f in s.files]
DERIVED = [f for _, f in ALL_FILES if f.rule == "derive"]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    from workshift.cli import main

    monkeypatch.setenv("COLUMNS", "250")  # rich would wrap long hashes at 80 columns
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_every_source_has_complete_metadata() -> None:
    sources = registry.load_registry()
    assert len(sources) == 27
    for s in sources.values():
        for name in ("title", "publisher", "version", "licence", "url", "reference", "build"):
            assert getattr(s, name).strip(), f"{s.id}.{name} is empty"
        assert s.attribution.strip()
        assert s.url.startswith("https://"), s.id
        assert not (s.user_supplied and s.redistributable), f"{s.id}: user-supplied sources are never redistributed"
        assert s.files


@pytest.mark.parametrize(("source_id", "entry"), ALL_FILES, ids=[f.path for _, f in ALL_FILES])
def test_every_file_has_hashes_an_address_and_a_rule(source_id: str, entry: registry.SourceFile) -> None:
    assert HEX64.match(entry.sha256) and entry.bytes > 0
    assert entry.rule in registry.RULES
    for digest in (entry.published_sha256, entry.member_sha256):
        assert digest == registry.UNKNOWN or HEX64.match(digest)
    if entry.rule == "derive":
        assert entry.builder in DERIVATIONS and entry.inputs and not entry.url
        for rel in entry.inputs:  # registered raw files, not other derived ones
            assert registry.registry_file(rel).rule != "derive"
    else:
        assert entry.url.startswith("https://"), entry.path
    if entry.rule == "extract":
        assert entry.member and (not entry.builder or entry.builder in CONVERSIONS)
    if entry.rule == "transcode":
        assert entry.builder in CONVERSIONS and entry.published_sha256 != registry.UNKNOWN
        assert len(entry.also_urls) == len(entry.also_sha256) and all(HEX64.match(d) for d in entry.also_sha256)
    assert registry.source_of(entry.path).id == source_id


def test_user_supplied_sources_are_exactly_the_unclear_licences() -> None:
    supplied = {s.id for s in registry.load_registry().values() if s.user_supplied}
    assert supplied == {"aioe", "frey_osborne", "mobility_asec", "csco", "rti_mihaylov"}


def test_shared_data_matches_the_registry(data_dir: Path) -> None:
    checks = registry.verify(data_dir)
    assert len(checks) == len(ALL_FILES) == 143
    assert {c.status for c in checks} == {"ok"}
    for _, entry in ALL_FILES:
        assert (data_dir / entry.path).stat().st_size == entry.bytes


def test_licences_agree_with_the_licence_files(data_dir: Path) -> None:
    def text(rel: str) -> str:
        return (data_dir / rel).read_text(encoding="utf-8")

    get = registry.get_source
    assert "MIT License" in text("exposure/gpts_are_gpts/LICENSE") and get("gpts_are_gpts").licence == "MIT"
    assert "CC BY 4.0" in text("exposure/microsoft_working_with_ai/LICENSE.txt")
    assert get("microsoft_working_with_ai").licence == "CC BY 4.0"
    assert "MIT License" in text("career/nesta_mcc/LICENSE") and get("nesta_mcc").licence == "MIT"
    assert "MIT License" in text("crosswalks/ibs_onetsoc_isco/iscoCrosswalks_LICENSE.md")
    assert "MIT" in get("crosswalks").licence
    assert "Attribution 4.0 International" in text("mobility/LICENSE_CanadaLaborApplication.txt")
    assert "CC BY 4.0" in get("mobility_asec").licence and "CC BY-NC 4.0" in get("mobility_asec").licence
    assert get("onet").licence == "CC BY 4.0"
    assert "U.S. Department of Labor, Employment and Training Administration" in get("onet").attribution
    for public in ("oews", "macro", "bls_projections", "bls_self_employment"):
        assert get(public).licence == "US public domain"


def test_oews_publisher_hashes_come_from_its_manifest(data_dir: Path) -> None:
    manifest = json.loads((data_dir / "oews/manifest.json").read_text())
    gz = registry.registry_file("oews/oews-2025.sqlite.gz")
    assert gz.member_sha256 == manifest["file_sha256"] and gz.content_sha256 == manifest["database_sha256"]
    assert gz.accepts(gz.sha256) and gz.accepts(manifest["file_sha256"]) and not gz.accepts("0" * 64)
    # the laid-out gzip is a re-compression: its bytes differ, its content is the publisher's database
    assert gz.sha256 != manifest["file_sha256"]
    assert registry.gunzip_sha256(data_dir / gz.path) == manifest["database_sha256"]
    upstream = {u["name"]: u for u in registry.get_source("oews").extra["upstream"]}
    assert upstream.keys() == manifest["sources"].keys()
    for name, entry in manifest["sources"].items():
        assert upstream[name]["sha256"] == entry["sha256"] and upstream[name]["url"] == entry["url"]


@pytest.mark.parametrize("entry", DERIVED, ids=[f.path for f in DERIVED])
def test_derivations_rebuild_the_laid_out_file_byte_for_byte(entry: registry.SourceFile, data_dir: Path) -> None:
    import hashlib

    built = derive(entry, data_dir)
    assert len(built) == entry.bytes
    assert hashlib.sha256(built).hexdigest() == entry.sha256


def test_source_file_says_how_to_get_a_missing_file(tmp_path: Path) -> None:
    assert registry.source_file("exposure/aioe/aioe_occupation_scores.csv", tmp_path, required=False) is None
    with pytest.raises(DataError) as missing_supplied:
        registry.source_file("exposure/aioe/aioe_occupation_scores.csv", tmp_path)
    assert "user-supplied" in str(missing_supplied.value) and "github.com/AIOE-Data/AIOE" in str(missing_supplied.value)
    with pytest.raises(DataError) as mobility:
        registry.source_file("mobility/asec_to_bls_mobility_edgelist.csv", tmp_path)
    text = str(mobility.value)
    assert "source 'mobility_asec'" in text and "licence is unclear" in text
    assert f"`workshift data pull mobility_asec --accept-licence mobility_asec --data-dir {tmp_path}`" in text
    with pytest.raises(DataError) as onet:
        registry.source_file("onet/tsv/Job Zones.txt", tmp_path)
    assert "source 'onet'" in str(onet.value)
    assert f"`workshift data pull onet --data-dir {tmp_path}` fetches it from www.onetcenter.org" in str(onet.value)
    with pytest.raises(DataError) as derived:
        registry.source_file("crosswalks/derived_soc2018_to_isco08_via_soc2010.csv", tmp_path)
    assert "`workshift data pull crosswalks" in str(derived.value) and "builds it" in str(derived.value)
    with pytest.raises(DataError) as optional:
        registry.source_file("evaluation/mpdta.csv", tmp_path)
    assert "--base-url MIRROR" in str(optional.value) and "nothing in Workshift requires it" in str(optional.value)
    with pytest.raises(NotFoundError, match="did you mean 'macro'"):
        registry.get_source("macr")


def test_packaged_tables_are_shipped_and_match_the_registry() -> None:
    packaged = [(s, f) for s, f in ALL_FILES if f.packaged]
    assert {f.path.split("/")[0] for _, f in packaged} == {"projections", "flexible_work", "crosswalks", "exposure",
                                                           "macro", "international"}
    notes = (registry.PACKAGED_DIR / "README.md").read_text(encoding="utf-8")
    for source_id, entry in packaged:
        copy = registry.packaged_copy(entry)
        assert copy is not None and entry.accepts(sha256_file(copy)), entry.path
        assert registry.get_source(source_id).redistributable and f"`{entry.path}`" in notes
        assert entry.bytes < 250_000  # small tables only
    shipped = {p.relative_to(registry.PACKAGED_DIR).as_posix() for p in registry.PACKAGED_DIR.rglob("*.csv")}
    assert shipped == {f.path for _, f in packaged}  # nothing shipped that the registry does not list


def test_download_addresses_name_files_not_pages() -> None:
    """A copy/extract/transcode address must serve a file: a project or landing page would be fetched as HTML."""
    for _, entry in ALL_FILES:
        if entry.rule in ("copy", "extract", "transcode"):
            last = urlsplit(entry.url).path.rsplit("/", 1)[-1]
            assert "." in last or urlsplit(entry.url).netloc == "raw.githubusercontent.com", entry.path


def test_public_git_copies_are_pinned_to_a_commit() -> None:
    """A branch address can change under the registry; a commit cannot (the DDF ILOSTAT mirror is the one
    known exception, documented in docs/sources.md)."""
    pinned = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/")
    unpinned = {f.path for s, f in ALL_FILES if registry.obtained_by(f) == "public copy" and not pinned.match(f.url)}
    assert {p.split("/")[1] for p in unpinned} <= {"ilostat"}


def test_every_required_file_is_obtainable_without_a_mirror() -> None:
    for source in registry.load_registry().values():
        for entry in source.files:
            if not registry.is_optional(source, entry) and not source.user_supplied:
                assert registry.pullable(entry), entry.path
            assert registry.obtained_by(entry) in registry.PATHS


@pytest.fixture()
def small_copy(tmp_path: Path, data_dir: Path) -> Path:
    """A data dir holding a copy of the macro and projections sources."""
    for source_id in ("macro", "bls_projections"):
        for f in registry.get_source(source_id).files:
            (tmp_path / f.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data_dir / f.path, tmp_path / f.path)
    return tmp_path


def test_verify_detects_a_modified_file(small_copy: Path) -> None:
    rel = "projections/bls_ep_table1_7_occupation_projections_2022_32.csv"
    assert {c.status for c in registry.verify(small_copy, ["macro", "bls_projections"])} == {"ok"}
    data = bytearray((small_copy / rel).read_bytes())
    data[500] = ord("9") if data[500] != ord("9") else ord("8")  # one changed digit
    (small_copy / rel).write_bytes(bytes(data))
    checks = {c.path: c for c in registry.verify(small_copy, ["macro", "bls_projections"])}
    assert checks[rel].status == "mismatch" and checks[rel].is_error
    assert checks[rel].expected == registry.registry_file(rel).sha256 != checks[rel].sha256
    assert [c.status for p, c in checks.items() if p != rel] == ["ok", "ok"]


def test_verify_cli_fails_on_a_mismatch_and_names_it(small_copy: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["data", "verify", "macro", "bls_projections", "--data-dir", str(small_copy)],
                           capsys, monkeypatch)
    assert code == 0 and "3 of 3 files verified (0 from the package)" in out
    rel = "macro/us_unemployment_rate_monthly_1948_2018.csv"
    (small_copy / rel).write_text((small_copy / rel).read_text().replace("3.4", "3.5", 1))
    code, out, err = run_cli(["data", "verify", "--data-dir", str(small_copy), "macro"], capsys, monkeypatch)
    assert code == 2 and rel in err and registry.registry_file(rel).sha256 in err
    assert "1 with a wrong checksum" in out


def test_verify_treats_missing_user_supplied_files_as_information(tmp_path: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["data", "verify", "aioe", "--data-dir", str(tmp_path), "--json"], capsys, monkeypatch)
    report = json.loads(out)
    assert code == 0 and report["counts"] == {"missing_user_supplied": 6}
    code, out, _ = run_cli(["data", "verify", "nesta_mcc", "evaluation", "macro", "--data-dir", str(tmp_path), "--json"],
                           capsys, monkeypatch)
    report = json.loads(out)  # optional sources are information; packaged files are found in the package
    assert code == 0 and report["counts"] == {"missing_optional": 18, "ok": 2}
    code, _, err = run_cli(["data", "verify", "gpts_are_gpts", "--data-dir", str(tmp_path)], capsys, monkeypatch)
    assert code == 2 and "3 required files are missing" in err
    assert "`workshift data pull gpts_are_gpts --data-dir" in err


def test_sources_json_lists_every_source_with_its_files(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["data", "sources", "--json"], capsys, monkeypatch)
    listing = {s["id"]: s for s in json.loads(out)}
    assert code == 0 and len(listing) == 27
    for s in listing.values():
        assert {"publisher", "version", "licence", "url", "redistributable", "user_supplied", "attribution"} <= s.keys()
        for f in s["files"]:
            assert {"path", "sha256", "bytes", "url", "published_sha256", "rule"} <= f.keys()
    assert listing["csco"]["user_supplied"] is True and listing["oews"]["redistributable"] is True
    code, out, _ = run_cli(["data", "sources", "--lang", "zh"], capsys, monkeypatch)
    assert code == 0 and "数据源" in out and "onet_derived" in out
