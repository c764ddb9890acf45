"""The global language (`workshift --lang zh COMMAND`, $WORKSHIFT_LANG) and the message catalogues."""

from __future__ import annotations

import pytest

from workshift import i18n


def _run(capsys, monkeypatch, tmp_path, *args: str) -> tuple[int, str, str]:
    from workshift.cli import main

    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "160")
    capsys.readouterr()
    try:
        with pytest.raises(SystemExit) as done:
            main(list(args))
    finally:
        i18n.set_lang(None)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@pytest.mark.parametrize(
    ("args", "env", "zh"),
    [
        (("data", "sources"), None, False),
        (("--lang", "zh", "data", "sources"), None, True),
        (("data", "sources"), "zh-CN", True),
        (("--lang", "zh", "data", "sources", "--lang", "en"), None, False),  # the command's own wins
        (("--lang", "en", "data", "sources"), "zh", False),  # the flag beats the environment
    ],
)
def test_global_language(capsys, monkeypatch, tmp_path, args, env, zh):
    if env is None:
        monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    else:
        monkeypatch.setenv(i18n.LANG_ENV, env)
    code, out, _ = _run(capsys, monkeypatch, tmp_path, *args)
    assert code == 0
    assert ("数据源" in out) is zh
    assert ("Data sources" in out) is not zh


def test_unknown_language_is_one_line_error(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    code, out, err = _run(capsys, monkeypatch, tmp_path, "--lang", "fr", "data", "sources")
    assert code == 2 and "fr" in err and "Traceback" not in err
    monkeypatch.setenv(i18n.LANG_ENV, "klingon")
    with pytest.raises(i18n.UnsupportedLanguage, match="WORKSHIFT_LANG"):
        i18n.current_lang()


def test_library_default_follows_the_environment(monkeypatch):
    monkeypatch.setenv(i18n.LANG_ENV, "zh_CN")
    assert i18n.normalise_lang(None) == "zh"
    assert i18n.normalise_lang("en") == "en"
    monkeypatch.delenv(i18n.LANG_ENV)
    assert i18n.normalise_lang(None) == "en"


@pytest.mark.parametrize(
    ("value", "currency", "lang", "text"),
    [
        (3e11, "USD", "zh", "3000 亿美元"),  # the example, not "300.0 bn USD（USD）"
        (3e11, "usd", "en", "300 billion USD"),
        (5e7, "CNY", "zh", "5000 万人民币"),
        (950, "CNY", "zh", "950 人民币"),
    ],
)
def test_amounts_in_each_language(value, currency, lang, text) -> None:
    from workshift.i18n.numbers import format_amount

    assert format_amount(value, currency, lang) == text


def test_numbers_in_each_language() -> None:
    from workshift.i18n.numbers import MISSING, format_number

    assert format_number(66300, "zh") == "6.63 万" and format_number(-2.5e8, "zh") == "-2.5 亿"
    assert format_number(1234.5, "zh") == "1,234.5" and format_number(66250, "en") == "66.25 thousand"
    assert format_number(float("nan"), "zh") == MISSING and format_number(None, "en") == MISSING
