"""The session :class:`~workshift.context.Context` (its home is :mod:`workshift.context`, below the data layer,
so that every layer can take it); kept here for ``from workshift.api.context import Context``."""

from workshift.context import Context, resolve

__all__ = ["Context", "resolve"]
