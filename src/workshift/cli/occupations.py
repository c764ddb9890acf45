"""`workshift occupations ...`: search occupations (SOC, O*NET, CSCO), show a code, build the CSCO->SOC crosswalk."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

import typer

from workshift.cli.output import echo_json
from workshift.i18n import lang_option
from workshift.i18n.names import occupation_title, onet_title

occupations_app = typer.Typer(
    help="Occupation codes and titles: search (English/Chinese), show a code, CSCO->SOC crosswalk.",
    no_args_is_help=True,
)
LANG = typer.Option(None, "--lang", help="Language of labels and messages: en or zh.", callback=lang_option)


def _crosswalk_with_progress(lang: str, force: bool = False):
    """Build (or read) the full CSCO->SOC crosswalk with a rich progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from workshift.i18n import t
    from workshift.services.crosswalk_csco import build_crosswalk, cached_crosswalk

    if not force and (cached := cached_crosswalk()) is not None:
        return cached
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(t("occupations.crosswalk_building", lang), total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return build_crosswalk(progress=step, force=force)


def register(app: typer.Typer) -> None:
    """Add the `occupations` command group."""

    @occupations_app.command("search")
    def search_command(
        query: str = typer.Argument(
            ..., help='A job title in English or Chinese, e.g. "data entry" or "数据录入".'
        ),
        top: int = typer.Option(10, "--top", help="How many occupations to list."),
        system: str = typer.Option("all", "--system", help="Where to search: soc, onet, csco or all."),
        as_json: bool = typer.Option(False, "--json", help="Print the hits as JSON."),
        lang: str = LANG,
    ) -> None:
        """Rank occupations whose titles match QUERY (character n-gram TF-IDF, offline)."""
        from workshift.data.csco import csco_available, csco_missing_hint
        from workshift.i18n import normalise_lang, t
        from workshift.services.search import get_index

        lang = normalise_lang(lang)
        index = get_index()
        hits = index.search(query, top=top, system=system)
        has_csco = csco_available()
        if as_json:
            payload = {
                "query": query,
                "system": system,
                "hits": [h.to_dict() for h in hits],
                "method": "character 1-3-gram TF-IDF cosine (char_wb)",
                "csco_available": has_csco,
                "crosswalk_available": bool(index.crosswalk),
            }
            echo_json(payload)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title=t("occupations.search_title", lang, query=query))
        for key in ("system", "code", "title", "matched", "score", "soc", "confidence"):
            table.add_column(t(f"occupations.col_{key}", lang), overflow="fold")
        for hit in hits:
            own = hit.system == "soc"  # a SOC hit is its own SOC occupation
            soc = "" if own else (f"{hit.soc_code} {occupation_title(hit.soc_code, hit.soc_title or '', lang)}".strip()
                                 if hit.soc_code else "—")
            confidence = (
                "" if own else (f"{hit.soc_confidence:.2f}" if hit.soc_confidence is not None else "—")
            )
            matched = "" if hit.matched == hit.title else hit.matched
            title = occupation_title(hit.code, hit.title, lang) if own else hit.title
            system_name = t(f"occupations.system_{hit.system}", lang) if lang == "zh" else hit.system
            table.add_row(system_name, hit.code, title, matched, f"{hit.score:.3f}", soc, confidence)
        if hits:
            console.print(table)
        else:
            console.print(t("occupations.no_hits", lang, query=query))
        if not has_csco and system in ("all", "csco"):
            console.print(t("occupations.csco_missing", lang, hint=csco_missing_hint()), highlight=False)
        elif any(h.system == "csco" and h.soc_code is None for h in hits):
            console.print(t("occupations.crosswalk_hint", lang), highlight=False)

    @occupations_app.command("show")
    def show_command(
        code: str = typer.Argument(
            ..., help="A SOC, O*NET, ISCO-08 or CSCO 2022 code (e.g. 15-1252, 4-04-05-01)."
        ),
        system: str | None = typer.Option(None, "--system", help="Code system when the form is ambiguous."),
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        lang: str = LANG,
    ) -> None:
        """Describe one occupation code: its title, its SOC mapping and CSCO candidates with confidence."""
        from workshift.data.codes import parse_code
        from workshift.i18n import normalise_lang
        from workshift.services.lookup import describe_code

        lang = normalise_lang(lang)
        parsed = parse_code(code, system)
        if parsed.system == "csco2022":
            _crosswalk_with_progress(lang)
        info = describe_code(parsed)
        if as_json:
            echo_json(info)
            return
        _print_description(info, lang)

    @occupations_app.command("resolve")
    def resolve_command(
        text: str = typer.Argument(
            ..., help="A SOC, O*NET, ISCO-08 or CSCO code, or a job title (English/Chinese)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the resolution as JSON."),
        lang: str = LANG,
    ) -> None:
        """Resolve a code or a job title to a SOC occupation, with its confidence (or 'unknown' + suggestions)."""
        from workshift.data.codes import looks_like_code, parse_code
        from workshift.i18n import normalise_lang, t
        from workshift.services.lookup import MIN_CONFIDENCE, is_chinese, resolve_occupation

        lang = normalise_lang(lang)
        # CSCO codes and Chinese titles need the crosswalk (built once, then read from the cache).
        if is_chinese(text) or (looks_like_code(text) and parse_code(text).system == "csco2022"):
            _crosswalk_with_progress(lang)
        found = resolve_occupation(text)
        if as_json:
            echo_json(found.to_dict())
        elif found.known:
            typer.echo(
                t(
                    "occupations.resolved",
                    lang,
                    query=text,
                    soc_code=found.soc_code,
                    title=occupation_title(found.soc_code, found.title, lang),
                    confidence=f"{found.confidence:.2f}",
                )
            )
        else:
            typer.echo(
                t(
                    "occupations.unknown",
                    lang,
                    query=text,
                    confidence=f"{found.confidence:.2f}",
                    threshold=MIN_CONFIDENCE,
                )
            )
            typer.echo(t("occupations.closest", lang, titles="; ".join(found.suggestions)))
        if not found.known:
            raise typer.Exit(3)

    @occupations_app.command("crosswalk")
    def crosswalk_command(
        rebuild: bool = typer.Option(False, "--rebuild", help="Build again even when cached."),
        as_json: bool = typer.Option(False, "--json", help="Print the build summary as JSON."),
        lang: str = LANG,
    ) -> None:
        """Build the CSCO->SOC candidate crosswalk (multilingual-e5-small, offline; cached by inputs)."""
        import time

        from workshift.i18n import normalise_lang, t

        lang = normalise_lang(lang)
        started = time.perf_counter()
        frame = _crosswalk_with_progress(lang, force=rebuild)
        summary = {**frame.attrs, "rows": len(frame), "seconds": round(time.perf_counter() - started, 1)}
        if as_json:
            echo_json(summary)
        else:
            typer.echo(
                t(
                    "occupations.crosswalk_done",
                    lang,
                    codes=summary.get("csco_codes"),
                    seconds=summary["seconds"],
                )
            )

    app.add_typer(occupations_app, name="occupations")


def _print_description(info: dict, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import t

    console = Console()
    console.print(f"[bold]{info['system_label']} {info['code']}[/] {occupation_title(info['code'], info['title'], lang)}",
                  highlight=False)
    for key in ("level", "definition", "aliases", "soc_code"):
        value = info.get(key)
        if value:
            text = "、".join(value) if isinstance(value, list) else str(value)
            if key == "soc_code":
                text = f"{value} {occupation_title(value, info.get('soc_title') or '', lang)}"
            console.print(f"  {t(f'occupations.field_{key}', lang)}: {text}", highlight=False)
    for name in ("soc_candidates", "csco_candidates", "onet_occupations"):
        rows = info.get(name) or []
        if not rows:
            continue
        table = Table(title=t(f"occupations.table_{name}", lang))
        for column in rows[0]:
            table.add_column(t(f"occupations.header.{column}", lang))
        for row in rows:
            if "soc_code" in row and "title" in row:
                row = {**row, "title": occupation_title(row["soc_code"], row["title"], lang)}
            elif "onet_code" in row and "title" in row:
                row = {**row, "title": onet_title(row["onet_code"], row["title"], lang)}
            table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
        console.print(table)
    if info.get("note"):
        console.print(info["note"], highlight=False)


TITLE_COLUMNS = ("title", "job_title", "job_name", "query", "职位", "职位名称", "岗位", "岗位名称", "职业")


def read_titles(path, column: str | None = None) -> list[str]:
    """Job titles from a file, in file order: a text file (one per line) or a table's title column.

    A table (CSV/TSV in UTF-8 or GB18030, Parquet, .xlsx) uses ``column``, else the first of
    :data:`TITLE_COLUMNS` it has, else its only column. Blank lines and cells are skipped.
    """
    from pathlib import Path

    from workshift import tabular
    from workshift.errors import DataError

    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path, expected="a text file (one title per line) or a table")
    if path.suffix.lower() in (".txt", ".lst", ""):
        text = tabular.decode_file(path.read_bytes(), path)  # UTF-8, GB18030 or --encoding; errors name the row
        return [line.strip() for line in text.splitlines() if line.strip()]
    frame = tabular.read_table(path)
    names = [str(c) for c in frame.columns]
    chosen = column or next((c for c in names if c.lower() in TITLE_COLUMNS), names[0] if len(names) == 1 else None)
    if chosen is None or chosen not in frame.columns:
        tabular.require_columns(frame, [column or TITLE_COLUMNS[0]], path)
    return [str(v).strip() for v in frame[chosen].tolist() if isinstance(v, str) and v.strip()]


@occupations_app.command("classify")
def classify_command(
    system: str = typer.Option("csco", "--system", help="Classification to code titles in: csco (CSCO 2022)."),
    from_file: str = typer.Option(..., "--from-file", help="Job titles: one per line, or a table's title column."),
    column: str | None = typer.Option(None, "--column", help="Title column of a table (default: title/职位...)."),
    top: int = typer.Option(5, "--top", help="Candidates per title."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    lang: str = LANG,
) -> None:
    """Code job titles (Chinese postings) in CSCO 2022: learned re-ranker over n-grams, embeddings, examples."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from workshift.errors import InputError
    from workshift.i18n import t
    from workshift.services.classify_csco import classify

    if system.lower().replace(" ", "") not in ("csco", "csco2022"):
        raise InputError(f"unknown classification '{system}' for classify (expected: csco)")
    titles = read_titles(from_file, column)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(t("occupations.classify_building", lang), total=None)
        results = classify(titles, top=top, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        echo_json({"results": results})
        return
    from rich.table import Table

    table = Table(title=t("occupations.classify_title", lang, n=len(results)))
    for key in ("query", "code", "title", "confidence"):
        table.add_column(t(f"occupations.classify_col_{key}", lang), overflow="fold")
    for r in results:
        table.add_row(r["query"], r["code"] or "—", r["title"] or t("occupations.classify_unknown", lang),
                      f"{r['confidence']:.2f}")
    Console().print(table)
