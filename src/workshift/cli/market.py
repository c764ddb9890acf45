"""CLI of the labour-market engine: ``workshift simulate`` and ``workshift calibrate``."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import echo_json, print_note
from workshift.i18n import lang_option
from workshift.outputs import FORCE_HELP, check_output_folder


def simulate(
    scenario: Path = typer.Argument(..., help="Scenario TOML file (see scenarios/)."),
    as_json: bool = typer.Option(False, "--json", help="Print series, summary and meta as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Folder for parquet tables and plots "
                                    "(default: <home>/runs/<run id>)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write plots.html (aggregate paths, "
                               "Beveridge curve, most affected occupations)."),
    lang: str = typer.Option(None, "--lang", help="Language of plots and the summary table: en or zh.", callback=lang_option),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Simulate a scenario: the occupational mobility network model under AI adoption."""
    from rich.console import Console
    from rich.table import Table

    from workshift import api
    from workshift.i18n import normalise_lang, t

    lang = normalise_lang(lang)
    check_output_folder(out, inputs=[scenario], force=force)
    sc = api.load_scenario(scenario)
    if not any(sc.raw.values()):
        print_note(f"{scenario} sets nothing: every value is the documented default (see scenarios/)")
    result = api.simulate(sc)
    run_id, folder = result.save(out, plots=plots, lang=lang)
    if as_json:
        echo_json({"run_id": run_id, "out": str(folder), **result.to_json()}, indent=None)
        return
    table = Table(title=t("market.summary_title", lang))
    table.add_column("")
    table.add_column("", justify="right")
    for key in ("steady_state_unemployment_rate", "peak_unemployment_rate", "peak_long_term_unemployment_rate",
                "final_unemployment_rate"):
        table.add_row(t(f"market.{key}", lang), f"{100 * result.summary[key]:.2f}%")
    for key in ("displaced_workers", "displaced_workers_gross", "reinstated_demand"):
        table.add_row(t(f"market.{key}", lang), f"{result.summary[key]:,.0f}")
    console = Console()
    console.print(table)
    console.print(t("market.run_saved", lang, run_id=run_id, path=folder))


def calibrate(
    pack: str = typer.Option("us", "--pack", help="Region pack with the macro series."),
    network: str = typer.Option("empirical", "--network", help="empirical | skills | complete"),
    start: str = typer.Option("2000-12", "--start", help="First month of the fit (YYYY-MM)."),
    end: str = typer.Option("2018-11", "--end", help="Last month of the fit (YYYY-MM)."),
    step_weeks: float = typer.Option(6.75, "--step-weeks", help="Model step in weeks (rates are fitted per "
                                     "6.75 weeks and converted to it), e.g. 4.333 for monthly steps."),
    as_json: bool = typer.Option(False, "--json", help="Print the fit as JSON."),
    lang: str = typer.Option(None, "--lang", help="Language of the report: en or zh.", callback=lang_option),
    to_unemployment: bool = typer.Option(False, "--to-unemployment", help="Instead: fit the separation rate "
                                         "delta_u so that the steady state equals the pack's observed unemployment "
                                         "rate (its calibration target, e.g. NBS for cn); the fit shipped in packs."),
    target: float | None = typer.Option(None, "--target", help="With --to-unemployment: the target rate in "
                                        "percent instead of the pack's."),
) -> None:
    """Fit delta_u, delta_v, gamma and the cycle amplitude to the Beveridge curve (as the paper does)."""
    if to_unemployment:
        _fit_unemployment(pack, network, step_weeks, target, as_json)
        return
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import normalise_lang, t
    from workshift.market.calibrate import calibrate as fit
    from workshift.store import Store

    lang = normalise_lang(lang)
    result = fit(pack=pack, network=network, start=start, end=end, step_weeks=step_weeks)
    report = result.to_json()
    run_id = Store().save_run("calibrate", report, {"fit": result.table()})
    if as_json:
        echo_json({"run_id": run_id, **report}, indent=None)
        return
    from workshift.i18n import catalogue

    table = Table(title=t("market.calibration_title", lang, start=start, end=end))
    table.add_column(t("market.calibration_parameter", lang))
    table.add_column(t("market.calibration_value", lang), justify="right")
    for key, val in report["parameters"].items():
        name = f"market.calibration_param_{key}"
        table.add_row(t(name, lang) if lang == "zh" and name in catalogue("en") else key, f"{val:.4f}")
    console = Console()
    console.print(table)
    console.print(t("market.calibration_fit", lang, rmse=f"{report['fit']['rmse_pp']:.3f}"))


def _fit_unemployment(pack: str, network: str, step_weeks: float, target: float | None, as_json: bool) -> None:
    from workshift.data import load_pack
    from workshift.errors import InputError
    from workshift.market.calibrate import fit_separation_rate
    from workshift.market.inputs import from_pack

    loaded = load_pack(pack)
    inputs = from_pack(loaded, pack.upper())
    if target is None:
        known = (inputs.calibration or {}).get("target")
        if not known:
            raise InputError(f"pack '{pack}' has no unemployment target", hint="give --target PERCENT")
        target = 100.0 * known["value"]
    if network == "empirical" and "empirical" not in inputs.edges:
        network = str(loaded.meta.get("default_network", "skills"))
    market = {"pack": pack, "region": pack.upper(), "network": network, "step_weeks": step_weeks}
    fit = fit_separation_rate(inputs, target / 100.0, market)
    fit["inputs_sha256"] = (inputs.calibration or {}).get("inputs_sha256")  # for the builder's FITTED_INPUTS_SHA256
    if as_json:
        echo_json(fit, indent=None)
        return
    typer.echo(
        f"delta_u = {fit['value']:.7f} per 6.75 weeks (paper {fit['paper_value']}): steady-state unemployment "
        f"{100 * fit['steady_state_unemployment_rate']:.3f} % (target {target:.3f} %, paper's rates "
        f"{100 * fit['paper_steady_state_unemployment_rate']:.3f} %), {network} network, {step_weeks:g}-week steps")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("simulate")(simulate)
    app.command("calibrate")(calibrate)
