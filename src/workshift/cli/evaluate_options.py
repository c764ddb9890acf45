"""Options shared by the ``workshift evaluate`` commands."""

from __future__ import annotations

import typer

from workshift.i18n import lang_option
from workshift.outputs import FORCE_HELP

# What the run evaluated (recorded with every run; `evaluate feedback` checks it against the lever).
PROGRAMME_TYPE = typer.Option(None, "--programme-type",
                              help="Programme type evaluated, from the lever catalogue (e.g. training, "
                                   "job_search_assistance) or 'other'.")
POPULATION = typer.Option(None, "--population", help="Who was evaluated, e.g. 'unemployed men 18-55'.")
OUTCOME_KIND = typer.Option(None, "--outcome-kind",
                            help="employment_probability | employment_rate_pct | log_employment | earnings | other.")
HORIZON = typer.Option(None, "--horizon", help="Months after the programme at which the outcome is measured.")

# What every evaluate command writes: JSON on stdout, an HTML report (guarded: never an input, --force to overwrite).
AS_JSON = typer.Option(False, "--json", help="Print the result as JSON.")
REPORT = typer.Option(None, "--report", help="Write an HTML report to this file.")
REPORT_LANG = typer.Option(None, "--lang", help="Report language: en | zh.", callback=lang_option)
FORCE = typer.Option(False, "--force", help=FORCE_HELP)
