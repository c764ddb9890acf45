"""Numbers and amounts as readers of each language write them, through Babel's CLDR data.

Chinese groups large numbers by 万 (10⁴) and 亿 (10⁸): 3 × 10¹¹ US dollars is ``3000 亿美元``, not
"300.0 bn USD（USD）"; English writes ``300 billion USD``. Below :data:`COMPACT_FROM` numbers are written
in full with the locale's separators. A number and a Chinese unit are separated by one space
(``6.63 万``), as the project's mixed-text rule asks. A missing value (None, NaN) is ``—``. Never
scientific notation. The one formatter that console tables, reports and charts use:
:func:`format_number` / :func:`format_amount` (compact), :func:`number` (counts: full in English),
:func:`money`, :func:`percent`, :func:`money_unit` (a chart axis) and :func:`currency_name`.
"""

from __future__ import annotations

import math
import re
from datetime import date

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from workshift.i18n import normalise_lang

LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
COMPACT_FROM = 10_000
MISSING = "—"


def _missing(value: float | None) -> bool:
    return value is None or not isinstance(value, int | float) or not math.isfinite(value)


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
        unit = next((i for i, char in enumerate(text) if char in "万亿"), None)  # 万, 亿, 万亿
        return text if unit is None else f"{text[:unit]} {text[unit:]}"
    return format_compact_decimal(value, format_type="long", locale=locale, fraction_digits=digits)


def format_amount(value: float | None, currency: str, lang: str | None = None, digits: int = 2) -> str:
    """A money amount: ``3000 亿美元`` (zh: the currency's Chinese name), ``300 billion USD`` (en)."""
    if _missing(value):
        return MISSING
    code = normalise_lang(lang)
    return _with_currency(format_number(value, code, digits), currency, code)


def _with_currency(number: str, currency: str, code: str) -> str:
    if code == "zh":
        name = currency_name(currency, "zh")
        return f"{number}{name}" if number[-1] in "万亿" else f"{number} {name}"  # 3000 亿美元, 950 人民币
    return f"{number} {currency.upper()}"


def money_full(value: float | None, currency: str, lang: str | None = None) -> str:
    """A wage or a fee: English in full (``52,300 USD``), Chinese in 万 from 10,000 on (``5.23 万人民币``)."""
    if _missing(value):
        return MISSING
    code = normalise_lang(lang)
    return _with_currency(number(value, code), currency, code)


def numbers_full(values, lang: str | None = None, currency: str | None = None) -> list[str]:
    """:func:`number` of many values at once (whole numbers; the matching tables format thousands of wages):
    the same text as :func:`number` (tested), without a Babel call per value; with ``currency``, the same text
    as :func:`money_full`."""
    code = normalise_lang(lang)
    out = []
    for value in values:
        if _missing(value):
            out.append(MISSING)
        elif code == "zh" and abs(value) >= COMPACT_FROM:
            scale, unit = (1e8, "亿") if abs(round(value / 1e4, 2)) >= 1e4 else (1e4, "万")  # as CLDR rounds
            text = f"{value / scale:.2f}".rstrip("0").rstrip(".")
            out.append(f"{text} {unit}")
        else:
            out.append(f"{value:,.0f}")
    if currency is not None:
        out = [text if text == MISSING else _with_currency(text, currency, code) for text in out]
    return out


def number(value: float | None, lang: str | None = None, digits: int = 0) -> str:
    """A count or level: English in full with grouping (``66,250``), Chinese in 万/亿 from 10,000 on."""
    if _missing(value):
        return MISSING
    if normalise_lang(lang) == "zh" and abs(value) >= COMPACT_FROM:
        return format_number(value, "zh", max(digits, 2))
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES[normalise_lang(lang)])


def money(value: float | None, currency: str, lang: str | None = None, digits: int = 1) -> str:
    """An amount with at most ``digits`` decimals: ``296.2 billion USD`` / ``2962 亿美元``, ``0 美元``."""
    return format_amount(value, currency, lang, digits)


def percent(value: float | None, lang: str | None = None, digits: int = 1) -> str:
    """A share (0.123) as a percentage in ``lang``: ``12.3%``."""
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return format_percent(value, format=pattern, locale=LOCALES[normalise_lang(lang)])


def money_unit(currency: str, lang: str | None = None) -> tuple[float, str]:
    """The scale and unit of large amounts on a chart's axis: ``(1e9, 'billion USD')`` / ``(1e8, '亿美元')``."""
    if normalise_lang(lang) == "zh":
        return 1e8, "亿" + currency_name(currency, "zh")
    return 1e9, f"billion {currency.upper()}"


def currency_name(currency: str, lang: str | None = None) -> str:
    """The currency as a reader names it: ``USD`` in English, ``美元`` in Chinese."""
    code = (currency or "").upper()
    if normalise_lang(lang) == "zh" and code:
        return Locale.parse(LOCALES["zh"]).currencies.get(code, code)
    return code


_MONTH_YEAR = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December) (\d{4})\b")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def month_years(text: str, lang: str | None = None) -> str:
    """Month-year dates in ``text`` as the reader writes them: 'May 2025' stays for English, '2025 年 5 月'."""
    if normalise_lang(lang) != "zh":
        return text
    return _MONTH_YEAR.sub(lambda m: f"{date(int(m[2]), _MONTHS.index(m[1]) + 1, 1):%Y} 年 "
                                     f"{_MONTHS.index(m[1]) + 1} 月", text)
