"""The XMILE twin: names, ranges and save interval survive; results match the .mdl."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import ModelFileError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.testing import assert_results_close
from sdcluster.tools.mdl_to_xmile import XMILE_NS, main, xmile_from_mdl
from tests import DATA


@pytest.fixture(scope="module")
def town_xmile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return xmile_from_mdl(DATA / "core_town.mdl", tmp_path_factory.mktemp("x") / "town.xmile")


def _variables(path: Path) -> dict[str, ElementTree.Element]:
    root = ElementTree.parse(path).getroot()
    return {e.get("name", ""): e for e in root.iter() if e.tag.endswith("}variables")
            for e in e}


def test_names_ranges_and_save_interval_are_written(town_xmile: Path) -> None:
    variables = _variables(town_xmile)
    assert {"Population", "birth rate", "initial population", "white noise input"} <= set(
        variables)
    ranges = {name: element.find(f"{{{XMILE_NS}}}range") for name, element in variables.items()}
    assert ranges["openness"] is not None
    assert (ranges["openness"].get("min"), ranges["openness"].get("max")) == ("0.0", "1.0")
    assert ranges["initial population"] is not None
    assert ranges["initial population"].get("max") == "inf"
    assert ranges["white noise input"] is None
    sim_specs = ElementTree.parse(town_xmile).getroot().find(f"{{{XMILE_NS}}}sim_specs")
    assert sim_specs is not None
    assert sim_specs.get("{http://iseesystems.com/XMILE}save_interval") == "0.5"


def test_the_twin_loads_as_the_same_model(town_xmile: Path, town: LoadedModel) -> None:
    twin = load_model(town_xmile)
    assert twin.variables == town.variables
    assert twin.time == town.time
    assert set(twin.stock_flows["Population"]) == set(town.stock_flows["Population"])


def test_the_twin_gives_the_same_results(town_xmile: Path, town: LoadedModel) -> None:
    twin = load_model(town_xmile)
    scenario = Scenario(name="open", overrides={"openness": 0.9})
    assert_results_close(run_scenario(twin, scenario.validated(twin), noise_seed=1),
                         run_scenario(town, scenario.validated(town), noise_seed=1), rtol=1e-12)


def test_the_builtin_twin_matches_the_builtin_model(cluster: LoadedModel) -> None:
    twin = load_model(cluster.path.with_suffix(".xmile"))
    assert twin.variables == cluster.variables
    assert twin.time == cluster.time
    base = Scenario(name="baseline")
    assert_results_close(run_scenario(twin, base, noise_seed=7),
                         run_scenario(cluster, base, noise_seed=7), rtol=1e-10)


def test_the_output_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "twin.xmile"
    target.write_text("old")
    xmile_from_mdl(DATA / "core_town.mdl", target)
    assert target.read_text().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["twin.xmile"]


def test_a_bad_input_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="model file not found"):
        xmile_from_mdl(tmp_path / "absent.mdl", tmp_path / "out.xmile")


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "example: python -m sdcluster.tools.mdl_to_xmile " in capsys.readouterr().out
    assert main([str(tmp_path / "absent.mdl"), str(tmp_path / "o.xmile")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert main([str(DATA / "core_town.mdl"), str(tmp_path / "o.xmile")]) == 0
    assert (tmp_path / "o.xmile").is_file()
