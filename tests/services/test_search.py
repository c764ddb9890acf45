"""Occupation search (character n-gram TF-IDF) and occupation resolution, against known answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from workshift.context import Context
from workshift.data.csco import csco_available
from workshift.errors import InputError, NotFoundError
from workshift.services import search as search_module
from workshift.services import titles as titles_module
from workshift.services.lookup import MIN_CONFIDENCE, resolve_occupation
from workshift.services.search import TitleIndex, char_ngrams, get_index, title_table


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search_home")  # no pack here: titles come from the raw files


@pytest.fixture(scope="module")
def index(data_dir: Path, home: Path) -> TitleIndex:
    if not csco_available(data_dir):
        pytest.skip("the user-supplied CSCO file is not in the data dir")
    return get_index(data_dir=data_dir, home=home)


def _top(index: TitleIndex, query: str, system: str = "all", top: int = 5):
    return index.search(query, top=top, system=system)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("data entry", "43-9021"),  # Data Entry Keyers
        ("software developer", "15-1252"),
        ("registered nurse", "29-1141"),
        ("sofware develper", "15-1252"),  # typos still match
        ("regsitered nurse", "29-1141"),
        ("Data Entry Clerk", "43-9021"),  # an O*NET alternate title
    ],
)
def test_english_known_answers(index: TitleIndex, query: str, code: str) -> None:
    hit = _top(index, query)[0]
    assert (hit.system, hit.code, hit.soc_code) == ("soc", code, code)
    assert 0.5 < hit.score <= 1.0


def test_data_entry_title(index: TitleIndex) -> None:
    hit = _top(index, "data entry")[0]
    assert hit.title == "Data Entry Keyers" and hit.soc_title == "Data Entry Keyers"


def test_chinese_finds_a_csco_data_entry_occupation(index: TitleIndex) -> None:
    hits = _top(index, "数据录入")
    assert all(h.system == "csco" for h in hits)  # no English title shares a character n-gram
    assert index.search("数据录入", system="soc") == []
    # 校对员 (proofreader) carries the aliases 录入校对员 / 校对录入 (data entry and proofreading).
    assert (hits[0].code, hits[0].title) == ("2-10-03-00", "校对员") and "录入" in hits[0].matched
    typist = _top(index, "打字员", system="csco")[0]
    assert (typist.code, typist.score) == ("3-01-02-05", 1.0)


def test_system_filter(index: TitleIndex) -> None:
    onet = _top(index, "software developer", system="onet")
    assert onet[0].code == "15-1252.00" and all(h.system == "onet" for h in onet)
    assert all(h.system == "csco" for h in _top(index, "nurse 护士", system="csco"))
    assert all(h.system == "soc" for h in _top(index, "nurse 护士", system="soc"))
    assert len(_top(index, "nurse", top=3)) == 3


def test_shared_alternate_title_goes_to_the_closer_own_title(index: TitleIndex) -> None:
    # "Truck Driver" is an alternate title of several occupations (all score 1.0): truck drivers first.
    hits = _top(index, "truck driver", system="soc")
    assert hits[0].score == 1.0 and hits[0].code in ("53-3032", "53-3033")
    assert [h.code for h in hits].index("43-5011") > 1


def test_query_vector_matches_scikit_learn(index: TitleIndex) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # The n-grams are scikit-learn's char_wb ones, less the lone-space unigram.
    char_wb = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).build_analyzer()
    for text in ("Hi  there", "数据录入员 clerk"):
        assert char_ngrams(text) == [g for g in char_wb(text) if g != " "]
    # The query vector (computed without scikit-learn) is the fitted vectorizer's transform.
    titles = index.titles.iloc[::40].reset_index(drop=True)  # every 40th title, English and Chinese
    small = TitleIndex.build(titles, "test")
    fitted = TfidfVectorizer(analyzer=char_ngrams, dtype=np.float32, **search_module.VECTORIZER_PARAMS).fit(
        titles["title"]
    )
    assert small.vocabulary == fitted.vocabulary_
    for query in ("data entry", "数据录入员", "ＤＡＴＡ  entry!"):
        np.testing.assert_allclose(
            small.vectorise(query).toarray(), fitted.transform([query]).toarray(), atol=1e-6
        )


def test_disk_cache_gives_the_same_index(index: TitleIndex, data_dir: Path, home: Path) -> None:
    search_module._MEMORY.clear()
    again = get_index(data_dir=data_dir, home=home)
    assert again is not index and again.key == index.key
    np.testing.assert_array_equal(again.scores("registered nurse"), index.scores("registered nurse"))


def test_bad_queries(index: TitleIndex) -> None:
    with pytest.raises(InputError, match="empty search query"):
        index.search("   ")
    with pytest.raises(InputError, match="unknown search system 'isco'"):
        index.search("nurse", system="isco")


def test_without_csco_file_search_uses_us_titles_only(data_dir: Path, tmp_path: Path) -> None:
    for rel in (
        titles_module.OEWS_FILE,
        titles_module.ONET_TITLES_FILE,
        titles_module.ONET_ALTERNATES_FILE,
        titles_module.NEM_FILE,
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).symlink_to(data_dir / rel)
    titles = title_table(Context.create(tmp_path, tmp_path))
    assert titles["csco_code"].isna().all()
    assert {"soc", "onet", "alternate"} == set(titles["kind"])
    assert titles.loc[titles["kind"] == "soc", "soc_code"].nunique() == 830


# -- resolution (the API the career-transitions service calls) --------------------------------------------


@pytest.mark.parametrize(
    ("text", "system", "soc"),
    [
        ("15-1252", "soc2018", "15-1252"),
        ("151252", "soc2018", "15-1252"),
        ("29-1141.01", "onet", "29-1141"),
        ("31-1122", "soc2018", "31-1120"),  # a detailed code inside an OEWS broad aggregate
        ("soc2010 15-1132", "soc2010", "15-1252"),
        ("15-1132", "soc2018", "15-1252"),  # retired SOC 2010 code read through the BLS crosswalk
        ("isco 2221", "isco08", "29-1141"),  # nursing professionals
        ("registered nurse", "title_en", "29-1141"),
        ("data entry", "title_en", "43-9021"),
    ],
)
def test_resolve_known(
    index: TitleIndex, data_dir: Path, home: Path, text: str, system: str, soc: str
) -> None:
    found = resolve_occupation(text, data_dir=data_dir, home=home, build_crosswalk=False)
    assert (found.known, found.system, found.soc_code) == (True, system, soc)
    assert found.confidence >= MIN_CONFIDENCE and found.candidates[0]["soc_code"] == soc
    json.dumps(found.to_dict())


def test_resolve_unknown_gives_suggestions_in_the_query_language(
    index: TitleIndex, data_dir: Path, home: Path
) -> None:
    english = resolve_occupation("xqzv wkpj", data_dir=data_dir, home=home, build_crosswalk=False)
    assert not english.known and english.soc_code is None and english.confidence < MIN_CONFIDENCE
    with pytest.raises(NotFoundError, match="unknown occupation 'xqzv wkpj'"):
        english.require()
    chinese = resolve_occupation("嗯嗯嗯嗯", data_dir=data_dir, home=home, build_crosswalk=False)
    assert not chinese.known and chinese.system == "title_zh"
    assert re.fullmatch(r"[\u4e00-\u9fff、]+（\d-\d\d-\d\d-\d\d）", chinese.suggestions[0])  # CSCO, in Chinese
    known = resolve_occupation("数据录入", data_dir=data_dir, home=home, build_crosswalk=False)
    # via CSCO 3-01-02-05 打字员: Data Entry Keyers or Word Processors and Typists (its checked answers)
    assert known.known and known.soc_code in {"43-9021", "43-9022"} and "3-01-02-05" in known.candidates[0]["via"]


def test_resolve_bad_codes(index: TitleIndex, data_dir: Path, home: Path) -> None:
    with pytest.raises(InputError, match="unknown code system 'SOC1990'"):
        resolve_occupation("SOC1990 11-1011", data_dir=data_dir, home=home)
    with pytest.raises(InputError, match="malformed"):
        resolve_occupation("15-12", data_dir=data_dir, home=home)
    with pytest.raises(NotFoundError, match="SOC 2018 code 99-9999 is not a known occupation"):
        resolve_occupation("99-9999", data_dir=data_dir, home=home)
    with pytest.raises(NotFoundError, match="SOC major group"):
        resolve_occupation("15-0000", data_dir=data_dir, home=home)
    with pytest.raises(InputError, match="empty occupation"):
        resolve_occupation(" ", data_dir=data_dir, home=home)


def test_cli_search_json_and_errors(index: TitleIndex, data_dir: Path, home: Path, capsys) -> None:
    from workshift import config
    from workshift.cli import main

    def run(*argv: str) -> int:
        with pytest.raises(SystemExit) as done:
            main(["--data-dir", str(data_dir), "--home", str(home), *argv])
        config.set_data_dir(None)
        config.set_home(None)
        return int(done.value.code or 0)

    assert run("occupations", "search", "data entry", "--json", "--top", "3") == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["hits"][0]["code"] == "43-9021" and len(payload["hits"]) == 3
    assert run("occupations", "search", "数据录入", "--system", "csco") == 0
    assert "校对员" in capsys.readouterr().out
    assert run("occupations", "show", "15-1252", "--json") == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Software Developers"
    assert run("occupations", "show", "SOC1990:11-1011") == 2
    assert "unknown code system 'SOC1990'" in capsys.readouterr().err
    assert run("occupations", "search", "nurse", "--system", "isco") == 2
