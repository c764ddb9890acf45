"""The data quality report as rich tables (English or Chinese), and as the JSON of `data info --json`."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from workshift.i18n import catalogue, t
from workshift.i18n.names import source_text


def info_json(meta: dict) -> dict[str, Any]:
    """The `workshift data info --json` document: the stored quality report plus provenance."""
    report = dict(meta.get("quality", {}))
    for key in ("code_system", "currency", "builder", "default_network", "wage_basis", "cost_conversion"):
        if key in meta:
            report.setdefault(key, meta[key])
    report.setdefault("sources", meta.get("sources", []))
    report["built"] = meta.get("built")
    report["data_dir"] = meta.get("data_dir")
    report["absent_files"] = meta.get("absent_files", [])
    report["rules"] = meta.get("rules", {})
    return report


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _factor(conversion: dict | None, lang: str = "en") -> str:
    """The lever-cost factor as '5.0017 CNY per US dollar (ppp, 2017)'; '—' when the pack has none."""
    if not conversion:
        return "—"
    basis = conversion["basis"]
    if lang == "zh":
        key = f"data.factor_basis_{basis}"
        basis = t(key, lang) if key in catalogue("en") else basis
        year = f"，{conversion['year']} 年" if conversion.get("year") else ""
        return f"{conversion['factor']:.6g} {conversion['to']}/USD（{basis}{year}）"
    year = f", {conversion['year']}" if conversion.get("year") else ""
    return f"{conversion['factor']:.6g} {conversion['to']}/USD ({basis}{year})"


def _calibration(calibration: dict | None, missing: str) -> str:
    """'5.13 % -> delta_u 0.00849' (the target and the first shipped fit); the 'not calibrated' text else."""
    if not calibration or not calibration.get("fits"):
        return missing if calibration else "—"
    fit = calibration["fits"][0]
    return f"{100 * calibration['target']['value']:.2f}% -> delta_u {fit['value']:.5f}"


def _int(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


# how the mobility network's nodes were chosen (data.mobility), for Chinese readers
NODE_SOURCES_ZH = {
    "empirical edgelist (mobility/asec_to_bls_mobility_edgelist.csv)":
        "经验流动网络的边表（mobility/asec_to_bls_mobility_edgelist.csv）",
    "SOC 2010 broad groups reached by the crosswalk (empirical edgelist absent)":
        "对照表所能到达的 SOC 2010 大类（没有经验流动网络的边表）",
}


def _field(column: str, lang: str) -> str:
    """An imputed column of the pack (``skills.knowledge``, ``exposure.aioe``) as Chinese readers name it."""
    if lang != "zh":
        return column
    head, _, rest = column.partition(".")
    messages = catalogue("en")
    if rest and f"data.field_{head}" in messages:
        inner = f"data.field_part_{rest}"
        return f"{t(f'data.field_{head}', lang)}：{t(inner, lang) if inner in messages else rest}"
    return t(f"data.field_{column}", lang) if f"data.field_{column}" in messages else column


def render(meta: dict, lang: str = "en") -> Group:
    q = meta["quality"]

    def m(key: str, **fields: object) -> str:
        return t(f"data.{key}", lang, **fields)

    def word(key: str, raw: str) -> str:  # an id as Chinese readers name it; English keeps the id
        return m(key) if lang == "zh" and f"data.{key}" in catalogue("en") else raw

    title = Text(m("report_title", name=q["pack"]), style="bold")
    built = Text(m("built", built=meta.get("built", "?"), data_dir=meta.get("data_dir", "?")), style="dim")

    overview = Table(title=m("section_overview"), title_justify="left")
    overview.add_column(m("item"))
    overview.add_column(m("value"), justify="right")
    coverage = q.get("coverage", {})
    rows = [
        (m("code_system"), str(meta.get("code_system", "SOC 2018"))),
        (m("currency"), str(meta.get("currency", "USD"))),
        (m("cost_factor"), _factor(meta.get("cost_conversion"), lang)),
        (m("calibration"), _calibration(q.get("calibration"), m("not_calibrated"))),
        (m("occupations"), _int(q["occupations"])),
        (m("aggregates"), _int(q.get("aggregate_occupations"))),
        (m("employment_total"), _int(q["employment_total"])),
        (m("employment_published"), _int(q.get("employment_published_total"))),
        (m("employment_gap"), f"{100 * (q.get('employment_total_vs_published') or 0):+.3f}%"),
        *((m("observed_share", digits=k), _pct(v)) for k, v in q.get("employment_observed_share", {}).items()),
    ]
    if "employment_modelled_share" in q:
        rows.append((m("modelled_share"), _pct(q["employment_modelled_share"])))
    if "state_employment" in q:
        rows.append((m("states"), _int(q["state_employment"]["states"])))
    if coverage:
        rows += [(m("skills_coverage"), _int(coverage.get("skills_occupations_observed"))),
                 (m("tasks_coverage"), _int(coverage.get("tasks_occupations"))),
                 (m("titles"), _int(coverage.get("titles")))]
    rows += [(m("duplicates", table=word(f"table_{k}", k)), _int(v)) for k, v in q.get("duplicates_removed", {}).items()]
    for row in rows:
        overview.add_row(*row)

    exposure = Table(title=m("section_exposure"), title_justify="left")
    for key, justify in (("index", "left"), ("covered", "right"), ("employment_share", "right"),
                         ("imputed", "right"), ("mean_value", "right")):
        exposure.add_column(m(key), justify=justify)
    for name, e in q.get("exposure", {}).items():
        mean = e.get("mean_employment_weighted")
        exposure.add_row(name, _int(e["occupations"]), _pct(e["employment_share"]), _int(e["imputed"]),
                         "—" if mean is None else f"{mean:.3f}")

    mobility = Table(title=m("section_mobility"), title_justify="left")
    for key, justify in (("network", "left"), ("nodes", "right"), ("edges", "right"),
                         ("mapped_share", "right"), ("row_sum_error", "right")):
        mobility.add_column(m(key), justify=justify)
    notes = []
    for net in ("empirical", "skills"):
        n = q.get("mobility", {}).get(net)
        if not isinstance(n, dict):
            continue
        err = n.get("max_row_sum_error")
        mobility.add_row(word(f"network_{net}", net), _int(n["nodes"]), _int(n["edges"]), _pct(n["employment_share"]),
                         "—" if err is None else f"{err:.1e}")
    mapping = q.get("mobility", {}).get("mapping")
    if mapping:
        notes += [m("naive_rule", share=_pct(mapping["naive_rule_employment_share"]),
                    mapped=_pct(mapping["employment_share"])),
                  m("node_source", source=NODE_SOURCES_ZH.get(mapping["node_source"], mapping["node_source"])
                    if lang == "zh" else mapping["node_source"])]
    networks = q.get("mobility", {}).get("networks")
    if networks:
        default = q["mobility"].get("default", networks[0])
        notes.append(m("network") + ": " + ", ".join(
            f"{word(f'network_{n}', n)} ({m('network_default')})" if n == default else word(f"network_{n}", n)
            for n in networks))
    local = [q["note_zh"]] if lang == "zh" and q.get("note_zh") else q.get("notes", [])[:1]
    notes += [m("quality_note", note=n) for n in [*local, *q.get("notes", [])[1:]]]
    if q.get("exposure_absent"):
        notes.append(m("absent", names=", ".join(q["exposure_absent"])))

    imputed = Table(title=m("section_imputed"), title_justify="left")
    imputed.add_column(m("column"))
    imputed.add_column(m("cells"), justify="right")
    for column, count in q.get("imputed", {}).items():
        imputed.add_row(_field(column, lang), _int(count))

    sources = Table(title=m("section_sources"), title_justify="left")
    for key in ("source", "version", "licence", "sha256"):
        sources.add_column(m(key))
    for s in q.get("sources") or meta.get("sources", []):
        sources.add_row(s["id"], source_text(s["id"], "version", s["version"], lang),
                        source_text(s["id"], "licence", s["licence"], lang), s["sha256"][:12])

    return Group(title, built, overview, exposure, mobility, *(Text(n) for n in notes), imputed, sources)
