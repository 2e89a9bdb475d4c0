"""Scenario files: parsing, validation against a model, and every bad-input path."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdcluster.errors import ScenarioError, UnknownVariableError
from sdcluster.experiments.scenarios import (
    Scenario,
    Step,
    available_scenarios,
    load_scenario,
    load_scenarios,
    scenario_from_dict,
)
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.paths import builtin_scenarios_dir

VALID = """
title = "Open town"
description = "More arrivals."
final_time = 30

[overrides]
openness = 0.9
"Birth_Rate" = 0.1

[steps]
openness = { at = 10, to = 0.2 }
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_and_validates(tmp_path: Path, town: LoadedModel) -> None:
    scenario = load_scenario(_write(tmp_path, "open_town", VALID)).validated(town)
    assert scenario.name == "open_town"
    assert scenario.title == "Open town"
    assert scenario.final_time == 30.0
    # Names come back in the model's own spelling.
    assert scenario.overrides == {"openness": 0.9, "birth rate": 0.1}
    assert scenario.steps == {"openness": Step(at=10.0, to=0.2)}


def test_name_in_the_file_wins_over_the_file_name(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, "file", 'name = "inner"\n'))
    assert scenario.name == "inner"
    assert scenario.title == "inner"


def test_load_scenarios_puts_baseline_first(tmp_path: Path, town: LoadedModel) -> None:
    _write(tmp_path, "a_first", "[overrides]\nopenness = 0.1\n")
    _write(tmp_path, "baseline", "")
    names = [s.name for s in load_scenarios(town, directory=tmp_path)]
    assert names == ["baseline", "a_first"]
    assert [s.name for s in load_scenarios(town, ["a_first"], directory=tmp_path)] == ["a_first"]


def test_every_builtin_scenario_fits_the_builtin_model(cluster: LoadedModel) -> None:
    scenarios = load_scenarios(cluster)
    names = {s.name for s in scenarios}
    assert {"baseline", "closed_cluster", "open_innovation", "technology_introduction",
            "government_guidance", "university_cooperation", "all_combined",
            "closing_mature_cluster", "upgrading_mature_cluster"} <= names
    assert all(s.description for s in scenarios)
    assert set(available_scenarios()) == names
    closing = next(s for s in scenarios if s.name == "closing_mature_cluster")
    assert closing.final_time == 100.0
    assert closing.overrides["openness step"] == -0.5


# ---------------------------------------------------------------- bad input


def _validate_text(tmp_path: Path, model: LoadedModel, text: str) -> Scenario:
    return load_scenario(_write(tmp_path, "bad", text)).validated(model)


def test_unknown_variable_names_file_scenario_key_and_closest(tmp_path: Path,
                                                              town: LoadedModel) -> None:
    with pytest.raises(UnknownVariableError) as raised:
        _validate_text(tmp_path, town, "[overrides]\nopeness = 0.2\n")
    message = str(raised.value)
    assert "bad.toml" in message and "scenario 'bad'" in message
    assert "'openess'" in message and "closest: 'openness'" in message


def test_value_outside_the_declared_range(tmp_path: Path, town: LoadedModel) -> None:
    with pytest.raises(ScenarioError, match=r"'openness' = 1.5 is outside its declared range "
                                            r"\[0, 1\]"):
        _validate_text(tmp_path, town, "[overrides]\nopenness = 1.5\n")


def test_open_upper_bound_accepts_large_values(tmp_path: Path, town: LoadedModel) -> None:
    scenario = _validate_text(tmp_path, town, '[overrides]\n"initial population" = 1e6\n')
    assert scenario.overrides == {"initial population": 1e6}


@pytest.mark.parametrize(("value", "kind"), [('"high"', "text"), ("true", "a boolean"),
                                             ("[0.1, 0.2]", "an array"), ("{a = 1}", "a table")])
def test_wrong_type(tmp_path: Path, value: str, kind: str) -> None:
    with pytest.raises(ScenarioError, match=f"'openness': expected a number, got {kind}"):
        load_scenario(_write(tmp_path, "bad", f"[overrides]\nopenness = {value}\n"))


def test_non_finite_value(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="expected a finite number"):
        load_scenario(_write(tmp_path, "bad", "[overrides]\nopenness = nan\n"))


@pytest.mark.parametrize(("name", "kind"), [("Population", "stock"), ("births", "flow"),
                                            ("crowding", "auxiliary")])
def test_only_constants_can_be_set(tmp_path: Path, town: LoadedModel, name: str,
                                   kind: str) -> None:
    with pytest.raises(ScenarioError, match=f"'{name}' is an? {kind}; only constants can be set"):
        _validate_text(tmp_path, town, f'[overrides]\n"{name}" = 1\n')


def test_malformed_toml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(_write(tmp_path, "bad", "[overrides\nopenness = 0.1\n"))
    assert "bad.toml: not valid TOML" in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"absent\.toml: file not found"):
        load_scenario(tmp_path / "absent.toml")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"unknown key 'overide'.*closest: 'overrides'"):
        load_scenario(_write(tmp_path, "bad", "[overide]\nopenness = 0.1\n"))


def test_step_outside_the_run(tmp_path: Path, town: LoadedModel) -> None:
    with pytest.raises(ScenarioError, match=r"at = 25 is outside the run \[0, 20\]"):
        _validate_text(tmp_path, town, "[steps]\nopenness = { at = 25, to = 0.1 }\n")


def test_step_value_outside_the_range(tmp_path: Path, town: LoadedModel) -> None:
    with pytest.raises(ScenarioError, match="outside its declared range"):
        _validate_text(tmp_path, town, "[steps]\nopenness = { at = 5, to = 2 }\n")


def test_step_needs_at_and_to(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="missing to"):
        load_scenario(_write(tmp_path, "bad", "[steps]\nopenness = { at = 5 }\n"))


def test_final_time_before_the_start(tmp_path: Path, town: LoadedModel) -> None:
    with pytest.raises(ScenarioError, match="final_time -1 is not after the initial time"):
        _validate_text(tmp_path, town, "final_time = -1\n")


def test_bad_scenario_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="name must be letters"):
        load_scenario(_write(tmp_path, "bad", 'name = "two words"\n'))


def test_unknown_scenario_name_lists_the_closest(town: LoadedModel, tmp_path: Path) -> None:
    _write(tmp_path, "baseline", "")
    with pytest.raises(ScenarioError, match=r"no scenario 'basline'.*closest: 'baseline'"):
        load_scenarios(town, ["basline"], directory=tmp_path)


def test_missing_scenario_folder(town: LoadedModel, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario folder not found"):
        load_scenarios(town, directory=tmp_path / "absent")


def test_builtin_folder_exists() -> None:
    assert (builtin_scenarios_dir() / "README.md").is_file()


# ------------------------------------------------------------- properties

names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)
keys = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=20)
finite = st.floats(allow_nan=False, allow_infinity=False)
scenarios = st.builds(
    Scenario,
    name=names,
    # A parsed scenario always has a title (the name when the file has none).
    title=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
    .map(str.strip).filter(bool),
    description=st.text(max_size=60).map(str.strip),
    overrides=st.dictionaries(keys, finite, max_size=4),
    steps=st.dictionaries(keys, st.builds(Step, at=finite, to=finite), max_size=3),
    final_time=st.none() | finite,
)


def _toml(data: dict[str, Any]) -> str:
    """Write a scenario dict as TOML (JSON strings and Python floats are valid TOML)."""

    def number(value: float) -> str:
        return repr(float(value))

    def text(value: str) -> str:
        # JSON escapes all but DEL, which TOML wants escaped too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")

    lines = [f"{k} = {text(data[k])}" for k in ("name", "title", "description")]
    if "final_time" in data:
        lines.append(f"final_time = {number(data['final_time'])}")
    lines.append("[overrides]")
    lines += [f"{text(k)} = {number(v)}" for k, v in data["overrides"].items()]
    lines.append("[steps]")
    lines += [f"{text(k)} = {{ at = {number(s['at'])}, to = {number(s['to'])} }}"
              for k, s in data["steps"].items()]
    return "\n".join(lines) + "\n"


@given(scenarios)
def test_dict_round_trip(scenario: Scenario) -> None:
    parsed = scenario_from_dict(scenario.to_dict(), source=scenario.source)
    assert parsed == scenario


@given(scenarios)
def test_toml_file_round_trip(tmp_path_factory: pytest.TempPathFactory,
                              scenario: Scenario) -> None:
    path = tmp_path_factory.mktemp("toml") / "any.toml"
    path.write_text(_toml(scenario.to_dict()), encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded == Scenario(**{**scenario.__dict__, "source": str(path)})


toml_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["name", "title", "description", "final_time",
                                        "overrides", "steps", "other"]), toml_values))
def test_any_document_parses_or_fails_with_a_scenario_error(data: dict[str, Any]) -> None:
    try:
        scenario = scenario_from_dict(data, name="fallback")
    except ScenarioError as error:
        assert "\n" not in str(error)
    else:
        assert all(math.isfinite(v) for v in scenario.overrides.values())
