"""Message catalogue for English and Simplified Chinese (zh-CN).

Catalogues are TOML files under ``locales/<lang>/<domain>.toml``; each stage owns its own domain file
(``data.toml``, ``market.toml``, ...), with keys written ``domain.key``. ``t(key, lang, **fields)``
formats a message with ``str.format`` fields; a key missing in zh-CN falls back to English, and the test
suite checks that both catalogues carry the same keys and fields.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from workshift.errors import InputError

LANGUAGES = ("en", "zh")
_LOCALE_DIRS = {"en": "en", "zh": "zh_CN"}
_ROOT = Path(__file__).parent / "locales"


class UnsupportedLanguage(InputError, ValueError):
    """A language code other than English or Chinese (a clean CLI error, and still a ValueError)."""


def normalise_lang(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN', 'cn' to 'zh'; everything else that is English-like to 'en'."""
    if not lang:
        return "en"
    low = lang.lower().replace("_", "-")
    if low in ("zh", "zh-cn", "zh-hans", "cn", "chinese"):
        return "zh"
    if low in ("en", "en-us", "en-gb", "english"):
        return "en"
    raise UnsupportedLanguage(f"unsupported language '{lang}' (expected one of: en, zh)")


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
