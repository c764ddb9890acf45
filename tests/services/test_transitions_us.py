"""Career transitions on the US region pack: real numbers, the commands, bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from workshift.cli import main
from workshift.errors import InputError, NotFoundError
from workshift.services.career import advise
from workshift.services.entrepreneurship import entrepreneurship_paths
from workshift.services.origins import resolve_origin
from workshift.services.population import population_view
from workshift.services.transitions import TransitionModel

DATA_ENTRY = "43-9021"


@pytest.fixture(scope="module")
def us_model(us_pack) -> TransitionModel:
    return TransitionModel(us_pack)


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def test_every_occupation_is_scored_and_missing_onet_vectors_are_imputed(us_model, us_pack) -> None:
    assert len(us_model.codes) == 830
    assert us_model.rankable.all()
    rated = set(us_pack.skills.loc[us_pack.skills["domain"] == "skills", "soc_code"])
    assert int(us_model.space.imputed.sum()) >= len(set(us_model.codes) - rated)
    assert us_model.profile("15-1252")["imputed_skills"]  # O*NET 29.3 has no ratings for Software Developers
    flagged = set(us_pack.skills.loc[us_pack.skills["imputed"], "soc_code"])
    assert set(us_model.codes[us_model.space.imputed]) == flagged
    np.testing.assert_allclose(np.diag(us_model.scores), 1.0)


def test_score_is_directional_on_real_occupations(us_model) -> None:
    # a registered nurse covers a nursing assistant's profile far better than the reverse
    forward, backward = us_model.similarity(["29-1141"], ["31-1131"])[0, 0], us_model.similarity(
        ["31-1131"], ["29-1141"])[0, 0]
    assert forward > backward + 0.1
    assert not np.allclose(us_model.scores, us_model.scores.T)


def test_viability_threshold_from_within_broad_group_pairs(us_model, us_pack) -> None:
    occ = us_pack.occupations
    observed = ~us_model.space.imputed
    broad = occ["broad_group"].to_numpy()
    same = (broad[:, None] == broad[None, :]) & observed[:, None] & observed[None, :] & ~np.eye(830, dtype=bool)
    values = us_model.scores[same]
    th = us_model.thresholds
    assert th.group_pairs == len(values) > 500
    assert th.viable == pytest.approx(values.mean() - values.std())
    assert 0.5 < th.viable < th.highly_viable < 0.95


def test_fields_agree_with_the_pack(us_model, us_pack) -> None:
    occ = us_pack.occupations.set_index("soc_code")
    beta = us_pack.exposure_wide()["gpts_beta"]
    items = us_model.rank(DATA_ENTRY, top=None, filter="all")
    item = next(t for t in items if t.code == "43-3041")
    assert item.wage_ratio == pytest.approx(occ.loc["43-3041", "wage_median"] / occ.loc[DATA_ENTRY, "wage_median"])
    assert item.exposure_change == pytest.approx(beta["43-3041"] - beta[DATA_ENTRY])
    assert item.growth == pytest.approx(occ.loc["43-3041", "growth_2022_32"])
    skills = us_pack.skills[us_pack.skills["domain"].isin(["skills", "knowledge"])
                            & us_pack.skills["soc_code"].isin(["43-3041", DATA_ENTRY])]
    level = skills.set_index(["soc_code", "element_id"])["level"]
    diff = (level["43-3041"] - level[DATA_ENTRY]).dropna()
    expected = diff[diff >= 0.01]
    assert {g.element_id: round(g.gap, 6) for g in item.skill_gaps} == {k: round(v, 6) for k, v in expected.items()}


def test_data_entry_keyers_have_safe_and_desirable_moves(us_model) -> None:
    profile = us_model.profile(DATA_ENTRY)
    assert profile["high_exposure"]  # gpts_beta about 0.89
    safe = us_model.rank(DATA_ENTRY, top=None, filter="safe")
    codes = [t.code for t in safe]
    assert safe and "43-9022" not in codes and "43-3071" not in codes  # Word Processors -38.6%, Tellers -14.5%
    for item in safe:
        assert item.wage_ratio >= 0.75 and item.exposure_change <= -us_model.thresholds.safe_margin
        assert item.score >= us_model.thresholds.viable and abs(item.job_zone_change) <= 1
        assert item.growth >= us_model.thresholds.safe_min_growth
    # ranked by the observed-mobility probability, ties by score
    assert all(t.ranked_by == "score_observed" for t in safe)
    keys = [(-t.score_observed, -t.score, t.code) for t in us_model.rank(DATA_ENTRY, top=None, filter="all")]
    assert keys == sorted(keys)
    word = next(t for t in us_model.rank(DATA_ENTRY, top=None, filter="viable") if t.code == "43-9022")
    assert not word.safe and not word.not_declining and "projected to decline" in advise(
        us_model, DATA_ENTRY, top=None, filter="viable").transitions[[t.code for t in us_model.rank(
            DATA_ENTRY, top=None, filter="viable")].index("43-9022")].explanation


def test_no_safe_destination_is_projected_to_decline(us_model) -> None:
    safe = us_model.labels()["safe"]
    growth = us_model.growth
    assert safe.any() and (growth[safe.any(axis=0)] >= us_model.thresholds.safe_min_growth).all()
    observed = us_model.score_observed  # probabilities: rows sum to one, never the origin itself
    assert np.allclose(observed.sum(axis=1), 1.0, atol=1e-4) and not np.diag(observed).any()


def test_advice_explains_in_english_and_chinese(us_model) -> None:
    en = advise(us_model, DATA_ENTRY, top=1, lang="en").transitions[0].explanation
    zh = advise(us_model, DATA_ENTRY, top=1, lang="zh").transitions[0].explanation
    assert "covers" in en and "Verdict" in en
    assert "覆盖" in zh and "结论" in zh


def test_resolution_of_codes(us_pack) -> None:
    assert resolve_origin("43-9021", us_pack).soc_code == DATA_ENTRY
    onet = resolve_origin("15-1252.00", us_pack)
    assert (onet.soc_code, onet.system, onet.confidence) == ("15-1252", "onet", 1.0)
    assert resolve_origin("31-1122", us_pack).soc_code == "31-1120"  # inside OEWS's broad aggregate
    with pytest.raises(NotFoundError, match="major group"):
        resolve_origin("15-0000", us_pack)
    with pytest.raises(InputError, match="unknown code system"):
        resolve_origin("NAICS 5415", us_pack)
    with pytest.raises(InputError, match="malformed"):
        resolve_origin("12345", us_pack)
    with pytest.raises(InputError, match="empty"):
        resolve_origin("  ", us_pack)


def test_isco_codes_resolve_through_the_project_resolver(us_pack) -> None:
    pytest.importorskip("workshift.services.lookup")
    found = resolve_origin("ISCO-08 2512", us_pack)  # Software developers
    assert found.soc_code == "15-1252" and 0.5 < found.confidence < 1.0


def test_resolution_of_titles(us_pack) -> None:
    found = resolve_origin("data entry", us_pack)
    assert found.soc_code == DATA_ENTRY and found.system.startswith("title") and found.confidence >= 0.6
    with pytest.raises(NotFoundError, match="unknown occupation") as info:
        resolve_origin("zzqx blorp", us_pack)
    assert "closest titles" in (info.value.hint or "")
    # a Chinese title reaches SOC through the title classifier and the packaged CSCO->SOC crosswalk (no build);
    # the crosswalk's top SOC for this CSCO entry is data entry keyers or its sibling, word processors/typists
    found = resolve_origin("数据录入员", us_pack, build_crosswalk=False)
    assert found.soc_code in {DATA_ENTRY, "43-9022"} and found.system == "title_zh"
    # a Chinese string that is no occupation: one error whose suggestions are Chinese
    with pytest.raises(NotFoundError, match="unknown occupation") as info:
        resolve_origin("啊啊哦哦", us_pack, build_crosswalk=False)
    assert re.search(r"[\u4e00-\u9fff]", info.value.hint or "")


def test_cli_json_list(capsys, us_pack) -> None:
    code, out, err = run_cli(capsys, "transitions", DATA_ENTRY, "--json", "--top", "3")
    assert code == 0
    items = json.loads(out)
    assert 1 <= len(items) <= 3
    for item in items:
        assert {"code", "title", "score", "viable", "desirable", "safe", "wage_ratio", "exposure_change",
                "skill_gaps", "growth", "explanation", "training"} <= set(item)
        assert item["viable"] and item["desirable"] and item["safe"]
        assert all(set(g) == {"skill", "gap"} and g["gap"] > 0 for g in item["skill_gaps"])
        assert item["training"]["costs"] == "illustrative"
    meta = json.loads(err.split("meta: ", 1)[1])
    assert meta["thresholds"]["index"] == "gpts_beta" and meta["vintages"]["oews"] == "May 2025"


def test_cli_table_in_chinese_with_another_index(capsys, us_pack) -> None:
    code, out, _ = run_cli(capsys, "transitions", DATA_ENTRY, "--lang", "zh", "--index", "microsoft_applicability",
                           "--filter", "viable", "--top", "2")
    assert code == 0
    assert "职业转换" in out and "microsoft_applicability" in out and "示意值" in out


def test_cli_from_file_answers_good_lines_and_reports_bad_ones(capsys, tmp_path, us_pack) -> None:
    lines = tmp_path / "origins.txt"
    lines.write_text("43-9021\nNAICS 5415\n\n15-1252.00\n15-0000\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "transitions", "--from-file", str(lines), "--json", "--top", "2")
    assert code == 2
    answers = json.loads(out)
    assert set(answers) == {"43-9021", "15-1252.00"}
    assert "line 2" in err and "line 5" in err and "2 of 4 lines" in err


def test_cli_bad_input(capsys, tmp_path, us_pack) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    code, _, err = run_cli(capsys, "transitions", "--from-file", str(empty))
    assert code == 2 and "empty" in err
    code, _, err = run_cli(capsys, "transitions", "12345")
    assert code == 2 and "malformed" in err
    code, _, err = run_cli(capsys, "transitions", DATA_ENTRY, "--index", "gpt_beta")
    assert code == 2 and "gpts_beta" in err
    code, _, err = run_cli(capsys, "transitions")
    assert code == 2 and "either" in err


def test_entrepreneurship_paths(us_model, us_pack) -> None:
    paths = entrepreneurship_paths(us_model, DATA_ENTRY, top=None)
    share = us_pack.occupations.set_index("soc_code")["self_employment_share"]
    assert paths.threshold == pytest.approx(np.quantile(share.dropna(), 0.75))
    viable = {t.code for t in us_model.rank(DATA_ENTRY, top=None, filter="viable")}
    assert paths.paths and all(p.code in viable and share[p.code] >= paths.threshold for p in paths.paths)
    assert [p["id"] for p in paths.programmes] == ["entrepreneurship", "flexible_support"]
    out = paths.to_dict()
    assert out["ranked_by"] == "score_observed" and out["thresholds"]["safe_min_growth"] == -0.05


def test_population_view(us_model, us_pack, tmp_path) -> None:
    view = population_view(us_model)
    total = us_pack.occupations["employment"].sum()
    nat = view.national
    assert 0.20 <= nat["workers_high"] / total <= 0.26  # the top quartile of workers by exposure
    assert 0 < nat["workers_without"] < nat["workers_high"]
    assert view.states["workers_high"].sum() / nat["workers_high"] == pytest.approx(1.0, abs=0.1)
    assert (view.states["workers_without"] <= view.states["workers_high"]).all()
    assert {"CA", "TX", "NY"} <= set(view.states["state"])
    assert view.to_dict()["meta"]["thresholds"]["safe_min_growth"] == -0.05
    from workshift.services.population import write_figure

    path = write_figure(view, tmp_path / "population.html", "zh")
    html = path.read_text(encoding="utf-8")
    assert "plotly" in html[:200000].lower() and "-5%" in html

