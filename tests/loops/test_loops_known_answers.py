"""Loops That Matter on small models whose loop dominance is known in closed form.

The expectations come from the definitions of LTM (Schoenberg, Davidsen and
Eberlein 2020, doi:10.1002/sdr.1658): a flow-to-stock link and a link into a
variable with one changing input score 1 in size; the inputs of a sum share
their target's change in proportion to their partial changes; a loop's relative
score is its loop score over the sum of the absolute loop scores.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import brentq

from sdcluster.analysis.loop_shifts import dominance_shifts
from sdcluster.analysis.loops import (
    WHOLE_RUN,
    dominant_named_loop,
    phase_dominance,
    phase_polarity,
    polarity_shares,
)
from sdcluster.errors import SpecError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.loop_polarity import BALANCING, REINFORCING
from sdcluster.model.causal_loops import structural_loops
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.names import normalize_name
from sdcluster.studies.loop_thresholds import dominance_threshold
from sdcluster.studies.loops import LoopAnalysis, analyze_loops, analyze_scenario_loops
from tests import DATA


@pytest.fixture(scope="module")
def logistic() -> LoadedModel:
    return load_model(DATA / "loops_logistic.mdl")


@pytest.fixture(scope="module")
def logistic_run(logistic: LoadedModel) -> LoopAnalysis:
    return analyze_loops(logistic)


def _named(analysis: LoopAnalysis, code: str) -> np.ndarray:
    return np.asarray(analysis.named.sel(named_loop=analysis.named.code == code).values[0])


def test_logistic_named_loops_are_the_two_loops(logistic_run: LoopAnalysis) -> None:
    by_code = {m.named.code: m for m in logistic_run.matches}
    assert set(by_code) == {"R1", "B1"}
    assert all(m.matched and not m.notes for m in by_code.values())
    polarity = logistic_run.scores["polarity"].to_series()
    assert polarity[list(by_code["R1"].loop_ids)].tolist() == [REINFORCING]
    assert polarity[list(by_code["B1"].loop_ids)].tolist() == [BALANCING]


def test_logistic_reinforcing_share_is_the_room_left(logistic_run: LoopAnalysis) -> None:
    # net growth = r P (1 - P/K): the R loop's share of the change is 1 - P/K and
    # the B loop's P/K (continuous limit; Euler and LTM's one-step differences
    # shift it by about one step).
    population = logistic_run.results["Population"].values
    room = 1.0 - population / logistic_run.results["capacity"].values
    reinforcing = _named(logistic_run, "R1")
    balancing = _named(logistic_run, "B1")
    assert_allclose(reinforcing[1:], room[1:], atol=0.02)
    assert_allclose(balancing[1:], room[1:] - 1.0, atol=0.02)
    assert_allclose(reinforcing[1:] - balancing[1:], 1.0, atol=1e-9)


def test_logistic_dominance_shifts_at_the_inflection_point(logistic_run: LoopAnalysis) -> None:
    population = logistic_run.results["Population"].values
    capacity = float(logistic_run.results["capacity"].values[0])
    time = logistic_run.results["time"].values
    inflection = time[np.argmax(population >= capacity / 2)]
    shifts = dominance_shifts(logistic_run, min_dwell=1.0)
    named = shifts[shifts["level"] == "named loop"]
    polarity = shifts[shifts["level"] == "polarity"]
    assert named["to"].tolist() == ["B1 crowding"]
    assert polarity["to"].tolist() == [BALANCING]
    assert abs(float(named["time"].iloc[0]) - inflection) <= 0.5
    assert abs(float(polarity["time"].iloc[0]) - inflection) <= 0.5
    assert set(logistic_run.phases.values) == {WHOLE_RUN}


def test_logistic_phase_tables(logistic_run: LoopAnalysis) -> None:
    table = phase_dominance(logistic_run).set_index("loop")
    dominant = dominant_named_loop(logistic_run.named).values[1:]
    assert table.loc["R1 growth", "dominant share"] == pytest.approx(
        np.mean(dominant == "R1 growth"))
    assert table["dominant share"].sum() == pytest.approx(1.0)
    summary = phase_polarity(logistic_run).loc[WHOLE_RUN]
    shares = polarity_shares(logistic_run.scores)[REINFORCING].values[1:]
    assert summary["reinforcing share"] == pytest.approx(shares.mean())
    assert summary["named coverage"] == pytest.approx(1.0)


def test_scenarios_scored_together_equal_each_scored_alone(logistic: LoadedModel,
                                                           logistic_run: LoopAnalysis) -> None:
    slow = Scenario(name="slow", overrides={"growth rate": 0.1})
    together = analyze_scenario_loops(logistic, [Scenario(name="baseline"), slow])
    assert [a.scenario for a in together] == ["baseline", "slow"]
    for joint, alone in zip(together, (logistic_run, analyze_loops(logistic, slow)), strict=True):
        assert_allclose(joint.named.values, alone.named.values, rtol=0, atol=0)
        assert_allclose(joint.results["Population"].values, alone.results["Population"].values,
                        rtol=0, atol=0)
    assert not np.allclose(together[0].named.values, together[1].named.values)


def test_decay_is_one_balancing_loop_throughout() -> None:
    analysis = analyze_loops(load_model(DATA / "loops_decay.mdl"))
    assert analysis.scores.sizes["loop"] == 1
    assert_allclose(_named(analysis, "B1")[1:], -1.0, atol=1e-12)
    assert polarity_shares(analysis.scores)[BALANCING].values[1:] == pytest.approx(1.0)
    assert dominance_shifts(analysis).empty
    assert phase_dominance(analysis).set_index("loop").loc["B1 decay", "dominant share"] == 1.0


@pytest.fixture(scope="module")
def oscillator() -> LoadedModel:
    return load_model(DATA / "loops_oscillator.mdl")


def test_damped_oscillator_loops_share_the_acceleration(oscillator: LoadedModel) -> None:
    # acceleration = -k x - c v: the oscillation loop's share of the change in
    # acceleration is k|dx| / (k|dx| + c|dv|), the damping loop's the rest
    # (the oscillator saves every TIME STEP, so dx and dv are the step changes).
    analysis = analyze_loops(oscillator)
    results = analysis.results
    stiffness = float(results["stiffness"].values[0])
    damping = float(results["damping"].values[0])
    dx = np.abs(np.diff(results["Position"].values)) * stiffness
    dv = np.abs(np.diff(results["Velocity"].values)) * damping
    expected = dx / (dx + dv)
    assert_allclose(-_named(analysis, "B1")[1:], expected, rtol=1e-9, atol=1e-12)
    assert_allclose(-_named(analysis, "B2")[1:], 1.0 - expected, rtol=1e-9, atol=1e-9)
    # Both loops balance at every step; the oscillation loop dominates except
    # around the turning points, where the position hardly changes.
    assert set(analysis.scores["polarity"].values) == {BALANCING}
    dominant = dominant_named_loop(analysis.named).values[1:]
    assert 0.7 < np.mean(dominant == "B1 oscillation") < 1.0
    assert polarity_shares(analysis.scores)[REINFORCING].values.max() == 0.0


def test_undamped_oscillator_is_one_balancing_loop(oscillator: LoadedModel) -> None:
    # Without friction the single loop scores -1 at every step: LTM reads the
    # oscillation as one balancing loop acting through two stocks.
    analysis = analyze_loops(oscillator, Scenario(name="undamped", overrides={"damping": 0.0}))
    # The mass starts at rest: the position first changes in the second step,
    # so the loop is inactive (0) until then.
    assert np.all(_named(analysis, "B1")[:2] == 0.0)
    assert_allclose(_named(analysis, "B1")[2:], -1.0, atol=1e-12)
    assert np.all(_named(analysis, "B2") == 0.0)
    assert analysis.results["Position"].values.min() < -0.9  # it does oscillate


def test_threshold_where_crowding_takes_over_the_logistic_run(logistic: LoadedModel) -> None:
    # B1 dominates the run when the mean of P/K over it exceeds one half. For
    # P/K = 1 / (1 + a e^{-rt}), the mean over [0, T] is
    # 1 + ln((1 + a e^{-rT}) / (1 + a)) / (rT); solve for r.
    horizon = logistic.time.final_time
    a = logistic.variable("capacity").default / logistic.variable("initial population").default - 1

    def mean_share(rate: float) -> float:
        return 1.0 + np.log((1 + a * np.exp(-rate * horizon)) / (1 + a)) / (rate * horizon) - 0.5

    expected = brentq(mean_share, 0.05, 2.0)
    search = dominance_threshold(logistic, parameter="growth rate", loop="B1",
                                 phase=WHOLE_RUN, value_range=(0.05, 1.0), points=6,
                                 tolerance=0.002)
    assert search.takes_over
    assert search.threshold is not None
    assert search.threshold == pytest.approx(expected, abs=0.02)
    assert search.grid["dominant"].iloc[0] == "R1 growth"
    assert search.grid["dominant"].iloc[-1] == "B1 crowding"


@pytest.mark.parametrize(("points", "message"), [
    (1, "threshold search: points must be at least 2, got 1"),
    (3.0, "threshold search: points must be an integer, got 3.0"),
])
def test_a_threshold_search_needs_a_count_of_points(logistic: LoadedModel, points: object,
                                                    message: str) -> None:
    # The shared count check (experiments.counts), so the message reads as everywhere else.
    with pytest.raises(SpecError, match=f"^{message}$"):
        dominance_threshold(logistic, parameter="growth rate", loop="B1", phase=WHOLE_RUN,
                            points=points)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["loops_logistic.mdl", "loops_oscillator.mdl"])
def test_loop_scores_equal_pysimlins_own_where_it_enumerates(name: str) -> None:
    # On a small model pysimlin enumerates the loops and scores them itself: the
    # loops found from the causal links, scored from the link scores, are its loops
    # with its relative scores.
    import simlin

    model = load_model(DATA / name)
    analysis = analyze_loops(model)
    engine = simlin.load(model.path)
    sim = engine.simulate(enable_ltm=True)
    sim.run_to_end()
    theirs = {frozenset(normalize_name(v) for v in loop.variables): loop.id
              for loop in engine.loops}
    ours = {frozenset(normalize_name(v) for v in str(variables).split(" > ")): row
            for row, variables in enumerate(analysis.scores["variables"].values)}
    assert len(theirs) == len(engine.loops)  # no two loops share their variables here
    assert set(ours) == set(theirs)
    for variables, loop_id in theirs.items():
        assert_allclose(analysis.scores.values[ours[variables]],
                        sim.get_relative_loop_score(loop_id)[: analysis.scores.sizes["time"]],
                        rtol=0, atol=1e-12, err_msg=loop_id)


@pytest.mark.parametrize("name", ["loops_logistic.mdl", "loops_oscillator.mdl"])
def test_structural_loops_are_pysimlins_where_it_enumerates(name: str) -> None:
    import simlin

    path = DATA / name
    words = {"R": REINFORCING, "B": BALANCING}
    theirs = {frozenset(loop.variables): words.get(str(loop.polarity), "undetermined")
              for loop in simlin.load(path).loops}
    ours = {frozenset(variables): polarity for variables, polarity in structural_loops(path)}
    assert ours == theirs
