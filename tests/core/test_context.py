"""The session Context (workshift.context): resolved like the command line, the old keywords still override it,
and the services read their data dir and store from it instead of (data_dir, pack, home) by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import workshift as ws
from workshift.context import Context, resolve
from workshift.services import crosswalk_csco, lookup


def test_default_context_follows_the_environment_at_the_call(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "a"))
    first = resolve(None)
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "b"))
    assert first.home == (tmp_path / "a").resolve() and resolve(None).home == (tmp_path / "b").resolve()
    assert ws.Context is Context and first.pack == "us"


def test_old_keywords_replace_only_their_own_location(tmp_path) -> None:
    ctx = Context.create(data_dir=tmp_path / "data", home=tmp_path / "home", pack="cn")
    assert resolve(ctx) is ctx
    moved = resolve(ctx, home=tmp_path / "other")
    assert (moved.data_dir, moved.home, moved.pack) == (ctx.data_dir, (tmp_path / "other").resolve(), "cn")
    assert resolve(ctx, data_dir=tmp_path / "d2").data_dir == (tmp_path / "d2").resolve()


def test_a_path_where_the_context_goes_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(TypeError, match="data_dir= / home="):
        crosswalk_csco.cached_crosswalk(tmp_path)


def test_services_read_the_context_not_the_environment(tmp_path, monkeypatch) -> None:
    """A context naming an empty data dir: the lookup fails on *that* dir (the session's has the files)."""
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "env_home"))
    empty = Context.create(data_dir=tmp_path / "empty", home=tmp_path / "home")
    (tmp_path / "empty").mkdir()
    assert crosswalk_csco.cached_crosswalk(empty) is None  # no CSCO file there: nothing cached, nothing built
    with pytest.raises(ws.errors.DataError) as err:
        lookup.resolve_occupation("15-1252", context=empty)
    assert str(Path(tmp_path / "empty")) in str(err.value.file)
    assert not (tmp_path / "env_home" / "cache").exists()
