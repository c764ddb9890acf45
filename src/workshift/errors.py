"""Errors that reach a user: each says what was wrong, where (file, row, column) and what was expected.

The CLI turns any :class:`WorkshiftError` into a red message and a non-zero exit, without a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path


class WorkshiftError(Exception):
    """Base class of every user-facing error. ``exit_code`` is what the CLI exits with.

    ``parameter`` names the library argument at fault (``pop``, ``top``...) when there is one: the message says
    it in the library's terms, and a front end (the CLI) may restate it in its own (``--pop``) with
    :meth:`restated`. ``mentions`` lists the other arguments the message or hint names as ``name=VALUE``
    (``control='notyet'``, ``baseline_rate=R``, ``accept_mismatch="REASON"``) or in backquotes, restated the
    same way.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, zh: str | None = None,
                 hint_zh: str | None = None, parameter: str | None = None, mentions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.zh = zh  # the message for Chinese readers, where it has one (else the English one is shown)
        self.hint_zh = hint_zh
        self.parameter = parameter
        self.mentions = tuple(mentions)

    @property
    def arguments(self) -> tuple[str, ...]:
        """Every library argument the error names: the one at fault first, then the mentioned ones."""
        return tuple(dict.fromkeys(([self.parameter] if self.parameter else []) + list(getattr(self, "mentions", ()))))

    def text(self, lang: str) -> tuple[str, str | None]:
        """The message and hint a reader of ``lang`` ('en' or 'zh') sees."""
        if lang == "zh" and self.zh:
            return self.zh, self.hint_zh or self.hint
        return self.message, self.hint

    def restated(self, names: dict[str, str]) -> WorkshiftError:
        """The same error in a front end's terms: ``names`` maps library arguments to its own (``{"pop": "--pop"}``).

        The fault's parameter is replaced where the message starts with it (``pop = 0 ...`` -> ``--pop = 0 ...``);
        every ``name=VALUE`` of a named argument, in message and hint (en and zh), becomes ``FLAG VALUE``:
        ``=True`` drops (a switch), single-quoted choices lose their quotes (``control='notyet'`` ->
        ``--control notyet``, ``'a' | 'b'`` -> ``a | b``), double-quoted free text keeps them; a bare mention in
        backquotes (```outcome_kind```) becomes the flag. Unchanged when no argument is in ``names``.
        """
        names = {k: v for k, v in names.items() if k in self.arguments}
        if not names:
            return self
        out = type(self).__new__(type(self))
        out.__dict__.update(self.__dict__)
        for attr in ("message", "hint", "zh", "hint_zh"):
            text = getattr(out, attr)
            if text:
                setattr(out, attr, _restate(text, names))
        name = names.get(self.parameter or "")
        if name and out.message.startswith(f"{self.parameter} "):
            out.message = name + out.message[len(self.parameter):]
        out.args = (out.message,)
        return out

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


# name=VALUE in library text: a switch (True), single-quoted choices (joined by |), double-quoted free text, a token
_VALUE = r"""(True\b|'[^']*'(?:\s*\|\s*'[^']*')*|"[^"]*"|[\w.+-]+)"""


def _restate(text: str, names: dict[str, str]) -> str:
    """``text`` with each ``name=VALUE`` of ``names`` written as its flag (see :meth:`WorkshiftError.restated`)."""
    def flag(match: re.Match[str], name: str) -> str:
        value = match.group(1)
        if value == "True":
            return names[name]
        if value.startswith("'"):
            value = value.replace("'", "")
        return f"{names[name]} {value}"

    for name in names:
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}={_VALUE}", lambda m, n=name: flag(m, n), text)
        text = text.replace(f"`{name}`", names[name])
    return text


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
        parameter: str | None = None,
        mentions: tuple[str, ...] = (),
        zh: str | None = None,
        expected_zh: str | None = None,
        hint_zh: str | None = None,
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
        super().__init__(text, hint=hint, parameter=parameter, mentions=mentions,
                         zh=_where_zh(file, row, column, zh, expected_zh), hint_zh=hint_zh)
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.expected = expected


def _where_zh(file: str | Path | None, row: int | None, column: str | None, message: str | None,
              expected: str | None) -> str | None:
    """The Chinese form of a :class:`DataError` (file, row, column, message, expected), or None without a message."""
    if message is None:
        return None
    where = [str(file)] if file is not None else []
    if row is not None:
        where.append(f"第 {row} 行")
    if column is not None:
        where.append(f"列“{column}”")
    text = f"{'，'.join(where)}：{message}" if where else message
    return text + (f"（应为{expected}）" if expected else "")


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
