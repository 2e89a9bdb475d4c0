"""The ``sensitivity`` command, registered on the main Typer app.

``sdcluster.cli.main`` adds it with ``register(app)``; it follows the
conventions of :mod:`sdcluster.cli.ensemble` (one ``error: ...`` line, an
example in ``--help``, results written atomically).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from sdcluster.cli.options import (
    ChunkOption,
    DataFilesOption,
    EngineOption,
    LocalClusterOption,
    ModelArgument,
    NoiseOption,
    ScenarioNameOption,
    ScenariosDirOption,
    SchedulerOption,
    data_files,
    run_options,
)
from sdcluster.cli.support import (
    base_scenario,
    input_files,
    reported_warnings,
    text_table,
    write_csv,
)
from sdcluster.experiments.parsing import parameter_option
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.names import normalize_name
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
)

__all__ = ["register", "sensitivity_command"]

_METHOD_ALIASES = {
    "sobol": "sobol", "morris": "morris", "lhs": "latin hypercube",
    "latin": "latin hypercube", "latin hypercube": "latin hypercube",
    "mc": "monte carlo", "monte carlo": "monte carlo", "montecarlo": "monte carlo",
}


def register(app: typer.Typer) -> None:
    """Add the ``sensitivity`` command to ``app`` (once)."""
    if "sensitivity" not in {command.name for command in app.registered_commands}:
        app.command("sensitivity", epilog="Example: sdcluster sensitivity -p openness "
                    "-p 'government support=0.1:0.6' --outcome 'Order Degree@end' "
                    "--samples 256 --seed 1")(sensitivity_command)


def sensitivity_command(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    parameter: Annotated[
        list[str] | None,
        typer.Option("--parameter", "-p", help="Constant to vary, NAME or NAME=LOW:HIGH "
                     "(repeatable); its declared range by default.", show_default=False,
                     metavar="NAME[=LOW:HIGH]"),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="Outcome to analyse (repeatable): VARIABLE@end, "
                     "VARIABLE@<time>, VARIABLE@max|min|mean, 'final firms', 'final order', "
                     "'takeoff time', 'takeoff'. Default: 'Order Degree@end' (else the first "
                     "stock at the end).", show_default=False, metavar="OUTCOME"),
    ] = None,
    method: Annotated[
        str, typer.Option(help="sobol, morris, lhs (Latin hypercube) or mc (Monte Carlo).",
                          metavar="NAME")
    ] = "sobol",
    samples: Annotated[
        int, typer.Option(min=2, help="Sobol N (a power of 2), Morris trajectories, or "
                          "LHS/MC samples.", metavar="N")
    ] = 256,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the design and of the noise "
                                      "streams.", metavar="N")] = 0,
    replicates: Annotated[
        int, typer.Option(min=1, help="Noise streams per sample (common random numbers).",
                          metavar="N")
    ] = 1,
    noise: NoiseOption = None,
    second_order: Annotated[
        bool, typer.Option("--second-order/--no-second-order", help="Sobol: second-order "
                           "indices too (N(2D+2) runs instead of N(D+2)).")
    ] = True,
    scenario: ScenarioNameOption = None,
    scenarios_dir: ScenariosDirOption = None,
    chunk_size: ChunkOption = None,
    engine: EngineOption = "auto",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Runs (netCDF, design values as member "
                           "coordinates).", metavar="FILE.nc")
    ] = Path("sensitivity.nc"),
    indices_out: Annotated[
        Path, typer.Option(help="Indices as tidy CSV.", metavar="FILE.csv")
    ] = Path("sensitivity_indices.csv"),
    local_cluster: LocalClusterOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Sample parameters, run the model on every sample, and print sensitivity indices.

    Sobol gives first-order (S1), total (ST) and second-order (S2) indices, Morris
    mu, mu_star and sigma, LHS and MC Spearman rank correlations, each with a
    confidence interval. Every sample runs with the same noise streams (on unless
    --no-noise).
    """
    from sdcluster.experiments.ranges import problem_from_model
    from sdcluster.experiments.sensitivity import SensitivitySpec
    from sdcluster.studies.run import run

    loaded = load_model(model, data_files=data_files(data_file))
    problem = problem_from_model(loaded, _parameter_ranges(parameter or []))
    spec = SensitivitySpec(
        problem=problem,
        outcomes=tuple(outcome) if outcome else (_default_outcome(loaded),),
        method=_method(method), n=samples, seed=seed,  # type: ignore[arg-type]
        scenario=base_scenario(loaded, scenario, scenarios_dir), noise=noise is not False,
        replicates=replicates, second_order=second_order,
    )
    refuse_overwriting_inputs({"--out": out, "--indices-out": indices_out},
                              input_files(loaded, [spec.scenario]))
    for path in (out, indices_out):
        require_writable_folder(path)
    with (reported_warnings(),
          run_options(engine, chunk_size, local_cluster=local_cluster,
                      scheduler=scheduler) as options):
        result = run(loaded, spec, options)
    result.results.save(out)
    write_csv(result.indices, indices_out)
    runs = result.results.dataset.sizes["member"]  # samples x replicates
    typer.echo(_indices_summary(result.indices, runs, result.design.n_samples))
    typer.echo(f"\nruns: {out}\nindices: {indices_out}")


def _parameter_ranges(texts: list[str]) -> dict[str, tuple[float, float] | None]:
    if not texts:
        raise typer.BadParameter("give at least one --parameter NAME[=LOW:HIGH]")
    return dict(parameter_option(text) for text in texts)


def _method(text: str) -> str:
    key = normalize_name(text.replace("-", " "))
    if key not in _METHOD_ALIASES:
        raise typer.BadParameter(f"--method {text!r}: expected sobol, morris, lhs or mc")
    return _METHOD_ALIASES[key]


def _default_outcome(model: LoadedModel) -> str:
    if "Order Degree" in model:
        return "Order Degree@end"
    return f"{model.stocks[0]}@end"


def _indices_summary(indices: pd.DataFrame, runs: int, samples: int) -> str:
    main = indices[indices["index"].isin(["S1", "ST", "mu_star", "spearman"])]
    wide = main.pivot_table(index=["outcome", "parameter"], columns="index",
                            values=["estimate", "confidence"], sort=False)
    wide.columns = [f"{pair[1]}" if pair[0] == "estimate" else f"{pair[1]} ±"
                    for pair in wide.columns]
    ordered = sorted(wide.columns, key=lambda c: (c.rstrip(" ±"), c.endswith("±")))
    counts = f"{runs} runs" if runs == samples else f"{runs} runs ({samples} samples)"
    return f"{counts}\n\n{text_table(wide[ordered].reset_index())}"
