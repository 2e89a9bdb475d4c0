"""The ``loops`` command: which feedback loop drives each phase (Loops That Matter).

Add it to the main command line with :func:`register` (``sdcluster/cli/main.py``
calls ``register(app)``). Like every command it is a thin skin over the
library (:mod:`sdcluster.studies.loops` and its siblings,
:mod:`sdcluster.analysis.loops`, :mod:`sdcluster.plotting.loops`); user errors
become one line on stderr and exit status 2 through the main app's error
handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sdcluster.cli.options import (
    DataFilesOption,
    ModelArgument,
    NoiseOption,
    ScenariosDirOption,
    SeedOption,
    data_files,
    noise_seed,
)
from sdcluster.cli.support import input_files, text_table
from sdcluster.experiments.parsing import parameter_option
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
    write_atomically,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sdcluster.studies.loops import LoopAnalysis

COMMAND = "loops"
EXAMPLES = """Examples:

  sdcluster loops -s baseline -s open_innovation --out loops.png

  sdcluster loops --ensemble 200 --seed 1 --out shares.png

  sdcluster loops --threshold "openness:R5:far from equilibrium"
"""


def register(app: typer.Typer) -> None:
    """Add the ``loops`` command to ``app`` (once; a second call does nothing)."""
    if any(command.name == COMMAND for command in app.registered_commands):
        return
    app.command(name=COMMAND, epilog=EXAMPLES)(loops)


def loops(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", "-s", help="Scenario name (repeatable); the model as it is if omitted. "
        "With --ensemble or --threshold the first one is the base.",
        show_default=False, metavar="NAME")] = None,
    scenarios_dir: ScenariosDirOption = None,
    seed: SeedOption = None,
    noise: NoiseOption = None,
    out: Annotated[Path, typer.Option(
        help="Figure to write (.png, .svg or .pdf): the dominance timeline, or with "
        "--ensemble the shares per phase.", metavar="FIGURE")] = Path("loops.png"),
    ensemble: Annotated[int | None, typer.Option(
        min=1, help="Run a Latin-hypercube ensemble of N members instead.",
        show_default=False, metavar="N")] = None,
    parameter: Annotated[list[str] | None, typer.Option(
        "--parameter", "-p", help="Constant to sample, NAME or NAME=LOW:HIGH (repeatable); "
        "the policy levers over their declared ranges if omitted.", show_default=False,
        metavar="NAME")] = None,
    sample_seed: Annotated[int, typer.Option(min=0, help="Seed of the Latin hypercube.",
                                             metavar="N")] = 0,
    threshold: Annotated[str | None, typer.Option(
        help="Search PARAMETER:LOOP:PHASE for the value at which the named loop takes over "
        "(or loses) the phase, e.g. \"openness:R5:far from equilibrium\".",
        show_default=False, metavar="SPEC")] = None,
    min_dwell: Annotated[float, typer.Option(
        min=0.0, help="Ignore dominance changes shorter than this (model time units).",
        metavar="T")] = 1.0,
) -> None:
    """Show which feedback loops dominate each phase (Loops That Matter, via pysimlin).

    Named loops (R1 spin-offs, ...) come from the model file: loop identifiers
    in the sketch with their variables in brackets, e.g. "R1 spin-offs
    [Mature Firms > spinoffs > Young Firms > maturation]". Without noise unless
    --noise or --seed (with --ensemble: one noise stream per member).
    """
    seed = noise_seed(noise, seed, default=False)
    _refuse_ignored_options(ensemble=ensemble, threshold=threshold, parameter=parameter,
                            seed=seed)
    loaded = load_model(model, data_files=data_files(data_file))
    chosen = _scenarios(loaded, scenario or [], scenarios_dir)
    if threshold is not None:
        _threshold(loaded, threshold, chosen[0])
        return
    refuse_overwriting_inputs({"--out": out}, input_files(loaded, chosen))
    _require_figure_path(out)
    if ensemble is not None:
        figure = _ensemble(loaded, ensemble, parameter or [], sample_seed, seed, chosen[0])
    else:
        figure = _timelines(loaded, chosen, seed, min_dwell)
    _save_figure(figure, out)
    typer.echo(f"\nplot: {out}")


def _refuse_ignored_options(*, ensemble: int | None, threshold: str | None,
                            parameter: list[str] | None, seed: int | None) -> None:
    """Refuse options the chosen mode would silently ignore."""
    if ensemble is not None and threshold is not None:
        raise typer.BadParameter("give --ensemble or --threshold, not both",
                                 param_hint="--threshold")
    if parameter and ensemble is None:
        raise typer.BadParameter("--parameter chooses what an ensemble samples: give "
                                 "--ensemble N too", param_hint="--parameter")
    if seed is not None and threshold is not None:
        raise typer.BadParameter("the threshold search runs without noise: leave out --seed "
                                 "and --noise", param_hint="--seed")


def _scenarios(model: LoadedModel, names: list[str],
               directory: Path | None) -> tuple[Scenario, ...]:
    if not names:
        return (Scenario(name="baseline", title="model as it is"),)
    if directory is None and not model.is_builtin:
        raise typer.BadParameter(
            f"{model.path.name} is not the built-in model: give --scenarios-dir for its scenarios"
        )
    return load_scenarios(model, names, directory=directory)


# ---------------------------------------------------------------- one run each


def _timelines(model: LoadedModel, scenarios: tuple[Scenario, ...], seed: int | None,
               min_dwell: float) -> Figure:
    from sdcluster.plotting.loops import plot_loop_dominance
    from sdcluster.studies.loops import analyze_scenario_loops

    analyses = analyze_scenario_loops(model, scenarios, noise_seed=seed)
    for analysis in analyses:
        typer.echo(_run_text(analysis, min_dwell))
    return plot_loop_dominance(analyses)


def _run_text(analysis: LoopAnalysis, min_dwell: float) -> str:
    from sdcluster.analysis.loop_shifts import dominance_shifts
    from sdcluster.analysis.loops import phase_dominance, phase_polarity

    named = sum(m.matched for m in analysis.matches)
    lines = [f"\n== {analysis.scenario}: {analysis.scores.sizes['loop']} feedback loops, "
             f"{named} of {len(analysis.matches)} named loops found"
             + ("" if analysis.noise_seed is None else f", noise seed {analysis.noise_seed}")]
    lines += [f"   {m.named.name}: {note}" for m in analysis.matches for note in m.notes]
    phases = phase_polarity(analysis).reset_index()
    lines += ["\nphases (shares are means over the phase's time points)", text_table(phases)]
    dominance = phase_dominance(analysis)
    if not dominance.empty:
        wide = dominance.pivot_table(index="loop", columns="phase", values="dominant share",
                                     sort=False) * 100
        wide = wide[list(dict.fromkeys(dominance["phase"]))]
        lines += ["\nshare of each phase's time points at which the named loop is the strongest "
                  "(%)", text_table(wide.round(0).reset_index())]
    shifts = dominance_shifts(analysis, min_dwell=min_dwell)
    lines += [f"\ndominance shifts (changes held at least {min_dwell:g})",
              text_table(shifts) if len(shifts) else "(none)"]
    return "\n".join(lines)


# -------------------------------------------------------------------- ensemble


def _ensemble(model: LoadedModel, samples: int, parameters: list[str], sample_seed: int,
              seed: int | None, base: Scenario) -> Figure:
    from sdcluster.analysis.loop_ensembles import (
        ALL_REINFORCING,
        NAMED_REINFORCING,
        dominance_drivers,
        dominance_frequencies,
    )
    from sdcluster.engine.options import RunOptions
    from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec
    from sdcluster.experiments.ranges import parameter_ranges
    from sdcluster.plotting.loops import plot_ensemble_dominance
    from sdcluster.studies.run import run

    names, overrides = _parameter_options(parameters)
    ranges = parameter_ranges(model, names or None, overrides=overrides)
    spec = LoopEnsembleSpec(ranges=ranges, samples=samples, seed=sample_seed, noise_seed=seed,
                            scenario=base)
    result = run(model, spec, RunOptions(progress=True))
    sampled = ", ".join(f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in ranges.items())
    noise = "no noise" if seed is None else f"noise root seed {seed}"
    typer.echo(f"ensemble of {samples} members around {base.name!r} ({noise}); "
               f"sampled: {sampled}\n{samples} loop-scored runs in {result.seconds:.1f} s")
    frequencies = dominance_frequencies(result)
    shown = frequencies[(frequencies["dominates"] > 0)
                        | frequencies["loop"].isin([ALL_REINFORCING, NAMED_REINFORCING])]
    typer.echo("\nhow often each named loop dominates each phase (share with Wilson 95% "
               "interval)\n" + text_table(shown.round(3)))
    drivers = dominance_drivers(result).dropna(subset=["rho"])
    top = drivers.groupby("phase", sort=False).head(5)
    typer.echo("\nparameters that move dominance most (Spearman rank correlation, top 5 per "
               "phase)\n" + (text_table(top.round(3)) if len(top) else "(none)"))
    return plot_ensemble_dominance(frequencies)


def _parameter_options(
    options: list[str],
) -> tuple[list[str], dict[str, tuple[float, float]]]:
    names: list[str] = []
    ranges: dict[str, tuple[float, float]] = {}
    for option in options:
        name, bounds = parameter_option(option)
        names.append(name)
        if bounds is not None:
            ranges[name] = bounds
    return names, ranges


# ------------------------------------------------------------------- threshold


def _threshold(model: LoadedModel, spec: str, base: Scenario) -> None:
    from sdcluster.studies.loop_thresholds import dominance_threshold

    parts = [part.strip() for part in spec.split(":")]
    if len(parts) != 3 or not all(parts):
        raise typer.BadParameter(f"--threshold {spec!r}: expected PARAMETER:LOOP:PHASE, "
                                 "e.g. \"openness:R5:far from equilibrium\"")
    search = dominance_threshold(model, parameter=parts[0], loop=parts[1], phase=parts[2],
                                 scenario=base)
    typer.echo(f"sweep of {search.parameter} (dominant named loop of {search.phase})\n"
               + text_table(search.grid.round(4)))
    if search.threshold is None:
        typer.echo(f"\n{search.loop} does not take over or lose {search.phase} over this range")
    else:
        side = "above" if search.takes_over else "below"
        typer.echo(f"\n{search.loop} dominates {search.phase} {side} "
                   f"{search.parameter} = {search.threshold:.4g}")


# --------------------------------------------------------------------- helpers


def _require_figure_path(path: Path) -> None:
    """Fail before the runs if the figure cannot be written: no folder, or an unknown format."""
    from matplotlib.backend_bases import FigureCanvasBase

    require_writable_folder(path)
    formats = FigureCanvasBase.get_supported_filetypes()
    if _figure_format(path) not in formats:
        raise typer.BadParameter(
            f"{path}: cannot write a figure as {path.suffix or 'a file without a suffix'!r}; "
            f"expected one of {', '.join('.' + f for f in sorted(formats))}", param_hint="--out")


def _figure_format(path: Path) -> str:
    return path.suffix.lstrip(".").lower()


def _save_figure(figure: Figure, path: Path) -> None:
    # The temporary file does not end in the figure's suffix: name the format.
    write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=120,
                                                            format=_figure_format(path)),
                     what="the figure")
