"""A model with lookup tables through every command, and its XMILE twin (issue 13, item 5).

``lookup_population.mdl`` has a stand-alone lookup table (``food limit lookup``,
called as ``food limit lookup(crowding)``) and an inline ``WITH LOOKUP`` whose x
values are not evenly spaced, so it tests both spellings, and PySD's reading
of the points of a pysimlin export.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.engine.pysimlin_runner import PysimlinLoopRunner
from sdcluster.errors import SpecError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.simlin_io import pysd_readable_lookups
from sdcluster.results.dataset import Results
from sdcluster.tools import mdl_to_xmile
from tests import DATA

MODEL = DATA / "lookup_population.mdl"
TABLE = "food limit lookup"
BASELINE = Scenario(name="baseline", title="model as it is")


def _invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def private_cache(cache_root: Path) -> Iterator[None]:
    """The session's private translation cache, for module-scoped fixtures too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SDCLUSTER_CACHE", str(cache_root))
        yield


@pytest.fixture(scope="module")
def model(private_cache: None) -> LoadedModel:
    return load_model(MODEL)


@pytest.fixture(scope="module")
def twin(private_cache: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XMILE twin, written by ``python -m sdcluster.tools.mdl_to_xmile``."""
    path = tmp_path_factory.mktemp("twin") / "lookup_population.xmile"
    assert mdl_to_xmile.main([str(MODEL), str(path)]) == 0
    return path


# ------------------------------------------------------------------ the .mdl


def test_describe_shows_the_table_as_a_lookup() -> None:
    code, out, err = _invoke("describe", MODEL, "--all")
    assert code == 0, err
    assert TABLE in out and "lookup" in out
    assert "feedback loops: 4" in out


def test_check_passes() -> None:
    code, out, err = _invoke("check", MODEL)
    assert code == 0, err
    assert "all 3 checks passed" in out


def test_run_records_every_series_but_the_table(tmp_path: Path) -> None:
    code, _, err = _invoke("run", MODEL, "--out", tmp_path / "run.nc")
    assert code == 0, err
    data = Results.load(tmp_path / "run.nc").dataset
    assert {"Population", "food limit", "crowding mortality"} <= set(data.data_vars)
    assert TABLE not in data.data_vars


def test_loops_scores_the_named_loops_and_draws_the_timeline(tmp_path: Path) -> None:
    figure = tmp_path / "loops.png"
    code, out, err = _invoke("loops", MODEL, "--out", figure)
    assert code == 0, err
    assert "4 feedback loops, 4 of 4 named loops found" in out
    assert "B1 food" in out and "B3 crowding" in out
    assert figure.stat().st_size > 5000


def test_loops_ensemble_and_threshold(tmp_path: Path) -> None:
    figure = tmp_path / "shares.png"
    code, out, err = _invoke("loops", MODEL, "--ensemble", "4", "-p", "birth rate",
                             "--out", figure)
    assert code == 0, err
    assert "ensemble of 4 members" in out and figure.stat().st_size > 5000
    code, out, err = _invoke("loops", MODEL, "--threshold", "birth rate:B1:whole run",
                             "--out", tmp_path / "threshold.png")
    assert code == 0, err
    assert "B1 food dominates whole run above birth rate =" in out


@pytest.mark.parametrize("engine", ["batch", "pysd"])
def test_ensemble_without_noise(tmp_path: Path, engine: str) -> None:
    out_file = tmp_path / "ensemble.nc"
    code, _, err = _invoke("ensemble", MODEL, "--no-noise", "--members", "4",
                             "--engine", engine, "--out", out_file)
    assert code == 0, err
    assert Results.load(out_file).dataset.sizes["member"] == 4


def test_sensitivity(tmp_path: Path) -> None:
    code, out, err = _invoke("sensitivity", MODEL, "-p", "birth rate", "-p", "capacity",
                             "--samples", "8", "--no-noise", "--out", tmp_path / "runs.nc",
                             "--indices-out", tmp_path / "indices.csv")
    assert code == 0, err
    assert "Population@end" in out
    assert (tmp_path / "indices.csv").stat().st_size > 0


def test_report_writes_html_and_pdf(tmp_path: Path) -> None:
    code, out, err = _invoke("report", MODEL, "--quick", "--out-dir", tmp_path)
    assert code == 0, err
    # The command names what it wrote ("html: PATH", "pdf: PATH").
    written = dict(line.split(": ", 1) for line in out.splitlines()
                   if line.startswith(("html: ", "pdf: ")))
    assert set(written) == {"html", "pdf"}
    for path in written.values():
        assert Path(path).parent == tmp_path and Path(path).stat().st_size > 1000


def test_pysimlin_runs_the_lookups_as_pysd_does(model: LoadedModel) -> None:
    scenario = BASELINE.validated(model)
    expected = run_scenario(model, scenario)
    results = PysimlinLoopRunner(model).run(scenario).results
    assert set(results.data_vars) == set(expected.data_vars)
    for name in expected.data_vars:
        np.testing.assert_allclose(results[name].values, expected[name].values,
                                   rtol=1e-9, atol=1e-9, err_msg=name)


def test_a_table_asked_for_as_a_series_is_named(model: LoadedModel) -> None:
    with pytest.raises(SpecError, match=f"'{TABLE}' is a lookup table"):
        PysimlinLoopRunner(model).run(BASELINE.validated(model), variables=[TABLE])


# ------------------------------------------------------------------ the XMILE twin


def test_the_twin_loads_as_the_same_model(twin: Path, model: LoadedModel) -> None:
    loaded = load_model(twin)
    assert loaded.variables == model.variables
    assert loaded.variables[TABLE].kind == "lookup"
    assert loaded.time == model.time


def test_the_twin_runs_as_the_mdl_does(twin: Path, model: LoadedModel) -> None:
    loaded = load_model(twin)
    expected = run_scenario(model, BASELINE.validated(model))
    results = run_scenario(loaded, BASELINE.validated(loaded))
    assert set(results.data_vars) == set(expected.data_vars)
    for name in expected.data_vars:
        np.testing.assert_allclose(results[name].values, expected[name].values,
                                   rtol=1e-9, atol=1e-9, err_msg=name)


def test_the_twin_goes_through_run_and_loops(twin: Path, tmp_path: Path) -> None:
    code, _, err = _invoke("run", twin, "--out", tmp_path / "twin.nc")
    assert code == 0, err
    code, out, err = _invoke("loops", twin, "--out", tmp_path / "twin.png")
    assert code == 0, err
    assert "4 feedback loops" in out and (tmp_path / "twin.png").stat().st_size > 5000


# ------------------------------------------------------------------ PySD's spelling

_PYSIMLIN = b"""<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><model><variables>
<aux name="table"><doc>d</doc><gf type="extrapolate"><xscale min="0" max="3"/>
<yscale min="0" max="1"/><xpts>0,1,3</xpts><ypts>1,0.5,0</ypts></gf></aux>
<aux name="y"><eqn>LOOKUP(table, x) + lookup("table", x)</eqn></aux>
<aux name="even"><eqn>x</eqn><gf><xscale min="0" max="2"/><ypts>0,1,4</ypts></gf></aux>
</variables><views><view><aux name="table" x="1" y="2"/></view></views></model></xmile>"""


def test_a_standalone_table_becomes_a_gf_variable_called_by_name() -> None:
    text = pysd_readable_lookups(_PYSIMLIN).decode()
    assert '<gf name="table" type="extrapolate"><doc>d</doc>' in text
    assert "<xpts>0,1,3</xpts><ypts>1,0.5,0</ypts></gf>" in text
    assert "<eqn>table(x) + \"table\"(x)</eqn>" in text
    # An evenly spaced table keeps the <xscale> that gives its x values; the view
    # keeps its (self-closing) <aux>.
    assert '<gf><xscale min="0" max="2"/><ypts>0,1,4</ypts></gf>' in text
    assert '<aux name="table" x="1" y="2"/>' in text
    assert "yscale" not in text and "lookup" not in text.lower()


def test_xmile_without_graphical_functions_is_unchanged() -> None:
    content = b"<xmile><model><variables><aux name='a'><eqn>1</eqn></aux></variables>" \
              b"</model></xmile>"
    assert pysd_readable_lookups(content) is content
