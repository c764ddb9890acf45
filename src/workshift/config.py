"""Where Workshift reads raw data and keeps its store.

Data dir (raw source files), first that applies:
  1. an explicit ``--data-dir`` (or :func:`set_data_dir`),
  2. ``$WORKSHIFT_DATA_DIR``,
  3. ``../shared/data`` beside the checkout (or beside the current directory) when present,
  4. a user cache dir that ``workshift data pull`` fills.

Home (the DuckDB store, packs, runs, reports): ``--home``, else ``$WORKSHIFT_HOME``, else a user data dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from workshift.errors import InputError

_overrides: dict[str, Path] = {}
# set (to 1) to build packs from source files whose sha256 is not the registry's (see data.reading.Reader)
ACCEPT_EDITS_ENV = "WORKSHIFT_ACCEPT_LOCAL_EDITS"
# the text encoding of the tables users bring, when it is not to be guessed (`workshift --encoding`)
ENCODING_ENV = "WORKSHIFT_ENCODING"

# src/workshift/config.py -> the checkout root is three levels up.
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def set_data_dir(path: str | Path | None) -> None:
    if path is None:
        _overrides.pop("data_dir", None)
    else:
        _overrides["data_dir"] = Path(path).expanduser().resolve()


def text_encoding() -> str | None:
    """The encoding users named for their tables (``--encoding`` or ``$WORKSHIFT_ENCODING``); None: guess."""
    return os.environ.get(ENCODING_ENV) or None


def set_home(path: str | Path | None) -> None:
    if path is None:
        _overrides.pop("home", None)
    else:
        _overrides["home"] = Path(path).expanduser().resolve()


def user_cache_data_dir() -> Path:
    return Path(platformdirs.user_cache_dir("workshift")) / "data"


def pull_dir(explicit: str | Path | None = None) -> Path:
    """Where ``workshift data pull`` writes: ``explicit``, else the root --data-dir or $WORKSHIFT_DATA_DIR,
    else the user cache. Unlike :func:`data_dir` it never falls back to ``../shared/data`` (a reference copy,
    not a cache)."""
    if explicit is not None:
        return Path(explicit).expanduser().resolve()
    if "data_dir" in _overrides:
        return _overrides["data_dir"]
    return default_pull_dir()


def default_pull_dir() -> Path:
    """Where a plain ``workshift data pull`` (no --data-dir) writes: $WORKSHIFT_DATA_DIR, else the user cache."""
    env = os.environ.get("WORKSHIFT_DATA_DIR")
    return Path(env).expanduser().resolve() if env else user_cache_data_dir()


def data_dir(explicit: str | Path | None = None) -> Path:
    """The raw-data directory, resolved by the order in the module docstring."""
    if explicit is not None:
        return Path(explicit).expanduser().resolve()
    if "data_dir" in _overrides:
        return _overrides["data_dir"]
    env = os.environ.get("WORKSHIFT_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    for base in (CHECKOUT_ROOT, Path.cwd()):
        shared = base.parent / "shared" / "data"
        if shared.is_dir():
            return shared.resolve()
    return user_cache_data_dir()


def home(explicit: str | Path | None = None) -> Path:
    """The Workshift home (store, packs, runs); created on first use."""
    if explicit is not None:
        path = Path(explicit).expanduser().resolve()
    elif "home" in _overrides:
        path = _overrides["home"]
    elif os.environ.get("WORKSHIFT_HOME"):
        path = Path(os.environ["WORKSHIFT_HOME"]).expanduser().resolve()
    else:
        path = Path(platformdirs.user_data_dir("workshift"))
    if path.exists() and not path.is_dir():
        raise InputError(f"the Workshift home {path} is a file, not a folder",
                         hint="point `home` or $WORKSHIFT_HOME at a folder (it is created if missing)",
                         mentions=("home",))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the Workshift home {path}: {exc.strerror or exc}",
                         hint="point `home` or $WORKSHIFT_HOME at a writable folder", mentions=("home",)) from exc
    return path
