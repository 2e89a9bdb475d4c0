"""Calibrate the built-in model to three US metro areas' patenting (issue 14, item 4).

The mapping (documented in ``models/calibration/README.md``)::

    share(year) ~ LogNormal( scale * knowledge creation(year - offset), sigma )

``share`` is the area's utility patents in a year as a percentage of the
national total of that year (``data/uspto_patents_by_metro.csv``; shares, not
counts, because the counts follow the patent office's backlog);
``knowledge creation`` is the model's flow in patent equivalents per year;
``scale`` (log-uniform over 1e-5 .. 100 percent per patent-equivalent a year)
absorbs the size of the area and the units; ``offset`` is the calendar year
of the model's time 0 (uniform over 1970 .. 2000: the area may be anywhere in
its first 30 years of the model's life cycle in 2000). The six policy levers
are estimated (uniform over their declared range [0, 1]), with the
log-normal ``sigma``: nine free quantities.

Under the posterior, each area's phase in 2015 (micro fluctuation, macro
fluctuation, far from equilibrium, decline; :mod:`sdcluster.analysis.phases`)
is read from runs of posterior draws.

Usage (from the repository root; about 10 minutes per area with the defaults)::

    .venv/bin/python models/calibration/calibrate_areas.py [--steps 1000] [--walkers 32]

Writes into ``models/calibration/results/``: per area ``<area>.nc`` (ArviZ
netCDF), ``<area>_table.csv``, ``<area>_fit.csv``, ``<area>_predictive.png``,
``<area>_pairs.png``, and ``summary.md`` (the tables of all areas).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from sdcluster.analysis.phases import PHASES, classify_phases
from sdcluster.cli.calibrate import pairs_figure, predictive_figure
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import RunOptions
from sdcluster.experiments.calibration import CalibrationSpec, SeriesMap
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.results.atomic import write_atomically
from sdcluster.studies.calibration import CalibrationResult, run_calibration

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT / "data" / "uspto_patents_by_metro.csv"
OUT = HERE / "results"

#: Short name -> CBSA name in the data, and the fate the issue names.
AREAS = {
    "seattle": ("Seattle-Tacoma-Bellevue, WA", "growing"),
    "boise": ("Boise City-Nampa, ID", "declining"),
    "rochester": ("Rochester, NY", "dip and recovery"),
}
VARIABLE = "knowledge creation"
SCALE_PRIOR = (1e-5, 100.0)
OFFSET_PRIOR = (1970.0, 2000.0)
PHASE_YEAR = 2015.0
PHASE_DRAWS = 100
#: With ``--lever-steps``: one change of openness and one of technology introduction,
#: each of a size within the declared range and at a model time within the first 45
#: years (the data window 2000-2015 lies at model time 0-45 for offsets 1970-2000):
#: a cluster that closes or opens, or a new technology generation, inside the window.
LEVER_STEPS: dict[str, tuple[float, float] | None] = {
    "openness step": None,
    "openness step time": (0.0, 45.0),
    "technology introduction step": None,
    "technology introduction step time": (0.0, 45.0),
}


def national_shares(path: Path = DATA) -> pd.DataFrame:
    """Return ``year`` and one column per area: its percentage of the national total."""
    frame = pd.read_csv(path, encoding="latin-1")
    total = frame.groupby("year")["patents_issued"].sum()
    shares = pd.DataFrame({"year": total.index.astype(float)})
    for short, (name, _) in AREAS.items():
        counts = frame[frame["cbsa_name"] == name].set_index("year")["patents_issued"]
        shares[short] = (100.0 * counts / total).reindex(total.index).to_numpy()
    return shares


def area_spec(shares: pd.DataFrame, area: str, levers: tuple[str, ...], walkers: int,
              steps: int, seed: int, moves: str = "stretch",
              lever_steps: bool = False, temperatures: int = 1,
              max_temperature: float = 1000.0) -> CalibrationSpec:
    """Return the calibration of one area (see the module docstring for the mapping).

    With ``lever_steps`` the changes of :data:`LEVER_STEPS` are estimated too.
    """
    parameters: dict[str, tuple[float, float] | None] = dict.fromkeys(levers)
    if lever_steps:
        parameters |= LEVER_STEPS
    return CalibrationSpec(
        observations=shares[["year", area]], time_column="year",
        mappings=(SeriesMap(VARIABLE, area, scale_prior=SCALE_PRIOR,
                            offset_prior=OFFSET_PRIOR),),
        parameters=parameters, walkers=walkers, steps=steps, seed=seed,
        moves=moves,  # type: ignore[arg-type]
        temperatures=temperatures, max_temperature=max_temperature,
        source=f"{DATA.relative_to(ROOT)} ({AREAS[area][0]}, share of the national total, %)",
    )


def phases_in(result: CalibrationResult, batch: BatchModel, area: str) -> Counter[str]:
    """Count the phases of the area in PHASE_YEAR over runs of posterior draws."""
    kept = result.posterior().reshape(-1, len(result.names))
    picks = np.linspace(0, kept.shape[0] - 1, PHASE_DRAWS).round().astype(int)
    draws = kept[picks]
    index = {name: j for j, name in enumerate(result.names)}
    params = {name: draws[:, index[name]] for name in result.spec.parameters}
    model_time = PHASE_YEAR - draws[:, index[f"offset[{area}]"]]
    horizon = float(np.ceil(model_time.max())) + 5.0
    run = batch.run(params, len(draws), return_variables=["Innovative Firms", "dS total"],
                    final_time=horizon, check_finite=False)
    phases = classify_phases(run)
    found: Counter[str] = Counter()
    for member, when in enumerate(model_time):
        label = str(phases.isel(member=member).sel(time=when, method="nearest").values)
        found[label or "no data"] += 1
    return found


def write_outputs(result: CalibrationResult, area: str, out: Path = OUT, thin: int = 1) -> None:
    """Save the posterior (every ``thin``-th step), its tables and figures for one area."""
    result.save(out / f"{area}.nc", thin=thin)
    for suffix, frame in (("table", result.table), ("fit", result.fit),
                          ("median_run", result.median_run)):
        path = out / f"{area}_{suffix}.csv"
        write_atomically(path, lambda temporary, f=frame: f.to_csv(temporary, index=False))
    for suffix, figure in (("predictive", predictive_figure(result)),
                           ("pairs", pairs_figure(result))):
        path = out / f"{area}_{suffix}.png"
        write_atomically(path, lambda temporary, f=figure: f.savefig(temporary, format="png",
                                                                      dpi=110))


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """Return a frame as a Markdown table (numbers to ``digits`` significant digits)."""
    def cell(value: object) -> str:
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "**no**"
        if isinstance(value, float | np.floating):
            return f"{value:.{digits}g}"
        return str(value)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def area_section(area: str, result: CalibrationResult, phases: Counter[str]) -> str:
    """Return the Markdown section of one area for summary.md."""
    name, fate = AREAS[area]
    table = result.table[["name", "median", "q05", "q95", "identified", "ess", "rhat"]]
    fit = result.fit[["mse", "rmse_percent", "um", "us", "uc", "r2"]]
    shares = ", ".join(f"{p}: {phases[p]}" for p in (*PHASES, "no data") if phases[p])
    return "\n".join([
        f"## {name} ({fate})", "",
        "```", result.summary(), "```", "",
        markdown_table(table), "",
        "Fit of the posterior-median run (share of the national total, %):", "",
        markdown_table(fit, 3), "",
        f"Phase in {PHASE_YEAR:g} over {PHASE_DRAWS} posterior draws: {shares}.", "",
        f"![predictive band]({area}_predictive.png)", "",
    ])


def _tempering_arguments(args: argparse.Namespace) -> str:
    if args.temperatures == 1:
        return ""
    return f" --temperatures {args.temperatures} --max-temperature {args.max_temperature:g}"


def main() -> None:
    """Calibrate every area asked for; write the results and summary.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--thin", type=int, default=1,
                        help="keep every THIN-th step in the .nc files (tables use them all)")
    parser.add_argument("--moves", choices=("stretch", "de"), default="stretch",
                        help="the sampler's proposals (de: differential evolution, for modes)")
    parser.add_argument("--temperatures", type=int, default=1,
                        help="parallel-tempering ladder of this many ensembles (1: none)")
    parser.add_argument("--max-temperature", type=float, default=1000.0,
                        help="hottest temperature of the ladder")
    parser.add_argument("--areas", nargs="*", default=list(AREAS))
    parser.add_argument("--lever-steps", action="store_true",
                        help="also estimate a change of openness and of technology "
                             "introduction inside the window (results in OUT/lever_steps)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the results")
    args = parser.parse_args()

    out: Path = args.out / "lever_steps" if args.lever_steps else args.out
    out.mkdir(parents=True, exist_ok=True)
    model = load_model(builtin_model_path())
    batch = BatchModel.from_model(model)
    shares = national_shares()
    sections = []
    for area in args.areas:
        spec = area_spec(shares, area, model.levers, args.walkers, args.steps, args.seed,
                         args.moves, args.lever_steps, args.temperatures,
                         args.max_temperature)
        print(spec.validated(model).describe(), flush=True)
        result = run_calibration(model, spec, RunOptions(progress=True))
        print(result.summary(), flush=True)
        print(result.table.to_string(), flush=True)
        print(result.fit.to_string(), flush=True)
        phases = phases_in(result, batch, area)
        print(f"phases in {PHASE_YEAR:g}: {dict(phases)}", flush=True)
        write_outputs(result, area, out, args.thin)
        sections.append(area_section(area, result, phases))
    text = "\n".join(["# The model against real clusters: calibration results", "",
                      f"Written by `models/calibration/calibrate_areas.py --walkers "
                      f"{args.walkers} --steps {args.steps} --seed {args.seed} --moves "
                      f"{args.moves} --thin {args.thin}"
                      f"{_tempering_arguments(args)}"
                      f"{' --lever-steps' if args.lever_steps else ''}`; see "
                      "`README.md` beside it for the mapping and the reading.", "",
                      *sections])
    write_atomically(out / "summary.md", lambda temporary: temporary.write_text(text))


if __name__ == "__main__":
    main()
