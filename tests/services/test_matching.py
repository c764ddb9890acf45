"""Job matching on the US pack: file validation and bad input, occupation resolution, the commands, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.errors import DataError
from workshift.services.matching import GOOD_MATCH, run_match, write_outputs
from workshift.services.matching.data import load_seekers, load_vacancies
from workshift.services.matching.features import MatchContext
from workshift.services.matching.resolve import OccupationResolver
from workshift.services.matching.synth import synthesize


@pytest.fixture(scope="module")
def ctx(us_pack) -> MatchContext:
    return MatchContext.from_pack(us_pack)


@pytest.fixture(scope="module")
def resolver(us_pack) -> OccupationResolver:
    return OccupationResolver(us_pack)


@pytest.fixture(scope="module")
def files(us_pack, tmp_path_factory) -> dict[str, Path]:
    seekers, vacancies, _ = synthesize(us_pack, 600, 150, seed=2)
    folder = tmp_path_factory.mktemp("match")
    paths = {"seekers": folder / "seekers.csv", "vacancies": folder / "vacancies.csv"}
    seekers.to_csv(paths["seekers"], index=False)
    vacancies.to_csv(paths["vacancies"], index=False)
    seekers.to_parquet(folder / "seekers.parquet", index=False)
    vacancies.to_parquet(folder / "vacancies.parquet", index=False)
    return paths


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SEEKERS_HEADER = "seeker_id,occupation,skills,state,desired_wage\n"
VACANCIES_HEADER = "vacancy_id,occupation,required_skills,state,wage,openings\n"


# -- reading and validation ---------------------------------------------------------------------------------
def test_seekers_are_read_with_skills_names_ids_and_imputed_wages(tmp_path, ctx, resolver) -> None:
    path = write(tmp_path / "s.csv", SEEKERS_HEADER
                 + "a,15-1252,Programming; 2.A.1.e ;mathematics (knowledge),ca,90000\n"
                 + "b,29-1141.01,,TX,\n"
                 + 'c,151252,"Reading Comprehension;Speaking",NY,"55,000"\n')
    seekers = load_seekers(path, ctx, resolver)
    assert seekers.ids.tolist() == ["a", "b", "c"]
    assert ctx.codes[seekers.occupation].tolist() == ["15-1252", "29-1141", "15-1252"]
    from workshift.services.matching.features import unpack_bits

    ids = np.asarray(ctx.vocabulary.element_ids)
    has = unpack_bits(seekers.skills, ctx.vocabulary.size)
    assert set(ids[has[0]]) == {"2.B.3.e", "2.A.1.e", "2.C.4.a"}  # Programming, Mathematics skill + knowledge
    assert not has[1].any() and has[2].sum() == 2
    assert seekers.desired_imputed.tolist() == [False, True, False]
    assert seekers.desired_wage[1] == pytest.approx(ctx.reference_wage[("TX", "29-1141")])
    assert seekers.desired_wage[2] == 55_000
    assert np.asarray(ctx.states)[seekers.state].tolist() == ["CA", "TX", "NY"]


def test_vacancies_without_skills_take_the_occupation_core_skills(tmp_path, ctx, resolver) -> None:
    path = write(tmp_path / "v.csv", VACANCIES_HEADER + "v1,41-2011,,CA,31000,2\nv2,41-2011,Speaking,CA,31000,1\n")
    vacancies = load_vacancies(path, ctx, resolver)
    assert vacancies.skills_from_occupation.tolist() == [True, False]
    core = ctx.vocabulary.names_of(ctx.core_bits[ctx.codes.get_loc("41-2011")])
    assert ctx.vocabulary.names_of(vacancies.skills[0]) == core and 3 <= len(core) <= 8
    assert vacancies.openings.tolist() == [2, 1]


def test_parquet_and_csv_give_the_same_tables(files, ctx, resolver) -> None:
    a = load_seekers(files["seekers"], ctx, resolver)
    b = load_seekers(files["seekers"].with_suffix(".parquet"), ctx, resolver)
    assert (a.skills == b.skills).all() and (a.occupation == b.occupation).all()
    assert np.allclose(a.desired_wage, b.desired_wage)


@pytest.mark.parametrize(("text", "pattern"), [
    ("seeker_id,occupation,state,desired_wage\ns1,15-1252,CA,1\n", r"lacks required column\(s\): skills"),
    (SEEKERS_HEADER + "s1,15-1252,,CA,1\ns2,99-9999,,CA,1\ns3,99-9999,,CA,1\n", r"rows 3, 4: '99-9999'"),
    (SEEKERS_HEADER + "s1,15-1252,,CA,1\ns1,15-1252,,CA,1\n", r"rows 2, 3: duplicate id 's1'"),
    (SEEKERS_HEADER + "s1,15-1252,Programing,CA,1\n", r"row 2: unknown skill 'Programing' \(did you mean 'Programming'"),
    (SEEKERS_HEADER + "s1,15-1252,,XX,1\ns2,15-1252,,CA,-5\n", r"row 2: unknown state 'XX'.*\n.*row 3: must be >= 0"),
    (SEEKERS_HEADER + "s1,15-1252,,CA,lots\n", r"row 2: not a number"),
    (SEEKERS_HEADER, r"no data rows"),
    ("", r"the file is empty"),
])
def test_bad_seeker_files_name_their_rows(tmp_path, ctx, resolver, text: str, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        load_seekers(write(tmp_path / "s.csv", text), ctx, resolver)


@pytest.mark.parametrize(("text", "pattern"), [
    (VACANCIES_HEADER + "v1,15-1252,,CA,90000,-1\n", r"row 2: must be at least 1"),
    (VACANCIES_HEADER + "v1,15-1252,,CA,90000,1.5\n", r"row 2: not a whole number"),
    (VACANCIES_HEADER + "v1,15-1252,,CA,0,1\n", r"row 2: must be > 0"),
    (VACANCIES_HEADER, r"vacancies file has no data rows"),
])
def test_bad_vacancy_files(tmp_path, ctx, resolver, text: str, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        load_vacancies(write(tmp_path / "v.csv", text), ctx, resolver)


def test_a_file_that_is_not_utf8_names_its_encoding(tmp_path, ctx, resolver) -> None:
    path = tmp_path / "gbk.csv"
    # GB18030/GBK is read (tests/core/test_inputs_zh.py); Windows-1252 bytes are neither UTF-8 nor GB18030.
    path.write_bytes((SEEKERS_HEADER + "s1,nurse,,CA,1\n").encode() + b"s2,caf\xe9,,CA,1\n")
    with pytest.raises(DataError, match="not UTF-8") as info:
        load_seekers(path, ctx, resolver)
    assert "GB18030" in str(info.value) and "Windows-1252" in str(info.value)


def test_pack_codes_resolve_as_the_occupation_resolver_does(us_pack, resolver) -> None:
    from workshift.services import lookup

    for value in ("15-1252", "151252", "29-1141.01", "31-1121", "soc:43-9021"):
        ours = resolver.resolve(value)
        theirs = lookup.resolve_occupation(value, us_pack)
        assert ours.soc_code == theirs.soc_code and ours.confidence == theirs.confidence == 1.0, value


def test_titles_and_unknown_values_go_through_the_resolver(resolver) -> None:
    assert resolver.resolve("Registered Nurses").soc_code == "29-1141"
    unknown = resolver.resolve("qwxzv plorb")
    assert unknown.soc_code is None and unknown.problem


# -- a run end to end ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def result(files, us_pack):
    return run_match(files["seekers"], files["vacancies"], top=5, do_assign=True, groups=["gender", "age_group"],
                     pack=us_pack)


def test_every_seeker_gets_ranked_vacancies_with_a_consistent_breakdown(result) -> None:
    ids = result.candidates.ids
    assert ids.shape == (600, 50) and (ids >= 0).all()
    scores = result.candidates.scores
    assert (np.diff(scores, axis=1) <= 1e-12).all()  # best first
    assert result.candidates.method == "exact"  # 600 x 150 pairs: small enough to score them all
    counts = result.assignment.load(len(result.vacancies))
    assert (counts <= result.vacancies.openings).all()
    assert result.summary["policies"]["assignment"]["applicants_per_opening"]["max"] <= 1.0


def test_assignment_beats_plain_top_n_on_congestion(result) -> None:
    top_n, assigned = result.summary["policies"]["top_n"], result.summary["policies"]["assignment"]
    assert assigned["gini_recommendations"] < top_n["gini_recommendations"]
    assert assigned["matched_share"] >= top_n["matched_share"]
    assert assigned["congested_vacancy_share"] == 0.0
    gaps = result.summary["groups"]["gender"]["gaps"]["assignment"]
    assert set(gaps) >= {"good_match_share", "matched_share"} and all(0 <= v <= 1 for v in gaps.values())


def test_outputs_keep_every_seeker_and_explain_in_both_languages(result, tmp_path) -> None:
    paths = write_outputs(result, tmp_path / "m.csv", "en", html=tmp_path / "m.html")
    view = pd.read_csv(paths["seekers"])
    assert set(view["seeker_id"]) == set(result.seekers.ids)  # nobody silently dropped
    assert view.groupby("seeker_id")["rank"].max().eq(5).all()
    assert (view["good_match"] == (view["score"] >= GOOD_MATCH - 5e-5)).mean() > 0.99
    assert view["explanation"].str.contains("required skills|core skills").all()
    assignment = pd.read_csv(paths["assignment"])
    assert len(assignment) == 600 and assignment["seeker_id"].is_unique
    reverse = pd.read_csv(paths["vacancies"])
    assert set(reverse["vacancy_id"]) == set(result.vacancies.ids)
    meta = json.loads(paths["meta"].read_text())
    assert meta["vintages"]["oews"] and meta["inputs"]["seekers"]["sha256"]
    assert meta["transition_similarity"]["source"].startswith("workshift.services.transitions")
    assert "Job matching summary" in paths["html"].read_text()
    zh = write_outputs(result, tmp_path / "zh.parquet", "zh", html=tmp_path / "zh.html")
    assert "就业匹配摘要" in zh["html"].read_text(encoding="utf-8")
    assert pd.read_parquet(zh["seekers"])["explanation"].str.contains("技能").all()


def test_the_reverse_view_ranks_the_best_seekers_first(result) -> None:
    scores, ids = result.top_seekers(3)
    assert (ids >= 0).all() and (np.diff(scores, axis=1) <= 1e-12).all()
    j = 0
    si = np.arange(len(result.seekers))
    from workshift.services.matching.score import score_pairs

    full = score_pairs(result.tables, si, np.full(len(si), j))
    assert scores[j, 0] == pytest.approx(full.max())


# -- the commands ------------------------------------------------------------------------------------------
def test_match_commands(tmp_path, capsys, us_pack, session_home) -> None:
    code, out, err = run_cli(capsys, "match", "synth", "--seekers", "300", "--vacancies", "60", "--out",
                             str(tmp_path / "syn"), "--seed", "4", "--title-share", "0.05")
    assert code == 0, err
    code, out, err = run_cli(capsys, "match", "--seekers", str(tmp_path / "syn" / "seekers.csv"), "--vacancies",
                             str(tmp_path / "syn" / "vacancies.csv"), "--top", "3", "--out",
                             str(tmp_path / "out" / "m.csv"), "--assign", "--groups", "gender", "--lang", "zh",
                             "--html", str(tmp_path / "out" / "m.html"), "--json")
    assert code == 0, err
    summary = json.loads(out)
    meta = json.loads((tmp_path / "out" / "m.meta.json").read_text())
    assert meta["occupation_resolution"].get("title_en", 0) > 0  # titles went through the resolver
    assert summary["top"] == 3 and set(summary["policies"]) == {"top_n", "assignment"}
    assert (tmp_path / "out" / "m.assignment.csv").is_file()


def test_match_command_bad_input_exits_2(tmp_path, capsys, us_pack, session_home) -> None:
    seekers = write(tmp_path / "s.csv", SEEKERS_HEADER + "s1,15-1252,,CA,1\ns2,not a job at all xq,,CA,1\n")
    vacancies = write(tmp_path / "v.csv", VACANCIES_HEADER)
    code, _, err = run_cli(capsys, "match", "--seekers", str(seekers), "--vacancies", str(vacancies), "--out",
                           str(tmp_path / "m.csv"))
    assert code == 2 and "no data rows" in err
    assert not (tmp_path / "m.csv").exists()
    code, _, err = run_cli(capsys, "match", "--seekers", str(seekers))
    assert code == 2 and "--vacancies" in err


def test_the_seeker_view_written_in_chunks_equals_one_piece(result, tmp_path, monkeypatch) -> None:
    from workshift.services.matching import pipeline
    from workshift.services.matching.explain import seeker_view

    monkeypatch.setattr(pipeline, "SEEKERS_PER_CHUNK", 128)
    paths = write_outputs(result, tmp_path / "chunked.parquet", "en")
    chunked = pd.read_parquet(paths["seekers"])
    whole = seeker_view(result, result.top, "en")
    assert len(chunked) == len(whole) == 600 * 5
    assert (chunked["vacancy_id"].to_numpy() == whole["vacancy_id"].astype(str).to_numpy()).all()
    assert (chunked["explanation"].to_numpy() == whole["explanation"].to_numpy()).all()
