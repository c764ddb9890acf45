"""The shipped Chinese names of SOC occupations and O*NET elements, and their use in JSON and zh output."""

from __future__ import annotations

import json
import re

import pytest

from workshift.cli import main
from workshift.i18n.names import (
    add_title_zh,
    element_names,
    element_title,
    occupation_title,
    occupation_zh,
    soc_names,
)

LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_pack_occupation_and_element_has_one_reviewed_chinese_name(us_pack) -> None:
    table = soc_names()
    codes = set(us_pack.occupations["soc_code"])
    assert codes <= set(table), sorted(codes - set(table))[:5]
    elements = set(us_pack.skills["element_id"])
    assert elements <= set(element_names()), sorted(elements - set(element_names()))[:5]
    for rows in (table, element_names()):
        names = [r["title_zh"] for r in rows.values()]
        assert len(set(names)) == len(names)  # no two occupations (or elements) share a Chinese name
        for row in rows.values():
            assert CJK.search(row["title_zh"]) and not LATIN.search(row["title_zh"]), row
            assert row["method"] in ("csco2022", "translated") and row["reviewed"]
    # the English column is the pack's own title (the table was written from this pack)
    titles = us_pack.occupations.set_index("soc_code")["title"]
    assert all(table[c]["title_en"] == titles[c] for c in codes)


def test_csco_names_are_real_csco_2022_names(data_dir) -> None:
    from workshift.data.csco import load_csco

    csco = load_csco(data_dir).set_index("code")["name"]
    adopted = [r for r in soc_names().values() if r["method"] == "csco2022"]
    assert len(adopted) >= 50
    assert all(csco.get(r["csco_code"]) == r["title_zh"] for r in adopted)


def test_names_in_the_readers_language() -> None:
    assert occupation_zh("29-1141") == "注册护士"
    assert occupation_title("29-1141", "Registered Nurses", "zh") == "注册护士"
    assert occupation_title("29-1141", "Registered Nurses", "en") == "Registered Nurses"
    assert occupation_title("99-9999", "Unknown", "zh") == "Unknown"  # no name: the title as given
    assert element_title("4.A.3.b.1", "x", "zh") == "使用计算机工作"
    assert element_title("2.C.4.a", "x", "en") == "Mathematics (knowledge)"
    assert element_title("9.Z", "Other", "zh") == "Other"


def test_title_zh_is_added_beside_every_occupation_title() -> None:
    payload = {"origin": {"soc_code": "29-1141", "title": "Registered Nurses", "wage": 1},
               "rows": [{"code": "15-1252", "title": "Software Developers"},
                        {"code": "99-9999", "title": "Not in the table"},
                        {"code": "x", "title": "a course"},
                        {"code": "15-1252", "title": "t", "title_zh": "kept"}]}
    out = add_title_zh(payload)
    assert list(out["origin"]) == ["soc_code", "title", "title_zh", "wage"]  # keys kept, title_zh after title
    assert out["origin"]["title_zh"] == "注册护士" and out["rows"][0]["title_zh"] == "软件开发人员"
    assert out["rows"][1]["title_zh"] is None
    assert "title_zh" not in out["rows"][2] and out["rows"][3]["title_zh"] == "kept"
    assert payload["origin"] == {"soc_code": "29-1141", "title": "Registered Nurses", "wage": 1}  # not mutated


def test_transitions_json_and_zh_table_carry_chinese_names(us_pack, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["transitions", "29-1141", "--top", "3", "--json"])
    assert (done.value.code or 0) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(r["title_zh"] == occupation_zh(r["code"]) and r["title"] for r in rows)
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "transitions", "29-1141", "--top", "3"])
    text = capsys.readouterr().out
    assert "注册护士" in text and "Registered Nurses" not in text
    assert all(occupation_zh(r["code"]) in text for r in rows)


def test_every_network_node_and_onet_occupation_has_a_chinese_name(us_pack) -> None:
    from workshift.i18n.check import english_words
    from workshift.i18n.names import ONET_TABLE, _table, onet_title

    nodes = us_pack.mobility_nodes
    assert all(occupation_zh(code) for code in nodes["node"]), [c for c in nodes["node"] if not occupation_zh(c)][:5]
    detailed = _table(ONET_TABLE)
    assert len(detailed) == 149 and all(CJK.search(r["title_zh"]) and not english_words(r["title_zh"])
                                        for r in detailed.values())
    assert onet_title("29-1141.01", "Acute Care Nurses", "zh") == "急症护理护士"
    assert onet_title("29-1141.00", "Registered Nurses", "zh") == "注册护士"
    assert onet_title("29-1141.01", "Acute Care Nurses", "en") == "Acute Care Nurses"
