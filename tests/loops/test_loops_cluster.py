"""Loop dominance in the built-in innovation-cluster model (version 2).

The expectations come from the model's diagram (the fifteen loops it names, R1-R8
and B1-B7, each defined by the variables on it) and from the paper's claim
(Wang 2020): reinforcing feedback drives the take-off of the cluster (phase II,
macro fluctuation), balancing feedback the mature cluster (phase III, far from
equilibrium). Where a claim does not hold for the model, the test is a strict
xfail whose reason gives the measured figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sdcluster.analysis.loop_ensembles import (
    ALL_REINFORCING,
    NAMED_REINFORCING,
    dominance_drivers,
    dominance_frequencies,
)
from sdcluster.analysis.loops import phase_dominance, phase_polarity
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import SpecError, UnknownVariableError
from sdcluster.experiments.ranges import parameter_ranges
from sdcluster.experiments.scenarios import load_scenarios
from sdcluster.loop_polarity import BALANCING, REINFORCING
from sdcluster.model.causal_loops import structural_loops
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.named_loops import named_loops
from sdcluster.names import normalize_name
from sdcluster.studies.loop_ensembles import LoopEnsembleSpec, run_loop_ensemble
from sdcluster.studies.loops import LoopAnalysis, analyze_loops

COMPARED = ("Innovative Firms", "Knowledge Stock", "Order Degree", "dS total")
#: The loops the diagram names; the letter is the polarity it declares.
DIAGRAM_CODES = {*(f"R{i}" for i in range(1, 9)), *(f"B{i}" for i in range(1, 8))}
TAKE_OFF = "macro fluctuation"  # phase II
MATURE = "far from equilibrium"  # phase III
#: The ageing chain whose sum is the firm count ``Innovative Firms``.
FIRM_STOCKS = ("Young Firms", "Mature Firms")


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return load_model()


@pytest.fixture(scope="module")
def baseline(model: LoadedModel) -> LoopAnalysis:
    return analyze_loops(model)


@pytest.fixture(scope="module")
def phases(baseline: LoopAnalysis) -> pd.DataFrame:
    return phase_polarity(baseline)


def test_every_named_loop_is_found_with_its_polarity(model: LoadedModel,
                                                     baseline: LoopAnalysis) -> None:
    assert {loop.code for loop in named_loops(model.path)} == DIAGRAM_CODES
    assert {match.named.code for match in baseline.matches} == DIAGRAM_CODES
    assert len(baseline.matches) == len(DIAGRAM_CODES)
    polarity = baseline.scores["polarity"].to_series()
    for match in baseline.matches:
        assert match.matched and not match.notes, (match.named.name, match.notes)
        for loop_id in match.loop_ids:
            on_loop = set(str(baseline.scores["variables"].sel(loop=loop_id).item()).split(" > "))
            assert any(set(chain) <= on_loop for chain in match.named.chains)
            # The run may show a loop mixed (R3's competition effect turns over
            # at high pressure; R8's exploration saturates as the next generation
            # fills, (1 - Next Generation), on the same link) but never of the
            # opposite polarity throughout.
            assert polarity[loop_id] in {match.named.intended_polarity, "mixed", "inactive"}


def _firm_reinforcing_share(analysis: LoopAnalysis, model: LoadedModel,
                            phase: str) -> tuple[float, float]:
    """Return the reinforcing part of the activity of the loops through the firm stocks.

    Mean over the phase's active time points of (sum of the positive relative
    scores) / (sum of the absolute ones) over the loops through a firm stock,
    and the share of those points at which it is above one half.
    """
    assert all(model.variables[name].kind == "stock" for name in FIRM_STOCKS)
    on_loop = [set(str(v).split(" > ")) for v in analysis.scores["variables"].values]
    through = np.array([bool(variables & set(FIRM_STOCKS)) for variables in on_loop])
    values = np.nan_to_num(analysis.scores.values[through])
    positive = values.clip(min=0.0).sum(axis=0)
    total = np.abs(values).sum(axis=0)
    points = (np.asarray(analysis.phases.values) == phase) & (total > 0)
    share = positive[points] / total[points]
    return float(share.mean()), float((share > 0.5).mean())


def test_the_baseline_takes_off_and_matures(phases: pd.DataFrame) -> None:
    # The claims below are about these two phases: both must be reached.
    assert {TAKE_OFF, MATURE} <= set(phases.index)
    assert (phases.loc[[TAKE_OFF, MATURE], "time points"] > 0).all()


@pytest.mark.xfail(strict=True, reason=(
    "v2 baseline, all loops of the main partition over phase II (t 3.0-20.5): mean "
    "reinforcing share 0.42, above one half at 19 % of its time points. The 17 loops of a "
    "stock and its own flow (entropy exchange, maturation, depreciation, obsolescence) carry "
    "44 % of the score, 93 % of it balancing; the other loops are 0.69 reinforcing (that "
    "split measured over t 3.5-20.5, before the growth threshold went 3 -> 2 %/yr)"))
def test_reinforcing_loops_dominate_take_off(phases: pd.DataFrame) -> None:
    take_off = phases.loc[TAKE_OFF]
    assert take_off["reinforcing share"] > 0.5
    assert take_off["reinforcing dominates"] > 0.5


def test_reinforcing_named_loops_dominate_take_off(phases: pd.DataFrame) -> None:
    assert phases.loc[TAKE_OFF, "named reinforcing share"] > 0.5


def test_reinforcing_loops_through_the_firm_stocks_dominate_take_off(
        baseline: LoopAnalysis, model: LoadedModel) -> None:
    share, dominates = _firm_reinforcing_share(baseline, model, TAKE_OFF)
    assert share > 0.5
    assert dominates > 0.5


@pytest.mark.xfail(strict=True, reason=(
    "v2 baseline, all loops of the main partition over phase III (t 21-150): mean "
    "reinforcing share 0.50, above one half at 56 % of its time points. Loops through the "
    "next technology generation (renewal: Next Generation > Technology Vitality > Entropy K > "
    "Order Degree > spinoffs) carry 49 % of the score, 0.57 reinforcing; loops through the "
    "firm stocks without it are 0.64 reinforcing: the mature cluster keeps renewing"))
def test_balancing_loops_dominate_the_mature_cluster(phases: pd.DataFrame) -> None:
    mature = phases.loc[MATURE]
    assert mature["reinforcing share"] < 0.5
    assert mature["reinforcing dominates"] < 0.5


@pytest.mark.xfail(strict=True, reason=(
    "v2 baseline over phase III (t 21-150): the named loops' reinforcing share is 0.59"))
def test_balancing_named_loops_dominate_the_mature_cluster(phases: pd.DataFrame) -> None:
    assert phases.loc[MATURE, "named reinforcing share"] < 0.5


@pytest.mark.xfail(strict=True, reason=(
    "v2 baseline over phase III (t 21-150): loops through Young or Mature Firms are "
    "0.60 reinforcing, above one half at 79 % of its time points"))
def test_balancing_loops_through_the_firm_stocks_dominate_the_mature_cluster(
        baseline: LoopAnalysis, model: LoadedModel) -> None:
    share, dominates = _firm_reinforcing_share(baseline, model, MATURE)
    assert share < 0.5
    assert dominates < 0.5


def test_named_loops_are_a_small_part_of_the_loops(baseline: LoopAnalysis,
                                                   phases: pd.DataFrame) -> None:
    # The named loops are a few of the model's thousands of loops.
    assert baseline.scores.sizes["loop"] > 100
    assert (phases["named coverage"] < 0.5).all()


def test_structural_loops_are_the_loops_scored(model: LoadedModel,
                                               baseline: LoopAnalysis) -> None:
    structural = {frozenset(normalize_name(v) for v in variables)
                  for variables, _ in structural_loops(model.path)}
    scored = {frozenset(normalize_name(v) for v in str(variables).split(" > "))
              for variables in baseline.scores["variables"].values}
    assert structural == scored


def test_loop_scores_are_pysimlins_own_beyond_its_enumeration_limit(
        model: LoadedModel, baseline: LoopAnalysis) -> None:
    # pysimlin does not enumerate the loops of this model (its causal graph is
    # past pysimlin's limit, so Model.loops is empty), but its post-run
    # discovery scores the base run's most important loops: the scores built
    # from the link scores must be the same.
    import simlin

    discovered = simlin.load(model.path).analyze()
    assert discovered.analysis_error is None and discovered.loops

    def key(variables: list[str]) -> tuple[str, ...]:
        names = [normalize_name(v) for v in variables]
        first = names.index(min(names))
        return tuple(names[first:] + names[:first])

    ours = {key(str(v).split(" > ")): row
            for row, v in enumerate(baseline.scores["variables"].values)}
    for loop in discovered.loops:
        row = ours[key(list(loop.variables))]
        assert loop.behavior_time_series is not None
        assert_allclose(np.nan_to_num(baseline.scores.values[row]), loop.behavior_time_series,
                        rtol=0, atol=1e-12, err_msg=loop.id)


def test_phase_dominance_shares_add_up(baseline: LoopAnalysis) -> None:
    table = phase_dominance(baseline)
    totals = table.groupby("phase")["dominant share"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    assert set(table["phase"]) == set(baseline.phases.values)


@pytest.mark.parametrize(("scenario_name", "seed"),
                         [("baseline", None), ("baseline", 7), ("closing_mature_cluster", 3)])
def test_pysimlin_run_equals_the_pysd_run(model: LoadedModel, scenario_name: str,
                                          seed: int | None) -> None:
    # Noise and scenario steps are fed to pysimlin step by step: the run must be
    # the one PySD, the engine of record, makes with the same seed.
    scenario = load_scenarios(model, [scenario_name])[0]
    loops = analyze_loops(model, scenario, noise_seed=seed)
    reference = run_scenario(model, scenario, noise_seed=seed, variables=COMPARED)
    assert_allclose(loops.results["time"].values, reference["time"].values)
    for name in COMPARED:
        assert_allclose(loops.results[name].values, reference[name].values, rtol=1e-9,
                        atol=1e-9, err_msg=name)
    if seed is not None:
        assert loops.noise_seed == seed


def test_a_small_ensemble(model: LoadedModel) -> None:
    ranges = parameter_ranges(model, ["openness", "internal cooperation"],
                              overrides={"openness": (0.4, 0.9)})
    spec = LoopEnsembleSpec(ranges=ranges, samples=6, seed=2, noise_seed=5)
    ensemble = run_loop_ensemble(model, spec)
    sample = ensemble.parameters
    assert sample.shape == (6, 2)
    assert sample["openness"].between(0.4, 0.9).all()
    # A Latin hypercube puts one member in each sixth of every range.
    assert sorted(np.floor((sample["openness"] - 0.4) / 0.5 * 6).astype(int)) == list(range(6))
    frequencies = dominance_frequencies(ensemble)
    for phase, rows in frequencies.groupby("phase"):
        named = rows[~rows["loop"].isin([ALL_REINFORCING, NAMED_REINFORCING])]
        assert named["dominates"].sum() == rows["reached"].iloc[0], phase
        reached = rows[rows["reached"] > 0]
        assert (reached["low"] <= reached["share"]).all()
        assert (reached["share"] <= reached["high"]).all()
    drivers = dominance_drivers(ensemble)
    assert set(drivers["parameter"]) == {"openness", "internal cooperation"}
    assert drivers["rho"].dropna().between(-1, 1).all()
    assert ensemble.seconds > 0


def test_noise_changes_the_members(model: LoadedModel) -> None:
    ranges = parameter_ranges(model, ["openness"])
    quiet = run_loop_ensemble(model, LoopEnsembleSpec(ranges=ranges, samples=2, seed=1))
    noisy = run_loop_ensemble(model, LoopEnsembleSpec(ranges=ranges, samples=2, seed=1,
                                                      noise_seed=1))
    assert quiet.parameters.equals(noisy.parameters)
    assert not np.allclose(quiet.reinforcing_share.fillna(-1), noisy.reinforcing_share.fillna(-1))


def test_bad_ensemble_specs_are_clear_errors(model: LoadedModel) -> None:
    with pytest.raises(UnknownVariableError, match=r"openess.*openness"):
        parameter_ranges(model, ["openess"])
    with pytest.raises(SpecError, match="'Young Firms' is a stock"):
        parameter_ranges(model, ["Young Firms"])
    with pytest.raises(SpecError, match="loop ensemble: samples must be at least 1, got 0"):
        LoopEnsembleSpec(ranges={"openness": (0.0, 1.0)}, samples=0)
    with pytest.raises(SpecError, match="low < high"):
        LoopEnsembleSpec(ranges={"openness": (1.0, 0.0)})


def test_polarity_words(baseline: LoopAnalysis) -> None:
    words = set(baseline.scores["polarity"].values)
    assert {REINFORCING, BALANCING} <= words <= {REINFORCING, BALANCING, "mixed", "inactive"}
