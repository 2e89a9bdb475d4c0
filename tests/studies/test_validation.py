"""The validation suite: check files, conditions, invariants, units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sdcluster.analysis.checks import Expectation, evaluate, invariant_results
from sdcluster.errors import SpecError, UnknownVariableError
from sdcluster.model.loaded import LoadedModel
from sdcluster.studies.validation import load_checks, model_file_results, run_checks
from tests import DATA

TIME = np.arange(5, dtype=float)


def _run(**series: list[float]) -> xr.Dataset:
    return xr.Dataset({k: ("time", np.asarray(v, dtype=float)) for k, v in series.items()},
                      coords={"time": TIME})


@pytest.mark.parametrize(
    ("condition", "value", "passed"),
    [("<", 5, True), ("<", 4, False), ("<=", 4, True), (">", -1, True), (">=", 0.5, False),
     ("==", 2, False), ("!=", 9, True)],
)
def test_conditions_over_all_times(condition: str, value: float, passed: bool) -> None:
    result = evaluate(_run(x=[0, 1, 2, 3, 4]),
                      Expectation(variable="x", condition=condition, value=value))
    assert result.passed is passed


def test_end_and_time_selections() -> None:
    run = _run(x=[0, 1, 2, 3, 4])
    assert evaluate(run, Expectation(variable="x", condition="==", value=4, at="end")).passed
    assert evaluate(run, Expectation(variable="x", condition="==", value=2, at=2.0)).passed
    assert not evaluate(run, Expectation(variable="x", condition="==", value=2, at=3.0)).passed


def test_end_skips_nan_padding() -> None:
    run = _run(x=[0, 1, 2, np.nan, np.nan])
    assert evaluate(run, Expectation(variable="x", condition="==", value=2, at="end")).passed


def test_compare_two_variables_with_tolerance() -> None:
    run = _run(a=[1, 2, 3, 4, 5], b=[1, 2, 3, 4, 5.001])
    assert not evaluate(run, Expectation(variable="a", condition="==", value="b")).passed
    assert evaluate(run, Expectation(variable="a", condition="==", value="b",
                                     tolerance=0.01)).passed


def test_failure_detail_names_the_first_failing_time() -> None:
    result = evaluate(_run(x=[0, 1, -2, -3, 4]),
                      Expectation(variable="x", condition=">=", value=0))
    assert not result.passed
    assert result.detail == "fails at time=2: -2 vs 0 (2 points fail)"


def test_nan_fails_every_condition() -> None:
    run = _run(x=[0, np.nan, 0, 0, 0])
    for condition in ("<", "<=", ">", ">=", "==", "!="):
        assert not evaluate(run, Expectation(variable="x", condition=condition, value=0.5,
                                             tolerance=1.0)).passed


def _cluster_like(**changes: list[float]) -> xr.Dataset:
    values: dict[str, list[float]] = {
        **{f"diS {j}": [0.1] * 5 for j in "RKU"},
        **{f"Entropy {j}": [0.8, 0.7, 0.6, 0.5, 0.4] for j in "RKU"},
        "Knowledge Sharing Firms": [1, 2, 3, 4, 5],
        "Innovative Firms": [10, 10, 10, 10, 10],
    }
    return _run(**{**values, **changes})


def test_invariants_pass_on_a_sound_run() -> None:
    rows = invariant_results(_cluster_like())
    assert len(rows) == 1 + 3 + 6 + 1
    assert all(r.passed for r in rows)


@pytest.mark.parametrize(
    ("changes", "failing"),
    [({"diS K": [0.1, -0.1, 0.1, 0.1, 0.1]}, "'diS K' >= 0"),
     ({"Entropy U": [0.8, 1.2, 0.6, 0.5, 0.4]}, "'Entropy U' <= 1"),
     ({"Entropy R": [0.8, -0.01, 0.6, 0.5, 0.4]}, "'Entropy R' >= 0"),
     ({"Knowledge Sharing Firms": [1, 2, 30, 4, 5]}, "'Knowledge Sharing Firms' <="),
     ({"Innovative Firms": [10, np.inf, 10, 10, 10]}, "no NaN or infinity")],
)
def test_each_invariant_catches_its_violation(changes: dict[str, list[float]],
                                              failing: str) -> None:
    failed = [r.condition for r in invariant_results(_cluster_like(**changes)) if not r.passed]
    assert len(failed) == 1 and failed[0].startswith(failing)


def test_nan_padding_after_a_run_is_not_a_nan() -> None:
    padded = _cluster_like(**{"Innovative Firms": [10, 10, 10, np.nan, np.nan]})
    inner = _cluster_like(**{"Innovative Firms": [10, np.nan, 10, 10, 10]})
    assert invariant_results(padded)[0].passed
    assert not invariant_results(inner)[0].passed


def test_invariants_skip_variables_a_model_lacks() -> None:
    rows = invariant_results(_run(x=[1, 2, 3, 4, 5]))
    assert [r.condition for r in rows] == ["no NaN or infinity"]


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


CHECK = """
title = "Closed town"
seed = 3
[overrides]
openness = 0
[[expect]]
variable = "immigration"
condition = "=="
value = 0
[[expect]]
variable = "Population"
at = "end"
condition = ">"
value = "initial population"
"""


def test_a_check_file_runs_and_passes(tmp_path: Path, town: LoadedModel) -> None:
    _write(tmp_path / "checks", "closed", CHECK)
    rows = run_checks(town, tmp_path / "checks")
    closed = [r for r in rows if r.check == "closed" and r.group == "reality"]
    assert [r.condition for r in closed] == [
        "'immigration' == 0 at all times", "'Population' > 'initial population' at the end"]
    assert all(r.passed for r in rows)
    assert {r.check for r in rows} >= {"baseline", "closed", "core_town.mdl"}


def test_a_failing_expectation_fails(tmp_path: Path, town: LoadedModel) -> None:
    _write(tmp_path / "checks", "wrong", CHECK.replace('value = "initial population"',
                                                        "value = 1000"))
    rows = run_checks(town, tmp_path / "checks")
    assert [r.condition for r in rows if not r.passed] == ["'Population' > 1000 at the end"]


def test_a_run_that_blows_up_is_a_failed_check(tmp_path: Path) -> None:
    from sdcluster.model.loaded import load_model

    rows = run_checks(load_model(DATA / "core_blowup.mdl"))
    failed = [r for r in rows if not r.passed]
    assert [r.condition for r in failed] == ["run completes"]
    assert "became inf" in failed[0].detail


@pytest.mark.parametrize(
    ("text", "message"),
    [("title = 'x'\n", "needs at least one"),
     (CHECK.replace('condition = "=="', 'condition = "=>"'), "condition must be one of"),
     (CHECK.replace("seed = 3", "seed = -3"), "seed must be a non-negative integer"),
     (CHECK.replace('at = "end"', 'at = "later"'), "at must be"),
     (CHECK.replace('value = 0\n', 'value = true\n'), "value must be a number"),
     (CHECK.replace('at = "end"', 'when = "end"'), "unknown key 'when'"),
     (CHECK.replace('[[expect]]\nvariable = "immigration"', '[[expect]]\nvariable = 3'),
      "variable must be")],
)
def test_bad_check_files(tmp_path: Path, town: LoadedModel, text: str, message: str) -> None:
    _write(tmp_path / "checks", "bad", text)
    with pytest.raises(SpecError, match=message):
        load_checks(town, tmp_path / "checks")


def test_unknown_variable_in_a_check(tmp_path: Path, town: LoadedModel) -> None:
    _write(tmp_path / "checks", "bad", CHECK.replace('"immigration"', '"imigration"'))
    with pytest.raises(UnknownVariableError,
                       match=r"bad\.toml: check 'bad'.*closest: 'immigration'"):
        load_checks(town, tmp_path / "checks")


def test_a_time_outside_the_run_is_refused(tmp_path: Path, town: LoadedModel) -> None:
    # The town runs to 20; read at 25, the run would be judged at its last time.
    _write(tmp_path / "checks", "late", CHECK.replace('at = "end"', "at = 25"))
    with pytest.raises(SpecError,
                       match=r"late\.toml: check 'late': \[\[expect\]\] #2: at = 25 is outside "
                             r"the run \[0, 20\]"):
        load_checks(town, tmp_path / "checks")
    longer = CHECK.replace('at = "end"', "at = 25").replace("seed = 3", "seed = 3\nfinal_time = 30")
    _write(tmp_path / "checks", "late", longer)
    assert load_checks(town, tmp_path / "checks")[0].expectations[1].at == 25.0


def test_missing_checks_folder(tmp_path: Path, town: LoadedModel) -> None:
    with pytest.raises(SpecError, match="checks folder not found"):
        load_checks(town, tmp_path / "absent")


def test_units_pass_on_a_consistent_model() -> None:
    rows = model_file_results(DATA / "core_town.mdl")
    assert [(r.group, r.passed) for r in rows] == [("units", True), ("structure", True)]


def test_unit_mismatch_fails_the_units_check(tmp_path: Path) -> None:
    broken = tmp_path / "units.mdl"
    text = (DATA / "core_town.mdl").read_text()
    broken.write_text(text.replace("openness * arrivals scale", "openness * lifetime"))
    rows = {r.group: r for r in model_file_results(broken)}
    assert not rows["units"].passed
    assert "immigration" in rows["units"].detail


def test_an_unreadable_file_fails_the_structure_check(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mdl"
    junk.write_text("this is not a model")
    rows = model_file_results(junk)
    assert [(r.group, r.condition, r.passed) for r in rows] == [
        ("structure", "pysimlin reads the model", False)]
    assert rows[0].check == "junk.mdl" and rows[0].detail


@pytest.mark.slow
def test_builtin_validation_suite_passes(cluster: LoadedModel) -> None:
    rows = run_checks(cluster)
    assert {r.check for r in rows} >= {"isolated_cluster", "no_firms", "strong_noise",
                                       "all_levers_max", "openness_beyond_capacity"}
    assert [r for r in rows if not r.passed] == []
