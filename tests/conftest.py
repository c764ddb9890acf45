"""Shared fixtures. The US pack is built once per test session into a temporary Workshift home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workshift import config

SHARED_DATA = config.CHECKOUT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Workshift home for the session; the US pack gets built here once."""
    home = tmp_path_factory.mktemp("workshift_home")
    os.environ["WORKSHIFT_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def us_pack(session_home: Path, data_dir: Path):
    """The US region pack built from ../shared/data (built once, then loaded from the store)."""
    from workshift.data import build_pack, load_pack

    build_pack("us", data_dir=data_dir, home=session_home)
    return load_pack("us", home=session_home)


@pytest.fixture()
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Workshift home for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("WORKSHIFT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def intl_home(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """One home with the international packs the tests use (de, uk, cn), built once per session."""
    from workshift.data import build_pack

    home = tmp_path_factory.mktemp("intl_home")
    for name in ("de", "uk", "cn"):
        build_pack(name, data_dir=data_dir, home=home)
    return home
