"""`workshift transitions | training | entrepreneurship | population` (stage 5: services for people).

Human output is a rich table in English or Chinese (``--lang zh``); ``--json`` prints machine output on stdout
and, for the list outputs of ``transitions``, the data vintage and assumptions as one ``meta:`` JSON line on
stderr (the object outputs carry them under ``meta``).
"""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from workshift.cli.output import dumps, echo_json, plain
from workshift.i18n import lang_option, normalise_lang
from workshift.i18n.names import occupation_title
from workshift.i18n.numbers import currency_name, money_full, month_years
from workshift.outputs import FORCE_HELP, check_output

OCCUPATION_HELP = "A SOC, O*NET or CSCO code, or a job title in English or Chinese."
PACK_OPT = typer.Option("us", "--pack", help="Region pack name.")
INDEX_OPT = typer.Option("gpts_beta", "--index", help="Exposure index of the pack (e.g. gpts_beta, "
                         "microsoft_applicability, ilo_genai_2025).")
SAFE_OPT = typer.Option("relative", "--safe-rule", help="safe = exposure at least 0.5 sd lower (relative) or "
                        "destination not in the top exposure quartile (category).")
LANG_OPT = typer.Option(None, "--lang", help="Language of the output: en or zh.", callback=lang_option)
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of a table.")
CATALOGUE_OPT = typer.Option(None, "--catalogue", help="Training catalogue CSV (default: the shipped, "
                             "illustrative one; see docs/transitions.md for the columns).")


def _shown(query: str) -> str:
    """A user's query as printed back: control characters escaped, never read as markup."""
    from rich.markup import escape

    return escape(plain(query))


def _echo_json(payload: Any, compact: bool = False) -> None:
    """JSON on stdout; ``compact`` (one line, for --from-file answers that can run to megabytes)."""
    echo_json(payload, compact=compact)



def _model(pack: str, index: str, safe_rule: str):
    from workshift.api.transitions import transition_model

    return transition_model(pack, index, safe_rule)


LABEL_KEYS = ("score", "score_observed", "ranked_by", "viable", "desirable", "safe", "safe_exposure",
              "not_declining", "wage_ratio", "exposure_change", "growth")


def _labels(model, origin: str, dest: str) -> dict | None:
    """The move's transition labels (the same rules as ``transitions``); None for an occupation to itself."""
    if origin == dest:
        return None
    item = model.pair(origin, dest).to_dict()
    return {key: item[key] for key in LABEL_KEYS}


def _catalogue(model, path: Path | None):
    from workshift.api.transitions import training_catalogue

    return training_catalogue(model, path)


def _crosswalk_notice(texts: list[str]) -> None:
    """Say on stderr when a Chinese title or CSCO code will first build the CSCO->SOC crosswalk (minutes)."""
    from workshift.data.codes import detect_system
    from workshift.services.origins import is_chinese

    if not any(is_chinese(x) or detect_system(x) == "csco2022" for x in texts):
        return
    from workshift.data.csco import csco_available
    from workshift.services.crosswalk_csco import cached_crosswalk

    if csco_available() and cached_crosswalk() is None:  # without CSCO the lookup says what is missing instead
        _console(stderr=True).print("Building the CSCO->SOC crosswalk on first use (a few minutes; cached after).",
                                    style="yellow")


def _meta(model, catalogue) -> dict:
    from workshift.api.transitions import advice_meta

    return advice_meta(model, catalogue)


def _console(stderr: bool = False):
    """A rich console; output piped to a file gets 120 columns instead of rich's 80 so tables stay whole."""
    from rich.console import Console

    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=120)


def _fmt(value: float | None, spec: str, scale: float = 1.0) -> str:
    return "-" if value is None else format(value * scale, spec)


def _route(system: str, lang: str) -> str:
    """How the query was read, in the reader's words (the raw id when the catalogue has no name for it)."""
    from workshift.i18n import catalogue, t

    return t(f"services.route.{system}", lang) if f"services.route.{system}" in catalogue("en") else system


def _transitions_table(advice, model, lang: str):
    from rich.table import Table

    from workshift.i18n import t

    col = {k: t(f"services.column.{k}", lang) for k in ("rank", "title", "score_observed", "score", "labels",
                                                         "wage_ratio",
                                                         "exposure_change", "growth", "training")}
    table = Table(title=t("services.table_title", lang, code=advice.origin.soc_code, title=occupation_title(advice.origin.soc_code, advice.origin.title, lang)))
    for key in col:
        table.add_column(col[key], overflow="fold", min_width=20 if key == "title" else None,
                         no_wrap=key == "labels",
                         justify="right" if key in ("rank", "score_observed", "score", "wage_ratio",
                                                    "exposure_change", "growth")
                         else "left")
    for n, item in enumerate(advice.transitions, start=1):
        flags = "".join("✓" if flag else "·" for flag in (item.viable, item.desirable, item.safe))
        plan = item.training
        training = ("-" if plan is None or not plan.courses else
                    t("services.training_cell", lang, months=f"{plan.months:.1f}",
                      cost=money_full(plan.cost, plan.currency, lang)))
        table.add_row(str(n), f"{item.code} {occupation_title(item.code, item.title, lang)}",
                      _fmt(item.score_observed, ".2f", 100) + "%", f"{item.score:.3f}", flags,
                      _fmt(item.wage_ratio, ".2f"),
                      _fmt(item.exposure_change, "+.2f"), _fmt(item.growth, "+.1f", 100) + "%", training)
    return table


def _print_advice(console, advice, model, catalogue, lang: str) -> None:
    from rich.markup import escape

    from workshift.i18n import t

    origin, prof, th = advice.origin, advice.profile, model.thresholds
    console.print(t("services.resolved", lang, query=_shown(origin.query), code=origin.soc_code, title=occupation_title(origin.soc_code, origin.title, lang),
                    system=_route(origin.system, lang), confidence=f"{origin.confidence:.2f}"), highlight=False)
    if origin.candidates:
        console.print("  ~ " + "; ".join(f"{c['code']} {occupation_title(c['code'], c['title'], lang)} ({c['score']})" for c in origin.candidates),
                      highlight=False, style="dim")
    high = t("services.origin_high", lang) if prof["high_exposure"] else ""
    console.print(t("services.origin_facts", lang, wage=money_full(prof["wage"], model.pack.currency, lang),
                    zone=_fmt(prof["job_zone"], "g"),
                    index=th.index, exposure=_fmt(prof["exposure"], ".2f"), high=high), highlight=False)
    if prof["imputed_skills"]:
        console.print(t("services.resolved_imputed", lang), style="yellow")
    if not advice.transitions:
        console.print(t("services.no_results", lang, filter=advice.filter), style="yellow")
        return
    console.print(_transitions_table(advice, model, lang))
    for n, item in enumerate(advice.transitions, start=1):
        console.print(f"[bold]{n}. {item.code} {escape(occupation_title(item.code, item.title, lang))}[/]: {escape(item.explanation)}", highlight=False)


def _print_footer(console, model, catalogue, lang: str) -> None:
    from workshift.i18n import t

    th, vint = model.thresholds, model.pack.meta.get("vintages", {})
    safe_text = (t("services.safe_relative", lang, margin=f"{th.safe_margin:.3f}", index=th.index)
                 if th.safe_rule == "relative" else
                 t("services.safe_category", lang, index=th.index, threshold=f"{th.high_exposure:.3f}"))
    safe_text += t("services.safe_growth", lang, threshold=f"{100 * th.safe_min_growth:.0f}")
    console.print(t("services.footer_thresholds", lang, viable=f"{th.viable:.3f}", group=t(f"services.group.{th.group}", lang),
                    zone_gap=th.job_zone_gap, wage_ratio=th.wage_ratio, safe_text=safe_text), style="dim",
                  highlight=False)
    console.print(t(f"services.ranked_by_{th.ranked_by}", lang), style="dim", highlight=False)
    console.print(month_years(t("services.footer_data", lang, oews=vint.get("oews", "?"), onet=vint.get("onet", "?"),
                                projections=vint.get("bls_projections", "?"), index=th.index), lang),
                  style="dim", highlight=False)
    if catalogue is not None and catalogue.illustrative:
        console.print(t("services.footer_illustrative", lang), style="dim")


def transitions_command(
    occupation: str | None = typer.Argument(None, help=OCCUPATION_HELP),
    from_file: Path | None = typer.Option(None, "--from-file", help="Answer many origins: one code or title per "
                                          "line; JSON keyed by the line as given; bad lines reported by number."),
    top: int = typer.Option(10, "--top", help="Number of destinations per origin."),
    index: str = INDEX_OPT,
    filter_: str = typer.Option("safe", "--filter", help="all | viable | safe (viable + desirable + safe)."),
    safe_rule: str = SAFE_OPT,
    lang: str = LANG_OPT,
    as_json: bool = JSON_OPT,
    catalogue_file: Path | None = CATALOGUE_OPT,
    pack: str = PACK_OPT,
) -> None:
    """Career transitions for an AI-exposed occupation: viable, desirable and safer jobs, gaps and training."""
    from workshift.errors import InputError
    from workshift.services.career import advise, advise_many, read_origin_lines
    from workshift.services.transitions import FILTERS

    lang = normalise_lang(lang)
    if (occupation is None) == (from_file is None):
        raise InputError("give either an OCCUPATION or --from-file FILE (not both, not neither)")
    if filter_ not in FILTERS:
        raise InputError(f"unknown --filter '{filter_}' (expected one of: {', '.join(FILTERS)})")
    if top < 1:
        raise InputError(f"--top must be at least 1 (got {top})")
    lines = read_origin_lines(from_file) if from_file is not None else None
    model = _model(pack, index, safe_rule)
    if model.pack.code_system == "SOC 2018":  # other packs search their own codes and titles
        _crosswalk_notice([occupation] if lines is None else [text for _, text in lines])
    catalogue = _catalogue(model, catalogue_file)
    console = _console()
    err = _console(stderr=True)
    if lines is None:
        advice = advise(model, occupation, top=top, filter=filter_, lang=lang, catalogue=catalogue)
        if as_json:
            _echo_json(advice.to_list())
            _print_meta(err, model, catalogue)
        else:
            _print_advice(console, advice, model, catalogue, lang)
            _print_footer(console, model, catalogue, lang)
        return
    batch = advise_many(model, lines, top=top, filter=filter_, lang=lang, catalogue=catalogue)
    if as_json:
        _echo_json({key: advice.to_list() for key, advice in batch.answers.items()}, compact=True)
        _print_meta(err, model, catalogue)
    else:
        for advice in batch.answers.values():
            _print_advice(console, advice, model, catalogue, lang)
            console.print()
        _print_footer(console, model, catalogue, lang)
    if batch.bad:
        for bad in batch.bad:
            err.print(plain(f"line {bad.line} '{bad.text}': {bad.error}" + (f" ({bad.hint})" if bad.hint else "")),
                      highlight=False, markup=False, style="red")
        numbers = ", ".join(str(b.line) for b in batch.bad)
        raise InputError(f"{len(batch.bad)} of {len(lines)} lines of {from_file} could not be answered "
                         f"(lines {numbers}); the other {len(batch.answers)} were answered")


def _print_meta(err: Any, model: Any, catalogue: Any) -> None:
    """Data vintage and assumptions as one JSON line on stderr, so stdout stays the documented JSON."""
    err.print("meta: " + dumps(_meta(model, catalogue), compact=True),
              highlight=False, soft_wrap=True, markup=False)


def training_command(
    origin: str = typer.Argument(..., help="Current occupation: " + OCCUPATION_HELP),
    destination: str = typer.Argument(..., help="Target occupation: " + OCCUPATION_HELP),
    lang: str = LANG_OPT,
    as_json: bool = JSON_OPT,
    catalogue_file: Path | None = CATALOGUE_OPT,
    pack: str = PACK_OPT,
) -> None:
    """The training that closes the skill gaps between two occupations, with duration and cost."""
    from rich.table import Table

    from workshift.i18n import t
    from workshift.services.explain import element_name
    from workshift.services.origins import resolve_origin
    from workshift.services.training import TRAINING_MIN_GAP

    lang = normalise_lang(lang)
    model = _model(pack, "gpts_beta", "relative")
    catalogue = _catalogue(model, catalogue_file)
    _crosswalk_notice([origin, destination])
    src, dst = (resolve_origin(x, model.pack, context=model.context) for x in (origin, destination))
    gaps = model.skill_gaps(src.soc_code, dst.soc_code)
    plan = catalogue.plan(gaps, lang)
    if as_json:
        _echo_json({"origin": src.to_dict(), "destination": dst.to_dict(),
                    "score": round(float(model.similarity([src.soc_code], [dst.soc_code])[0, 0]), 4),
                    "transition": _labels(model, src.soc_code, dst.soc_code),
                    "skill_gaps": [g.to_dict() for g in gaps], "training": plan.to_dict(),
                    "meta": _meta(model, catalogue)})
        return
    console = _console()
    for who in (src, dst):
        console.print(t("services.resolved", lang, query=_shown(who.query), code=who.soc_code, title=occupation_title(who.soc_code, who.title, lang),
                        system=_route(who.system, lang), confidence=f"{who.confidence:.2f}"), highlight=False)
    if not plan.courses:
        console.print(t("services.training.none_needed", lang, min_gap=TRAINING_MIN_GAP))
        return
    table = Table(title=t("services.training.title", lang, origin=occupation_title(src.soc_code, src.title, lang), dest=occupation_title(dst.soc_code, dst.title, lang)))
    for key in ("skill", "gap", "course", "duration", "cost"):
        table.add_column(t(f"services.column.{key}", lang, currency=currency_name(plan.currency, lang)),
                         justify="right" if key in ("gap", "duration", "cost")
                         else "left", overflow="fold")
    by_id = {g.element_id: g for g in gaps}
    for course in plan.courses:
        name = element_name(by_id[course.element_id], lang)
        if course.course_id is None:
            label = t("services.training.no_course", lang)
        else:
            label = course.title + ("" if course.closes else
                                    f" ({t('services.training.partial', lang, level=course.reaches_level)})")
        table.add_row(name, f"+{course.gap:.2f}", label, _fmt(course.duration_months, ".2f"),
                      _fmt(course.cost, ",.0f"))
    console.print(table)
    illustrative = t("services.costs_illustrative_note", lang) if plan.illustrative else ""
    console.print(t("services.training.total", lang, months=f"{plan.months:.1f}",
                    cost=money_full(plan.cost, plan.currency, lang),
                    illustrative=illustrative), highlight=False)
    source = t("services.training.catalogue_shipped", lang) if catalogue.shipped else catalogue.source
    console.print(t("services.training.catalogue", lang, source=source), style="dim", highlight=False)
    if plan.illustrative:
        console.print(t("services.footer_illustrative", lang), style="dim")


def entrepreneurship_command(
    occupation: str = typer.Argument(..., help=OCCUPATION_HELP),
    top: int = typer.Option(10, "--top", help="Number of paths."),
    index: str = INDEX_OPT,
    lang: str = LANG_OPT,
    as_json: bool = JSON_OPT,
    pack: str = PACK_OPT,
) -> None:
    """Self-employment paths among an occupation's viable transitions, and the support programmes."""
    from rich.table import Table

    from workshift.i18n import t
    from workshift.services.entrepreneurship import entrepreneurship_paths
    from workshift.services.origins import resolve_origin

    lang = normalise_lang(lang)
    model = _model(pack, index, "relative")
    _crosswalk_notice([occupation])
    origin = resolve_origin(occupation, model.pack, context=model.context)
    paths = entrepreneurship_paths(model, origin.soc_code, top=top, lang=lang)
    if as_json:
        _echo_json({"resolved": origin.to_dict(), **paths.to_dict(), "meta": model.meta()})
        return
    console = _console()
    console.print(t("services.resolved", lang, query=_shown(origin.query), code=origin.soc_code, title=occupation_title(origin.soc_code, origin.title, lang),
                    system=_route(origin.system, lang), confidence=f"{origin.confidence:.2f}"), highlight=False)
    console.print(t("services.entrepreneurship.threshold", lang, threshold=f"{100 * paths.threshold:.1f}"),
                  highlight=False)
    if paths.origin_high:
        share = paths.origin["self_employment_share"]
        console.print(t("services.entrepreneurship.origin_high", lang, share=f"{100 * share:.1f}"), highlight=False)
    if paths.paths:
        table = Table(title=t("services.entrepreneurship.title", lang, code=origin.soc_code,
                                     title=occupation_title(origin.soc_code, origin.title, lang)))
        for key in ("code", "title", "self_employment", "score", "wage_ratio", "exposure_change"):
            table.add_column(t(f"services.column.{key}", lang), overflow="fold")
        for item in paths.paths:
            table.add_row(item.code, occupation_title(item.code, item.title, lang), _fmt(item.self_employment_share, ".1f", 100) + "%",
                          f"{item.score:.3f}", _fmt(item.wage_ratio, ".2f"), _fmt(item.exposure_change, "+.2f"))
        console.print(table)
    else:
        console.print(t("services.entrepreneurship.none", lang))
    console.print(f"[bold]{t('services.entrepreneurship.programmes', lang)}[/]")
    for prog in paths.programmes:
        console.print("- " + t("services.entrepreneurship.programme_line", lang, label=prog["label"], id=prog["id"],
                               description=prog["description"],
                               cost=money_full(prog["cost_per_participant"], prog["currency"], lang),
                               source=prog["source"]), highlight=False, markup=False)


def population_command(
    index: str = INDEX_OPT,
    safe_rule: str = SAFE_OPT,
    out: Path | None = typer.Option(None, "--out", help="Write the plot by state as a self-contained HTML file."),
    lang: str = LANG_OPT,
    as_json: bool = JSON_OPT,
    pack: str = PACK_OPT,
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Workers in high-exposure occupations with no safe and desirable option: table and plot by state."""
    from rich.table import Table

    from workshift.i18n import t
    from workshift.services.population import population_view, write_figure

    lang = normalise_lang(lang)
    check_output(out, formats=(".html",), force=force)
    model = _model(pack, index, safe_rule)
    view = population_view(model)
    if out is not None:
        write_figure(view, out, lang)
    if as_json:
        _echo_json(view.to_dict())
        return
    console = _console()
    nat = view.national
    console.print(t("services.population.summary", lang, high=nat["high_exposure_occupations"], index=index,
                    threshold=f"{nat['threshold']:.3f}", without=nat["without_option"],
                    workers_without=nat["workers_without"], workers_high=nat["workers_high"],
                    share=f"{100 * nat['share_without']:.1f}"), highlight=False)
    table = Table(title=t("services.population.title", lang))
    for key in ("state", "workers_high", "workers_without", "share_without"):
        table.add_column(t(f"services.column.{key}", lang), justify="left" if key == "state" else "right")
    for row in view.states.itertuples():
        table.add_row(row.state, f"{row.workers_high:,.0f}", f"{row.workers_without:,.0f}",
                      f"{100 * row.share_without:.1f}%")
    console.print(table)
    _print_footer(console, model, None, lang)
    if out is not None:
        console.print(t("services.population.saved", lang, path=out), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("transitions")(transitions_command)
    app.command("training")(training_command)
    app.command("entrepreneurship")(entrepreneurship_command)
    app.command("population")(population_command)
