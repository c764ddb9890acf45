"""What the command line prints: one error printer and one JSON printer, shared by every command.

- :func:`print_error` writes ``Error: <message> (hint: ...)`` as one line on stderr. The text is never read as
  Rich markup (a file called ``neg[red].toml`` or a CSV header ``[/x]`` is printed as it is) and terminal
  control characters are shown escaped (``\\x1b``), so a hostile file name cannot drive the terminal.
- :func:`echo_json` prints strict JSON on stdout: numpy scalars become numbers, and a non-finite number
  (NaN, inf) becomes ``null`` rather than the bare ``NaN`` that JSON parsers reject.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from workshift.i18n import current_lang, t
from workshift.jsontext import dumps, finite

__all__ = ["dumps", "echo_json", "finite", "plain", "print_error"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """``text`` as one printable line: control characters escaped, line breaks folded into '; '."""
    lines = [line.strip() for line in str(text).replace("\r\n", "\n").split("\n")]
    joined = "; ".join(line for line in lines if line)
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], joined)


def print_error(message: object, hint: object | None = None) -> None:
    """One red ``Error:`` (``错误：``) line on stderr; ``message`` and ``hint`` are printed literally (no markup)."""
    lang = current_lang()
    line = Text(t("common.error_prefix", lang), style="bold red")
    line.append(plain(message))
    if hint:
        line.append(t("common.hint_open", lang), style="yellow")
        line.append(plain(hint))
        line.append(t("common.hint_close", lang), style="yellow")
    Console(stderr=True, soft_wrap=True, highlight=False).print(line)


def print_note(message: object) -> None:
    """One yellow ``note:`` line on stderr (printed literally, like :func:`print_error`)."""
    line = Text("note: ", style="yellow")
    line.append(plain(message))
    Console(stderr=True, soft_wrap=True, highlight=False).print(line)


def echo_json(payload: Any, *, indent: int | None = 2, compact: bool = False) -> None:
    """Print ``payload`` as strict JSON on stdout (never NaN or Infinity)."""
    typer.echo(dumps(payload, indent=indent, compact=compact))

