"""Message catalogue for English and Simplified Chinese (zh-CN).

Catalogues are TOML files under ``locales/<lang>/<domain>.toml``; each stage owns its own domain file
(``data.toml``, ``market.toml``, ...), with keys written ``domain.key``. ``t(key, lang, **fields)``
formats a message with ``str.format`` fields; a key missing in zh-CN falls back to English, and the test
suite checks that both catalogues carry the same keys and fields.

The language a user reads is set once: ``workshift --lang zh COMMAND`` (:func:`set_lang`) or the
environment variable ``WORKSHIFT_LANG``; a command's own ``--lang`` overrides both (:func:`lang_option`).
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from workshift.errors import InputError

LANGUAGES = ("en", "zh")
_LOCALE_DIRS = {"en": "en", "zh": "zh_CN"}
_ROOT = Path(__file__).parent / "locales"
LANG_ENV = "WORKSHIFT_LANG"
_SESSION: dict[str, str] = {}  # 'lang' -> the global --lang given before the command


class UnsupportedLanguage(InputError, ValueError):
    """A language code other than English or Chinese (a clean CLI error, and still a ValueError)."""


def normalise_lang(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN', 'cn' to 'zh'; everything else that is English-like to 'en'.

    No language (None or '') means the session's: :func:`current_lang`.
    """
    if not lang:
        return current_lang()
    low = lang.lower().replace("_", "-")
    if low in ("zh", "zh-cn", "zh-hans", "cn", "chinese"):
        return "zh"
    if low in ("en", "en-us", "en-gb", "english"):
        return "en"
    raise UnsupportedLanguage(f"unsupported language '{lang}' (expected one of: en, zh)")


def current_lang() -> str:
    """The global language: the root ``--lang`` when given, else ``$WORKSHIFT_LANG``, else English."""
    if "lang" in _SESSION:
        return _SESSION["lang"]
    env = os.environ.get(LANG_ENV, "").strip()
    if not env:
        return "en"
    try:
        return normalise_lang(env)
    except UnsupportedLanguage as exc:
        raise UnsupportedLanguage(f"{exc.message} in ${LANG_ENV}") from exc


def set_lang(lang: str | None) -> None:
    """Set (a language) or clear (None) the global language of this process."""
    if lang is None:
        _SESSION.pop("lang", None)
    else:
        _SESSION["lang"] = normalise_lang(lang)


def lang_option(value: str | None) -> str:
    """Typer callback of every command's ``--lang``: the value given (then also the language of the
    command's errors), else the global language."""
    if not value:
        return current_lang()
    set_lang(value)
    return current_lang()


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, keyed ``domain.key``."""
    folder = _ROOT / _LOCALE_DIRS[normalise_lang(lang)]
    messages: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with open(path, "rb") as handle:
            _flatten(path.stem, tomllib.load(handle), messages)
    return messages


def t(key: str, lang: str | None = "en", **fields: object) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in (English when zh-CN lacks it)."""
    code = normalise_lang(lang)
    text = catalogue(code).get(key) or catalogue("en").get(key)
    if text is None:
        raise KeyError(f"no message '{key}' in the catalogue")
    return text.format(**fields) if fields else text


def term(key: str, raw: object, lang: str | None = None) -> str:
    """An internal name (a model family, a method id, a column) as a Chinese reader names it: the message
    ``key`` for Chinese readers where the catalogue has it; ``raw`` itself, as English output always shows it."""
    if normalise_lang(lang) == "zh" and key in catalogue("en"):
        return t(key, "zh")
    return str(raw)
