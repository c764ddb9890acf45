"""`workshift match ...`: rank vacancies for job seekers (and assign them), and make synthetic test data."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import echo_json
from workshift.i18n import catalogue, current_lang, lang_option, t
from workshift.outputs import FORCE_HELP, check_output, check_output_folder, check_outputs, mark_output_folder

match_app = typer.Typer(help="Job matching: explainable top-N vacancies per seeker, capacity-aware assignment, "
                             "fairness and congestion report (docs/matching.md).")


def _file_name(name: str, lang: str) -> str:
    """What a written file holds (``seekers``, ``meta``...) in the reader's words (the key when unknown)."""
    key = f"matching.file_{name}"
    return t(key, lang) if key in catalogue("en") else name


def _summary_table(result, lang: str):
    from rich.table import Table

    from workshift.services.matching.explain import messages
    from workshift.services.matching.report import CONGESTED

    m = messages(lang)
    policies = result.summary["policies"]
    table = Table(title=m["policies_heading"])
    table.add_column(m["metric"])
    for name in policies:
        table.add_column(m["policy_top_n"].format(top=result.top) if name == "top_n" else m["policy_assignment"],
                         justify="right")
    rows = [("good_match_share", True), ("realised_good_match_share", True), ("matched_share", True),
            ("gini_recommendations", False), ("congested_vacancy_share", True), ("unseen_vacancy_share", True)]
    for key, share in rows:
        values = [policies[p][key] for p in policies]
        table.add_row(m[f"metric_{key}"].format(limit=CONGESTED),
                      *[f"{100 * v:.1f}%" if share else f"{v:.3f}" for v in values])
    p90 = [policies[p]["applicants_per_opening"]["p90"] for p in policies]
    table.add_row(m["metric_applicants_p90"], *[f"{v:.2f}" for v in p90])
    return table


def register(app: typer.Typer) -> None:
    """Add the `match` group: ranking in its callback, `synth` as a subcommand."""

    @match_app.callback(invoke_without_command=True)
    def match(
        ctx: typer.Context,
        seekers: Path | None = typer.Option(None, "--seekers", help="Seekers file (CSV/TSV/Parquet/.xlsx)."),
        vacancies: Path | None = typer.Option(None, "--vacancies", help="Vacancies file (CSV/TSV/Parquet/.xlsx)."),
        top: int = typer.Option(10, "--top", help="Vacancies per seeker (and seekers per vacancy in the reverse view)."),
        out: Path | None = typer.Option(None, "--out", help="Seeker view, .csv or .parquet; the reverse view, "
                                        "assignment and metadata are written beside it."),
        do_assign: bool = typer.Option(False, "--assign", help="Also assign seekers under vacancy openings."),
        groups: str | None = typer.Option(None, "--groups", help="Comma-separated seeker columns for fairness gaps."),
        lang: str = typer.Option(None, "--lang", help="Language of explanations and the HTML summary: en or zh.", callback=lang_option),
        html: Path | None = typer.Option(None, "--html", help="Write an HTML summary here."),
        index: str = typer.Option("gpts_beta", "--index", help="AI exposure index of the pack for the safety factor."),
        weights: str | None = typer.Option(None, "--weights", help="Factor weights, e.g. 'skill_coverage=0.4,pay=0.1'."),
        candidates: int | None = typer.Option(None, "--candidates",
                                              help="Candidates per seeker (default: 50 with --assign, else --top)."),
        method: str = typer.Option("auto", "--method", help="Retrieval: auto, exact, hybrid or hnsw."),
        threads: int | None = typer.Option(None, "--threads", help="Threads (default: all available cores)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the retrieval index."),
        explain: bool = typer.Option(True, "--explain/--no-explain", help="Write an explanation per row."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Rank the best vacancies for every seeker, with a per-factor score breakdown and explanations."""
        if ctx.invoked_subcommand is not None:
            return

        from rich.console import Console

        from workshift.errors import InputError
        from workshift.i18n import normalise_lang
        from workshift.services.matching import Weights, run_match, write_outputs
        from workshift.services.matching.pipeline import output_paths

        missing = [flag for flag, value in (("--seekers", seekers), ("--vacancies", vacancies), ("--out", out))
                   if value is None]
        if missing:
            raise InputError(f"missing {', '.join(missing)}",
                             hint="workshift match --seekers FILE --vacancies FILE --top N --out FILE")
        try:
            code = normalise_lang(lang)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        written = output_paths(out)  # a bad --out suffix fails before the work
        check_outputs([*written.values(), *([html] if html else [])], inputs=[seekers, vacancies], force=force)
        check_output(html, flag="--html", formats=(".html",), inputs=[seekers, vacancies, *written.values()],
                     force=force)
        columns = [c.strip() for c in groups.split(",") if c.strip()] if groups else []
        result = run_match(seekers, vacancies, top, do_assign=do_assign, groups=columns, index=index,
                           weights=Weights.parse(weights), candidates=candidates, method=method, threads=threads,
                           seed=seed)
        paths = write_outputs(result, out, code, explain, html)
        if as_json:
            echo_json(result.summary)
            return
        console = Console()
        console.print(_summary_table(result, code))
        for name, path in paths.items():
            console.print(t("matching.wrote", code, name=_file_name(name, code), path=path), highlight=False)

    @match_app.command("synth")
    def synth(
        seekers: int = typer.Option(..., "--seekers", help="Number of job seekers."),
        vacancies: int = typer.Option(..., "--vacancies", help="Number of vacancies."),
        out: Path = typer.Option(..., "--out", help="Output directory."),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
        fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
        title_share: float = typer.Option(0.0, "--title-share",
                                          help="Share of occupations written as titles instead of SOC codes."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Synthetic seekers and vacancies whose occupation x state shares follow OEWS employment."""
        from workshift.data import load_pack
        from workshift.services.matching.synth import write_synthetic

        check_output_folder(out, force=force)

        lang = current_lang()
        paths = write_synthetic(load_pack("us"), out, seekers, vacancies, seed=seed, fmt=fmt, title_share=title_share)
        mark_output_folder(out)
        for name, path in paths.items():
            typer.echo(t("matching.wrote", lang, name=_file_name(name, lang), path=path))

    app.add_typer(match_app, name="match")
