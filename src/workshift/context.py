"""Where a library session reads data and keeps its store: one :class:`Context`, created once, passed down.

It sits beside :mod:`workshift.config` at the bottom of the layers, so that the data layer, the engine, the
services and the API all take the same object instead of ``(data_dir, pack, home)`` one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from workshift import config


@dataclass(frozen=True)
class Context:
    """The data directory, the Workshift home and the default region pack of a session.

    Parameters
    ----------
    data_dir : Path
        Raw source files (``workshift data pull`` fills it; see ``docs/data.md``).
    home : Path
        The store: built packs, runs, plans and reports.
    pack : str
        The region pack used when a call names none (``load_pack()``, ``transitions(...)``).
    """

    data_dir: Path
    home: Path
    pack: str = "us"

    @classmethod
    def create(cls, data_dir: str | Path | None = None, home: str | Path | None = None,
               pack: str = "us") -> Context:
        """A context with every path resolved as the command line does (``--data-dir``, ``$WORKSHIFT_DATA_DIR``,
        ``../shared/data``...; ``--home``, ``$WORKSHIFT_HOME``...; see :mod:`workshift.config`).

        Parameters
        ----------
        data_dir, home : str or Path, optional
            Explicit locations; None resolves the default.
        pack : str
            Default region pack.

        Returns
        -------
        Context
        """
        return cls(config.data_dir(data_dir), config.home(home), pack)


def resolve(context: Context | None, data_dir: str | Path | None = None,
            home: str | Path | None = None) -> Context:
    """``context``, or a fresh default one (resolved now, so that it follows ``$WORKSHIFT_HOME`` at the call).

    Parameters
    ----------
    context : Context, optional
        The caller's context; None creates one.
    data_dir, home : str or Path, optional
        The keywords public functions accepted before the context existed (still accepted): each replaces
        the context's own location.

    Returns
    -------
    Context
    """
    if context is None:
        return Context.create(data_dir, home)
    if not isinstance(context, Context):  # a path where the data dir used to come first
        raise TypeError(f"context must be a workshift Context, not {type(context).__name__} "
                        "(a data directory or home goes in data_dir= / home=)")
    if data_dir is None and home is None:
        return context
    return replace(context, data_dir=config.data_dir(data_dir) if data_dir is not None else context.data_dir,
                   home=config.home(home) if home is not None else context.home)
