"""Errors that reach a user: each says what was wrong, where (file, row, column) and what was expected.

The CLI turns any :class:`WorkshiftError` into a red message and a non-zero exit, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class WorkshiftError(Exception):
    """Base class of every user-facing error. ``exit_code`` is what the CLI exits with.

    ``parameter`` names the library argument at fault (``pop``, ``top``...) when there is one: the message says
    it in the library's terms, and a front end (the CLI) may restate it in its own (``--pop``) with
    :meth:`restated`.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, zh: str | None = None,
                 hint_zh: str | None = None, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.zh = zh  # the message for Chinese readers, where it has one (else the English one is shown)
        self.hint_zh = hint_zh
        self.parameter = parameter

    def text(self, lang: str) -> tuple[str, str | None]:
        """The message and hint a reader of ``lang`` ('en' or 'zh') sees."""
        if lang == "zh" and self.zh:
            return self.zh, self.hint_zh or self.hint
        return self.message, self.hint

    def restated(self, names: dict[str, str]) -> WorkshiftError:
        """The same error with its parameter's name replaced by ``names[parameter]`` (e.g. ``{"pop": "--pop"}``)
        where the message starts with it; unchanged if the parameter is not in ``names``."""
        name = names.get(self.parameter or "")
        if not name or not self.message.startswith(f"{self.parameter} "):
            return self
        out = type(self).__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.message = name + self.message[len(self.parameter):]
        out.args = (out.message,)
        return out

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class InputError(WorkshiftError):
    """Bad user input: an argument, a scenario key, a value out of range."""


class DataError(WorkshiftError):
    """A source or user file that is missing, truncated, malformed or fails validation."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = f"{': '.join([', '.join(where), message]) if where else message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text, hint=hint)
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.expected = expected


class ChecksumError(DataError):
    """A file whose sha256 differs from the registry's."""


class StoreBusyError(WorkshiftError):
    """The store stayed locked by another Workshift process for longer than the wait allowed (a temporary
    failure: exit 75, EX_TEMPFAIL; run the command again)."""

    exit_code = 75


class NotFoundError(WorkshiftError):
    """Something asked for by name (a pack, a run, a plan, an index) that does not exist."""


def closest(name: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The closest of ``choices`` to ``name`` (for 'did you mean' hints), or None if nothing is close."""
    import difflib

    found = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.5)
    return found[0] if found else None
