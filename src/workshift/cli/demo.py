"""`workshift demo`: the main job, end to end on real data (for now: the US pack and its quality report)."""

from __future__ import annotations

import typer


def run_demo(lang: str = "en", rebuild: bool = False) -> None:
    """Build the US region pack if it is missing (or ``rebuild``), then print its data quality report."""
    from workshift import store
    from workshift.cli.data import build_with_progress, print_report
    from workshift.i18n import t

    path = store.pack_path("us")
    if rebuild or not path.is_file():
        typer.echo(t("data.demo_building", lang))
        build_with_progress("us", lang=lang)
    else:
        typer.echo(t("data.demo_ready", lang, path=path))
    print_report("us", lang)


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the main app."""

    @app.command("demo")
    def demo(
        lang: str = typer.Option("en", "--lang", help="Language of the report: en or zh."),
        rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild the US pack even if it exists."),
    ) -> None:
        """Run the demo: build the US region pack if missing and print its data quality report."""
        from workshift.i18n import normalise_lang

        run_demo(normalise_lang(lang), rebuild)
