"""The policy part of ``workshift demo``: optimise the GenAI scenario with its budget and write the report.

``run_policy_demo(pack, out_dir, lang=("en", "zh"), progress=None) -> dict`` prints nothing; it returns the
headline table (baseline vs recommended per objective), the recommended schedule, the run and plan ids and
the report paths. ``progress(stage, done, total)`` is called as it works (stage: "prepare", "optimise",
"report") so the CLI can draw progress bars.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workshift.config import CHECKOUT_ROOT

DEMO_SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"
DEMO_POP = 60
DEMO_GENERATIONS = 40


def run_policy_demo(pack: Any, out_dir: str | Path, lang: tuple[str, ...] = ("en", "zh"),
                    progress: Callable[[str, int, int], None] | None = None, pop: int = DEMO_POP,
                    generations: int = DEMO_GENERATIONS, seed: int = 1, home: str | Path | None = None,
                    scenario: str | Path = DEMO_SCENARIO) -> dict[str, Any]:
    """Run the GenAI policy optimisation on ``pack`` (a RegionPack or its name) and write the HTML reports."""
    from workshift.market.inputs import from_pack
    from workshift.optimize.pipeline import load_policy_scenario, prepare, search, summarise
    from workshift.optimize.report import economy_wide, write_reports
    from workshift.optimize.results import save

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    if isinstance(pack, str):
        from workshift.data import load_pack

        pack = load_pack(pack, home=home)
    tick("prepare", 0, 1)
    sc = load_policy_scenario(scenario, home=home)
    prepared = prepare(sc, inputs=from_pack(pack, sc.engine.market["region"]))
    tick("prepare", 1, 1)
    result = search(prepared, "nsga2", pop, generations, seed,
                    progress=lambda done, total: tick("optimise", done, total))
    summary = summarise(prepared, result)
    tick("report", 0, 1)
    run_id, plan_id, p = save(prepared, summary, home=home)
    summary["run_id"], summary["plan_id"] = run_id, plan_id
    reports = write_reports(prepared, summary, p, out_dir, lang)
    tick("report", 1, 1)
    keys = summary["objectives"] + [k for k in ("ai_displacement", "coverage", "insurance_coverage")
                                    if k not in summary["objectives"]]
    headline = [{"objective": k, "baseline": summary["baseline"].get(k),
                 "recommended": summary["recommended"]["objectives"].get(k)} for k in keys]
    return {"headline": headline, "economy_wide": economy_wide(prepared, p, summary),
            "recommended": summary["recommended"], "hypervolume": summary["hypervolume"],
            "evaluations": summary["evaluations"], "seconds": summary["seconds"],
            "run_id": run_id, "plan_id": plan_id, "reports": reports}
