"""Numbers in each reader's conventions (Babel/CLDR): grouping, 万/亿, money with the currency's name."""

from __future__ import annotations

import pytest

from workshift.i18n.numbers import MISSING, currency_name, money, money_unit, number, percent


@pytest.mark.parametrize(("value", "en", "zh"), [
    (66250.0, "66,250", "6.62 万"),  # CLDR rounds half to even
    (3e11, "300,000,000,000", "3000 亿"),
    (1.23456e11, "123,456,000,000", "1234.56 亿"),
    (-2.5e8, "-250,000,000", "-2.5 亿"),
    (3e12, "3,000,000,000,000", "3 万亿"),
    (9999.0, "9,999", "9,999"),
])
def test_numbers_never_scientific_and_chinese_in_wan_and_yi(value, en, zh) -> None:
    assert number(value, "en") == en and number(value, "zh") == zh
    assert "e+" not in number(value, "en") + number(value, "zh")


def test_money_percent_and_missing() -> None:
    assert money(3e11, "USD", "zh") == "3000 亿美元" and money(3e11, "USD", "en") == "300 billion USD"
    assert money(2.9602e11, "USD", "zh") == "2960.2 亿美元" and money(0.0, "USD", "zh") == "0 美元"
    assert money(659.4, "USD", "zh") == "659.4 美元" and money(2.5e6, "EUR", "en") == "2.5 million EUR"
    assert money(1.2e9, "CNY", "zh") == "12 亿人民币"
    assert money_unit("USD", "zh") == (1e8, "亿美元") and money_unit("usd", "en") == (1e9, "billion USD")
    assert percent(0.1234, "zh") == "12.3%" and percent(0.5, "en", 2) == "50.00%"
    assert currency_name("EUR", "zh") == "欧元" and currency_name("EUR", "en") == "EUR"
    for bad in (None, float("nan"), float("inf")):
        assert number(bad, "zh") == money(bad, "USD", "en") == percent(bad, "zh") == MISSING


def test_many_numbers_at_once_read_as_one_at_a_time() -> None:
    """numbers_full (the matching tables' wages) writes exactly what number / money_full write, 万 and 亿 included."""
    import numpy as np

    from workshift.i18n.numbers import money_full, numbers_full

    rng = np.random.default_rng(0)
    values = [*rng.lognormal(10.8, 0.6, 300), *rng.lognormal(17, 2, 300), 9999.4, 9999.6, 10000, 99994, 99995,
              99999999, 1.5e8, 0, 5, -52000, float("nan")]
    for lang in ("en", "zh"):
        assert numbers_full(values, lang) == [number(v, lang) for v in values]
        assert numbers_full(values, lang, "CNY") == [money_full(v, "CNY", lang) for v in values]
    assert money_full(52300, "USD", "en") == "52,300 USD" and money_full(52300, "CNY", "zh") == "5.23 万人民币"
