"""The sdcluster command line, tested in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.errors import ScenarioError
from sdcluster.results.dataset import Results
from tests import DATA

TOWN = str(DATA / "core_town.mdl")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


COMMANDS = ["describe", "run", "check", "report", "ensemble", "sensitivity", "loops",
            "explore", "calibrate", "bifurcation"]


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_an_example(command: str) -> None:
    code, out, _ = _invoke(command, "--help")
    assert code == 0
    example = out[out.index("Example"):]
    assert f"sdcluster {command}" in example


def _option_values(command: str) -> dict[str, str]:
    """Map each option of ``command`` that takes a value to the word its --help shows."""
    code, out, _ = _invoke(command, "--help")
    assert code == 0
    # an option line: "  -o, --out FILE.nc   Results file" (a flag has no value word)
    pattern = re.compile(r"^\s+(?:-\w, )?(--[\w-]+)(?:, --[\w-]+)* (<[^>]*>|[^\s-]\S*)  ",
                         re.MULTILINE)
    return dict(pattern.findall(out))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_names_its_value(command: str) -> None:
    values = _option_values(command)
    # click's fallback words (<int range>, <path>) say the type, not what to give
    assert values and not {name: word for name, word in values.items() if word.startswith("<")}


def test_shared_options_read_the_same_in_every_command() -> None:
    seen: dict[str, set[str]] = {}
    for command in COMMANDS:
        for name, word in _option_values(command).items():
            seen.setdefault(name, set()).add(word)
    for name in ("--engine", "--seed", "--scenarios-dir", "--data-files", "--chunk-size",
                 "--scenario"):
        assert len(seen[name]) == 1, (name, seen[name])


def test_no_command_shows_help() -> None:
    code, out, err = _invoke()
    assert code == 0
    assert "Commands:" in out and "describe" in out and err == ""
    assert "Example: sdcluster " in out


def test_describe_lists_stocks_flows_and_levers() -> None:
    code, out, _ = _invoke("describe", TOWN, "--all")
    assert code == 0
    assert "stocks (1)" in out and "births, immigration, deaths" in out
    assert "policy levers (2)" in out and "[0, 1]" in out
    assert "all variables (13)" in out and "crowding" in out
    assert "feedback loops:" in out


def test_describe_says_which_engines_run_the_model() -> None:
    code, out, _ = _invoke("describe")
    assert code == 0 and "engines: PySD (of record) and the vectorized batch engine" in out
    code, out, _ = _invoke("describe", str(DATA / "core_subscripts.mdl"))
    line = next(line for line in out.splitlines() if line.startswith("engines:"))
    assert code == 0 and line.startswith("engines: PySD only") and "subscripts" in line


@pytest.mark.parametrize("name", ["engine_smooth_n.mdl", "engine_delay_n.mdl",
                                  "engine_trend.mdl", "engine_delay_fixed.mdl",
                                  "engine_active_initial.mdl", "engine_forecast.mdl",
                                  "engine_sample_if_true.mdl",
                                  # pysimlin, which lists the loops, reads no GET DIRECT file.
                                  pytest.param("engine_external.mdl", marks=pytest.mark.
                                               filterwarnings("ignore:feedback loops not"))])
def test_describe_says_the_batch_engine_runs_the_construct_models(
        name: str) -> None:
    code, out, _ = _invoke("describe", str(DATA / name))
    assert code == 0 and "engines: PySD (of record) and the vectorized batch engine" in out


def test_describe_lists_the_loops_the_model_names() -> None:
    from sdcluster.model.named_loops import named_loops
    from sdcluster.model.paths import builtin_model_path

    code, out, _ = _invoke("describe")
    assert code == 0
    loops = out[out.index("feedback loops:"):]
    named = named_loops(builtin_model_path())
    assert f"the {len(named)} the model names" in loops
    for loop in named:  # every named loop with its variables, none left out
        assert loop.name in loops and " > ".join(loop.chains[0]) in loops


def test_run_the_model_as_it_is(tmp_path: Path) -> None:
    out_file = tmp_path / "town.nc"
    code, out, _ = _invoke("run", TOWN, "--out", str(out_file), "--seed", "3")
    assert code == 0, out
    results = Results.load(out_file)
    assert results.scenarios == ("baseline",)
    assert results.metadata["seeds"] == {"baseline": 3}
    # Not the cluster model: the summary falls back to the stocks' end values.
    assert "end values" in out and "Population" in out


def test_run_scenarios_from_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "baseline.toml").write_text("")
    (folder / "open.toml").write_text("[overrides]\nopenness = 1.0\n")
    out_file = tmp_path / "r.nc"
    code, out, _ = _invoke("run", TOWN, "--all", "--scenarios-dir", str(folder),
                           "--out", str(out_file))
    assert code == 0, out
    assert Results.load(out_file).scenarios == ("baseline", "open")
    code, _, _ = _invoke("run", TOWN, "-s", "open", "--scenarios-dir", str(folder),
                         "--out", str(out_file))
    assert code == 0
    assert Results.load(out_file).scenarios == ("open",)


def test_run_builtin_scenarios_prints_phases(tmp_path: Path) -> None:
    out_file = tmp_path / "r.nc"
    code, out, _ = _invoke("run", "-s", "baseline", "-s", "closed_cluster", "--out", str(out_file))
    assert code == 0, out
    assert "micro fluctuation" in out and "final phase" in out and "closed_cluster" in out
    assert Results.load(out_file).scenarios == ("baseline", "closed_cluster")


def test_unknown_scenario_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = _invoke("run", "-s", "closed_clustr", "--out", str(tmp_path / "r.nc"))
    assert code == 2
    assert "closest: 'closed_cluster'" in _one_error_line(err)


def test_scenarios_of_another_model_need_a_folder(tmp_path: Path) -> None:
    code, _, err = _invoke("run", TOWN, "--all", "--out", str(tmp_path / "r.nc"))
    assert code == 2
    assert "give --scenarios-dir" in _one_error_line(err)


def test_unwritable_output_folder_fails_before_running(tmp_path: Path) -> None:
    code, out, err = _invoke("run", TOWN, "--out", str(tmp_path / "absent" / "r.nc"))
    assert code == 2
    assert "does not exist" in _one_error_line(err)
    assert "end values" not in out


def test_missing_model_file(tmp_path: Path) -> None:
    code, _, err = _invoke("describe", str(tmp_path / "absent.mdl"))
    assert code == 2
    assert "absent.mdl: model file not found" in _one_error_line(err)


def test_bad_parameter_is_one_line(tmp_path: Path) -> None:
    code, _, err = _invoke("run", TOWN, "--seed", "-1")
    assert code == 2
    assert "--seed" in _one_error_line(err)
    code, _, err = _invoke("run", "--all", "-s", "baseline", "--out", str(tmp_path / "r.nc"))
    assert code == 2
    assert "not both" in _one_error_line(err)


def test_unknown_command_is_one_line() -> None:
    code, _, err = _invoke("runn")
    assert code == 2
    assert "runn" in _one_error_line(err)


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--debug", "run", "-s", "nope",
                                      "--out", str(tmp_path / "r.nc")])
    assert isinstance(result.exception, ScenarioError)
    assert "error: " not in result.stderr


def test_check_passes_on_a_sound_model() -> None:
    code, out, _ = _invoke("check", TOWN)
    assert code == 0, out
    assert "pass" in out and "units are consistent" in out and "FAIL" not in out


def test_check_fails_with_exit_1_and_says_which(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "too_big.toml").write_text(
        '[[expect]]\nvariable = "Population"\ncondition = "<"\nvalue = 1\n')
    code, out, err = _invoke("check", TOWN, "--checks-dir", str(folder))
    assert code == 1
    assert "FAIL" in out
    assert "too_big: 'Population' < 1 at all times" in err


def test_report_runs_the_users_reality_checks(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "grows.toml").write_text(
        '[[expect]]\nvariable = "Population"\ncondition = ">="\nvalue = 1\nat = "end"\n'
        'tolerance = 0.5\n')
    out_dir = tmp_path / "report"
    code, _, err = _invoke("report", TOWN, "--quick", "--checks-dir", str(folder),
                             "--format", "html", "--out-dir", str(out_dir), "--quiet")
    assert code == 0, err
    checks = Results.load(out_dir / "core_town_draft_checks.nc").dataset
    reality = checks.where(checks["group"] == "reality", drop=True)
    assert list(reality["check"].values) == ["grows"]
    assert list(reality["condition"].values) == ["'Population' >= 1 at the end (tolerance 0.5)"]
    assert "grows" in (out_dir / "core_town_draft.html").read_text(encoding="utf-8")


def test_version_prints_the_package_version() -> None:
    from sdcluster import __version__

    code, out, _ = _invoke("--version")
    assert code == 0
    assert out.strip() == f"sdcluster {__version__}"
