"""Simulate a scenario from the library: :func:`simulate` -> :class:`Simulation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workshift.api.scenario import Scenario, as_scenario
from workshift.context import Context
from workshift.files import atomic_path
from workshift.jsontext import finite
from workshift.market.plots import write_html
from workshift.market.run import SimulationResult
from workshift.market.run import simulate as run_engine
from workshift.market.tables import aggregate_table, node_table, occupation_table
from workshift.outputs import mark_output_folder
from workshift.provenance import environment
from workshift.store import Store


@dataclass
class Simulation:
    """One scenario's run of the occupational mobility network engine.

    Attributes
    ----------
    series : pandas.DataFrame
        Aggregate paths per step (``step``, ``week``, rates and counts; see ``docs/engine.md``).
    nodes : pandas.DataFrame
        Per occupation and step: employment, unemployment, vacancies...
    occupations : pandas.DataFrame
        Per occupation: exposure, shock and outcome summaries.
    summary : dict
        Steady-state, peak and final unemployment rates, displaced and reinstated workers.
    meta : dict
        Data vintage, region, parameters with provenance, shock channels, burn-in and software versions.
    result : workshift.market.run.SimulationResult
        The engine's own result (trajectory, built model).
    """

    series: pd.DataFrame
    nodes: pd.DataFrame
    occupations: pd.DataFrame
    summary: dict[str, Any]
    meta: dict[str, Any]
    result: SimulationResult = field(repr=False)
    scenario: Scenario = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """Series, summary and meta as JSON-ready values (what ``workshift simulate --json`` prints, less the run
        id and folder)."""
        return finite(self.result.to_json())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The stored tables: ``series``, ``nodes``, ``occupations``."""
        return {"series": self.series, "nodes": self.nodes, "occupations": self.occupations}

    def save(self, out: str | Path | None = None, plots: bool = True, lang: str = "en") -> tuple[str, Path]:
        """Store the run (kind ``simulate``) and write its parquet tables and ``plots.html``.

        Parameters
        ----------
        out : str or Path, optional
            Folder for the files (default: ``<home>/runs/<run id>``).
        plots : bool
            Write ``plots.html`` (aggregate paths, Beveridge curve, most affected occupations).
        lang : str
            Language of the plots: ``en`` or ``zh``.

        Returns
        -------
        (str, Path)
            The run id and the folder of its files.
        """
        store = Store(self.scenario.context.home)
        run_id = store.new_run_id("simulate")

        def write_files(folder: Path) -> None:
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in self.tables().items():
                with atomic_path(folder / f"{name}.parquet", suffix=".parquet") as tmp:
                    frame.to_parquet(tmp, index=False)
            if plots:
                write_html(self.result, folder / "plots.html", lang)
            mark_output_folder(folder)

        meta = {**self.result.meta, "summary": self.summary}
        store.save_run("simulate", meta, self.tables(), run_id=run_id, files=write_files, folder=out)
        return run_id, Path(out) if out is not None else store.runs_dir / run_id


def simulate(scenario: Scenario | str | Path | dict[str, Any], *, context: Context | None = None) -> Simulation:
    """Run a scenario: the occupational mobility network model (del Rio-Chanona et al. 2021) under AI adoption.

    Parameters
    ----------
    scenario : Scenario, str, Path or dict
        A loaded scenario, or a file or dict to load (:func:`workshift.load_scenario`).
    context : Context, optional
        Used when ``scenario`` is not loaded yet.

    Returns
    -------
    Simulation
        ``.series`` and ``.nodes`` DataFrames, ``.summary``, ``.meta``.
    """
    sc = as_scenario(scenario, context)
    result = run_engine(sc.engine, sc.market_inputs())
    result.meta = {**result.meta, "versions": environment()}
    return Simulation(aggregate_table(result), node_table(result), occupation_table(result), result.summary,
                      result.meta, result, sc)
