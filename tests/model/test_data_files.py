"""Data files (PySD's data_files): DATA variables read at load, never cached, kept for every run."""

from __future__ import annotations

import os
import pickle
import shutil
import threading
from pathlib import Path

import numpy as np
import pysd
import pytest
import xarray as xr
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.engine.options import RunOptions
from sdcluster.engine.run import run_scenarios
from sdcluster.errors import DataFileError, ModelFileError
from sdcluster.experiments.designs import ParameterDesign
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import ensemble_key, run_ensemble
from sdcluster.studies.members import MemberRunner, variable_attrs
from tests import DATA

MODEL = DATA / "core_data.mdl"
TABLE = DATA / "core_data.tab"  # Time 0, 4, 10: demand 2, 10, 4; price 1, 3, 2
VARIABLES = ["demand", "price", "Stock", "revenue"]


def _baseline(model: LoadedModel, **overrides: float) -> xr.Dataset:
    return run_scenarios(model, [Scenario(name="baseline", overrides=overrides)]).dataset


def _values(dataset: xr.Dataset, name: str) -> np.ndarray:
    return np.asarray(dataset[name].values, dtype=float).squeeze()


def _copy_model(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(MODEL, folder / MODEL.name))


def test_a_run_follows_the_data_file_as_pysd_reads_it(tmp_path: Path) -> None:
    # PySD itself, on a copy (read_vensim writes its .py beside the model).
    copy = _copy_model(tmp_path / "pysd")
    reference = pysd.read_vensim(str(copy), data_files=[str(TABLE)]).run(
        return_columns=VARIABLES)
    dataset = _baseline(load_model(MODEL, data_files=[TABLE]))
    for name in VARIABLES:
        np.testing.assert_allclose(_values(dataset, name), reference[name].to_numpy(),
                                   rtol=1e-12, err_msg=name)
    demand, price = _values(dataset, "demand"), _values(dataset, "price")
    assert demand[[0, 1, 4, 7, 10]].tolist() == [2.0, 4.0, 10.0, 7.0, 4.0]  # interpolated
    assert price[[0, 3, 4, 9, 10]].tolist() == [1.0, 1.0, 3.0, 3.0, 2.0]  # held backward
    assert float(_values(dataset, "Stock")[-1]) == pytest.approx(32.75)


def test_the_data_files_serve_every_later_run_of_the_model() -> None:
    model = load_model(MODEL, data_files=TABLE)  # one path, as PySD takes it
    first = _baseline(model)
    served = _baseline(model, share=1.0)
    np.testing.assert_array_equal(_values(served, "demand"), _values(first, "demand"))
    np.testing.assert_allclose(_values(served, "Stock"), 2 * _values(first, "Stock"))


def test_a_clock_that_follows_a_constant_is_evaluated_with_the_data(tmp_path: Path) -> None:
    # FINAL TIME = horizon: the clock of a run is evaluated on a fresh copy of the model.
    text = MODEL.read_text().replace("FINAL TIME  = 10", "FINAL TIME  = horizon")
    text = text.replace("{UTF-8}\n", "{UTF-8}\nhorizon = 10\n\t~\tYear\n\t~\tThe horizon.\n\t|\n\n")
    (tmp_path / "horizon.mdl").write_text(text)
    model = load_model(tmp_path / "horizon.mdl", data_files=[TABLE])
    dataset = _baseline(model, horizon=6.0)
    assert dataset["time"].values[-1] == 6.0
    assert _values(dataset, "demand")[-1] == 8.0


def test_relative_paths_are_resolved_against_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    model = load_model(MODEL, data_files=["core_data.tab"])
    assert model.data_files.paths == (TABLE,)
    monkeypatch.chdir(tmp_path)  # later runs do not depend on the current folder
    assert _values(_baseline(model), "demand")[1] == 4.0
    assert os.listdir(tmp_path) == []


def test_a_mapping_reads_each_variable_from_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "demand.csv").write_text("Time,demand\n0,1\n10,21\n")
    (tmp_path / "price.csv").write_text("Time,price\n0,5\n10,5\n")
    model = load_model(MODEL, data_files={tmp_path / "demand.csv": ["Demand"],
                                          tmp_path / "price.csv": "price"})
    dataset = _baseline(model)
    assert _values(dataset, "demand")[[0, 5, 10]].tolist() == [1.0, 11.0, 21.0]
    assert set(_values(dataset, "price")) == {5.0}
    # PySD's own record (its copy() and reload() read it) uses the model's spelling.
    assert model.pysd_model.data_files == {str(tmp_path / "demand.csv"): ["demand"],
                                           str(tmp_path / "price.csv"): ["price"]}


def test_with_a_list_each_variable_comes_from_the_first_file_holding_it(tmp_path: Path) -> None:
    (tmp_path / "demand.tab").write_text("Time\tdemand\n0\t7\n10\t7\n")
    model = load_model(MODEL, data_files=[tmp_path / "demand.tab", TABLE])
    dataset = _baseline(model)
    assert set(_values(dataset, "demand")) == {7.0}  # the first file
    assert _values(dataset, "price")[4] == 3.0  # only in the second


def _one_line(error: pytest.ExceptionInfo[ModelFileError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_missing_data_file_is_one_line_naming_it_and_the_model(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as caught:
        load_model(MODEL, data_files=[tmp_path / "nowhere.tab"])
    message = _one_line(caught)
    assert "nowhere.tab" in message and "not found" in message and str(MODEL) in message
    assert caught.value.path == str(tmp_path / "nowhere.tab")  # type: ignore[attr-defined]


def test_data_variables_without_data_files_name_the_variables_and_the_option() -> None:
    with pytest.raises(DataFileError) as caught:
        load_model(MODEL)
    message = _one_line(caught)  # type: ignore[arg-type]
    assert "'demand', 'price'" in message and str(MODEL) in message
    assert "--data-files" in message and "data_files=" in message
    assert caught.value.variables == ("demand", "price")


@pytest.mark.parametrize(("content", "name", "expected"), [
    ("Time\tdemand\n0\t1\n", "only_demand.tab", "'price' is in none of the data files"),
    ("x,demand,price\n0,1,1\n", "no_time.csv", "cannot read data file 'no_time.csv'"),
    ("Time,demand,price\n0,abc,1\n", "text.csv", "'demand': expected numbers at every time"),
    ("Time,demand,price\n0,1\n4,2,3\n", "gap.csv", "'price': no value at time 0"),
    ("Time,demand,price\n4,1,1\n0,2,3\n", "order.csv", "times in increasing order, got 4, 0"),
    ("", "demand.xlsx", "expected a .tab, .csv or .nc file"),
])
def test_a_data_file_that_does_not_hold_the_data_is_one_line(
        tmp_path: Path, content: str, name: str, expected: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(DataFileError) as caught:
        load_model(MODEL, data_files=[tmp_path / name])
    message = _one_line(caught)  # type: ignore[arg-type]
    assert expected in message and str(MODEL) in message


def test_a_mapping_naming_no_data_variable_lists_the_data_variables() -> None:
    with pytest.raises(DataFileError) as caught:
        load_model(MODEL, data_files={TABLE: ["share"]})
    message = _one_line(caught)  # type: ignore[arg-type]
    assert "'share' is not a DATA variable" in message and "'demand', 'price'" in message


def test_data_files_for_a_model_without_data_variables_are_refused() -> None:
    with pytest.raises(DataFileError, match="no DATA variables"):
        load_model(DATA / "core_town.mdl", data_files=[TABLE])


def _files_under(folder: Path) -> list[Path]:
    return [Path(root) / name for root, _, names in os.walk(folder) for name in names]


def test_the_cache_holds_no_copy_of_the_data_and_nothing_is_written_beside_the_model(
        tmp_path: Path) -> None:
    cache, model_dir = tmp_path / "cache", tmp_path / "model"
    copy = _copy_model(model_dir)
    data = Path(shutil.copy(TABLE, model_dir / TABLE.name))
    model = load_model(copy, data_files=[data], cache_dir=cache)
    assert model.translated_path.is_relative_to(cache)
    cached = _files_under(cache)
    assert cached  # the translation is there ...
    assert all(p.name != TABLE.name and p.suffix != ".tab" for p in cached)  # ... the data not
    assert all(p.read_bytes() != data.read_bytes() for p in cached)
    assert sorted(p.name for p in model_dir.iterdir()) == sorted([TABLE.name, MODEL.name])


def test_a_changed_data_file_is_read_again_at_the_next_load(tmp_path: Path) -> None:
    data = Path(shutil.copy(TABLE, tmp_path / "data.tab"))
    cache = tmp_path / "cache"
    first = load_model(MODEL, data_files=[data], cache_dir=cache)
    assert _values(_baseline(first), "demand")[0] == 2.0
    data.write_text("Time\tdemand\tprice\n0\t50\t1\n10\t50\t1\n")
    again = load_model(MODEL, data_files=[data], cache_dir=cache)
    assert again.translated_path == first.translated_path  # the same cache entry ...
    assert set(_values(_baseline(again), "demand")) == {50.0}  # ... and the new data
    assert again.data_files.files[0].sha256 != first.data_files.files[0].sha256


def test_results_record_the_data_files_and_their_content() -> None:
    model = load_model(MODEL, data_files=[TABLE])
    metadata = run_scenarios(model, [Scenario(name="baseline")]).metadata
    (entry,) = metadata["data_files"]
    assert entry["path"] == str(TABLE) and len(entry["sha256"]) == 64
    assert "data_files" not in run_scenarios(load_model(DATA / "core_town.mdl"),
                                             [Scenario(name="baseline")]).metadata


# ------------------------------------------------------------ ensembles: the PySD path


def _design_spec() -> EnsembleSpec:
    design = ParameterDesign.from_columns({"share": [0.25, 1.0]})
    return EnsembleSpec.for_design(design, noise=False, variables=("Stock", "demand"))


def test_the_batch_engine_and_the_pysd_path_read_the_same_data_files(
        tmp_path: Path) -> None:
    model = load_model(MODEL, data_files=[TABLE])
    for engine in ("batch", "pysd"):
        results = run_ensemble(model, _design_spec(), RunOptions(engine=engine, chunk_size=1))
        assert results.metadata["ensemble"]["engine"] == engine
        stock = results.dataset["Stock"].values
        for member, share in enumerate([0.25, 1.0]):
            expected = _values(_baseline(model, share=share), "Stock")
            np.testing.assert_allclose(stock[member], expected, rtol=1e-12)
        assert results.metadata["data_files"][0]["path"] == str(TABLE)
    # Other data files, the same model file: the batch engine reads the other series.
    (tmp_path / "flat.tab").write_text("Time\tdemand\tprice\n0\t7\t1\n10\t7\t1\n")
    other = load_model(MODEL, data_files=[tmp_path / "flat.tab"])
    results = run_ensemble(other, _design_spec(), RunOptions(engine="batch"))
    assert set(results.dataset["demand"].values.ravel()) == {7.0}


def test_the_ensemble_key_follows_the_data_content() -> None:
    spec, options = _design_spec(), RunOptions()
    plain = ensemble_key(spec, options, "sha", "pysd")
    one = ensemble_key(spec, options, "sha", "pysd",
                       data_files=[{"sha256": "a", "variables": None}])
    other = ensemble_key(spec, options, "sha", "pysd",
                         data_files=[{"sha256": "b", "variables": None}])
    assert len({plain, one, other}) == 3


def _run_in_a_new_thread(runner: MemberRunner) -> xr.Dataset | BaseException:
    outcome: list[xr.Dataset | BaseException] = []

    def work() -> None:
        try:
            outcome.append(runner(0, 2))
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return outcome[0]


def test_a_pickled_member_runner_loads_the_model_with_its_data_files_in_a_worker(
        tmp_path: Path) -> None:
    data = Path(shutil.copy(TABLE, tmp_path / "data.tab"))
    model = load_model(MODEL, data_files=[data])
    spec = _design_spec().validated(model)
    runner = MemberRunner(spec, variable_attrs(model, spec.variables or ()), None,
                          noise_inputs=(), model_path=model.path, data_files=model.data_files)
    copy = pickle.loads(pickle.dumps(runner))
    assert copy.data_files == model.data_files
    dataset = _run_in_a_new_thread(copy)
    assert isinstance(dataset, xr.Dataset)
    np.testing.assert_array_equal(dataset["demand"].values[0], _values(_baseline(model), "demand"))
    # A worker that finds the data changed since the model was loaded refuses to run on it.
    data.write_text("Time\tdemand\tprice\n0\t50\t1\n10\t50\t1\n")
    refused = _run_in_a_new_thread(pickle.loads(pickle.dumps(runner)))
    assert isinstance(refused, DataFileError) and "changed since the model was loaded" in str(
        refused)


# --------------------------------------------------------------------------- CLI


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_run_command_reads_data_files(tmp_path: Path) -> None:
    out = tmp_path / "results.nc"
    code, stdout, stderr = _invoke("run", str(MODEL), "--data-files", str(TABLE),
                                   "--out", str(out))
    assert code == 0, stderr
    results = Results.load(out)
    expected = _values(_baseline(load_model(MODEL, data_files=[TABLE])), "Stock")
    np.testing.assert_allclose(_values(results.dataset, "Stock"), expected, rtol=1e-12)
    assert results.metadata["data_files"][0]["path"] == str(TABLE)
    assert "Stock" in stdout


# pysimlin, which lists the feedback loops, cannot parse a DATA variable without an equation.
@pytest.mark.filterwarnings("ignore:feedback loops not listed:UserWarning")
def test_the_option_repeats_and_every_model_command_has_it(tmp_path: Path) -> None:
    (tmp_path / "demand.tab").write_text("Time\tdemand\n0\t7\n10\t7\n")
    code, stdout, stderr = _invoke("describe", str(MODEL), "--data-file",
                                   str(tmp_path / "demand.tab"), "--data-files", str(TABLE))
    assert code == 0, stderr
    assert f"data files: {tmp_path / 'demand.tab'}, {TABLE}" in stdout
    assert "engines: PySD (of record) and the vectorized batch engine" in stdout
    for command in ("describe", "run", "check", "report", "ensemble", "sensitivity", "loops",
                    "explore", "calibrate", "bifurcation"):
        code, stdout, _ = _invoke(command, "--help")
        assert code == 0 and "--data-files" in stdout, command
    _, stdout, _ = _invoke("run", "--help")
    assert "--data-files demand.tab" in stdout


@pytest.mark.parametrize(("extra", "expected"), [
    ((), "pass the files holding them with --data-files"),
    (("--data-files", "nowhere.tab"), "data file 'nowhere.tab' not found"),
])
def test_the_command_line_says_what_is_wrong_with_the_data_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...],
        expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = _invoke("run", str(MODEL), *extra, "--out", "results.nc")
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert MODEL.name in lines[0] and "Traceback" not in stderr
    assert not (tmp_path / "results.nc").exists()


def test_no_output_may_replace_a_data_file(tmp_path: Path) -> None:
    data = Path(shutil.copy(TABLE, tmp_path / "data.tab"))
    before = data.read_bytes()
    code, _, stderr = _invoke("run", str(MODEL), "--data-files", str(data), "--out", str(data))
    assert code == 2 and "--out" in stderr and "Traceback" not in stderr
    assert data.read_bytes() == before


def test_a_data_variable_without_an_interpolation_keyword_is_one_line(tmp_path: Path) -> None:
    # PySD translates 'demand:=' but cannot load it (no method): say how to write it.
    text = MODEL.read_text().replace("demand:INTERPOLATE::=", "demand:=")
    (tmp_path / "plain.mdl").write_text(text)
    with pytest.raises(ModelFileError) as caught:
        load_model(tmp_path / "plain.mdl", data_files=[TABLE])
    message = _one_line(caught)
    assert "'demand' without an interpolation keyword" in message
    assert "demand:INTERPOLATE::=" in message
