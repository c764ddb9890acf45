"""Numbers and amounts as readers of each language write them, through Babel's CLDR data.

Chinese groups large numbers by 万 (10⁴) and 亿 (10⁸): 3 × 10¹¹ US dollars is ``3000 亿美元``, not
"300.0 bn USD（USD）"; English writes ``300 billion USD``. Below :data:`COMPACT_FROM` numbers are written
in full with the locale's separators. A number and a Chinese unit are separated by one space
(``6.63 万``), as the project's mixed-text rule asks. A missing value (None, NaN) is ``—``.
"""

from __future__ import annotations

import math

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

from workshift.i18n import normalise_lang

LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
COMPACT_FROM = 10_000
MISSING = "—"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_number(value: float | None, lang: str | None = None, digits: int = 2) -> str:
    """``value`` in the language's convention: full below 10,000, else compact (万/亿; thousand/million/billion)."""
    if _missing(value):
        return MISSING
    code = normalise_lang(lang)
    locale = LOCALES[code]
    if abs(value) < COMPACT_FROM:
        return format_decimal(round(value, digits), locale=locale)
    if code == "zh":
        text = format_compact_decimal(value, locale=locale, fraction_digits=digits)
        return f"{text[:-1]} {text[-1]}" if text[-1] in "万亿" else text
    return format_compact_decimal(value, format_type="long", locale=locale, fraction_digits=digits)


def format_amount(value: float | None, currency: str, lang: str | None = None, digits: int = 2) -> str:
    """A money amount: ``3000 亿美元`` (zh: the currency's Chinese name), ``300 billion USD`` (en)."""
    if _missing(value):
        return MISSING
    code = normalise_lang(lang)
    number = format_number(value, code, digits)
    if code == "zh":
        name = Locale.parse(LOCALES["zh"]).currencies.get(currency.upper(), currency.upper())
        return f"{number}{name}" if number[-1] in "万亿" else f"{number} {name}"
    return f"{number} {currency.upper()}"
