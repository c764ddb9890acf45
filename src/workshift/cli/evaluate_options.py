"""Options shared by the ``workshift evaluate`` commands."""

from __future__ import annotations

import typer

# What the run evaluated (recorded with every run; `evaluate feedback` checks it against the lever).
PROGRAMME_TYPE = typer.Option(None, "--programme-type",
                              help="Programme type evaluated, from the lever catalogue (e.g. training, "
                                   "job_search_assistance) or 'other'.")
POPULATION = typer.Option(None, "--population", help="Who was evaluated, e.g. 'unemployed men 18-55'.")
OUTCOME_KIND = typer.Option(None, "--outcome-kind",
                            help="employment_probability | employment_rate_pct | log_employment | earnings | other.")
HORIZON = typer.Option(None, "--horizon", help="Months after the programme at which the outcome is measured.")
