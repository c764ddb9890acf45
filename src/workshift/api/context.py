"""Where a library session reads data and keeps its store: one :class:`Context`, created once, passed down."""

from __future__ import annotations

from dataclasses import dataclass
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


def resolve(context: Context | None) -> Context:
    """``context``, or a fresh default one (resolved now, so that it follows ``$WORKSHIFT_HOME`` at the call)."""
    return context if context is not None else Context.create()
