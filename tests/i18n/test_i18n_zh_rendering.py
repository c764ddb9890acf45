"""Everything a zh reader sees is Chinese: the catalogue, and commands run with --lang zh (codes, units,
proper names, commands and the reader's own query allowed: workshift.i18n.check)."""

from __future__ import annotations

import pytest

from workshift.cli import main
from workshift.i18n import catalogue
from workshift.i18n.check import english_words


def test_every_zh_message_exists_and_is_chinese() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh), sorted(set(en) ^ set(zh))[:5]
    left = {key: english_words(text) for key, text in zh.items() if english_words(text)}
    assert not left, left


def test_the_checker_finds_english_and_allows_codes_and_names() -> None:
    assert english_words("技能可从 Registered Nurses 顺利迁移") == ["Registered", "Nurses"]
    assert english_words("29-1141 注册护士（SOC 2018，O*NET 29.3），见 `workshift data pull`，--filter all") == []
    assert english_words("运行 optimize-20261204T195902 写入 out/demo/policy_report.zh.html") == []


def _zh_output(capsys, *args: str, query: str = "") -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "zh", *args])
    out = capsys.readouterr()
    return int(done.value.code or 0), (out.out + out.err).replace(query, "") if query else out.out + out.err


@pytest.mark.parametrize(("args", "query", "code"), [
    (("transitions", "29-1141", "--top", "3"), "", 0),
    (("training", "29-1141", "29-1123"), "", 0),
    (("occupations", "resolve", "registered nurse"), "registered nurse", 0),
    (("transitions", "nosuchjob"), "nosuchjob", 2),  # the error and its hint
])
def test_commands_print_chinese_under_lang_zh(us_pack, capsys, args, query, code) -> None:
    exit_code, text = _zh_output(capsys, *args, query=query)
    assert exit_code == code and text.strip()
    assert english_words(text) == [], text[:400]
