"""Results: tidy frames, netCDF round trips, bad paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdcluster.engine.run import run_scenarios
from sdcluster.errors import ResultsFileError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.results.dataset import Results
from sdcluster.testing import assert_results_close


@pytest.fixture(scope="module")
def town_results(town: LoadedModel) -> Results:
    scenarios = [Scenario(name="base"),
                 Scenario(name="open", overrides={"openness": 1.0}, final_time=25.0)]
    return run_scenarios(town, [s.validated(town) for s in scenarios], seed=2)


def test_save_and_load_round_trip(town_results: Results, tmp_path: Path) -> None:
    path = town_results.save(tmp_path / "r.nc")
    loaded = Results.load(path)
    assert_results_close(loaded, town_results, rtol=0, atol=0)
    assert loaded.metadata == town_results.metadata
    assert loaded.dataset["Population"].attrs == town_results.dataset["Population"].attrs
    assert loaded.scenarios == ("base", "open")
    # Written atomically: no temporary file is left beside the result.
    assert [p.name for p in tmp_path.iterdir()] == ["r.nc"]


def test_save_replaces_an_existing_file(town_results: Results, tmp_path: Path) -> None:
    path = tmp_path / "r.nc"
    path.write_text("old")
    town_results.save(path)
    assert Results.load(path).scenarios == ("base", "open")


def test_tidy_dataframe(town_results: Results) -> None:
    frame = town_results.to_dataframe()
    assert list(frame.columns) == ["scenario", "time", "variable", "value"]
    dataset = town_results.dataset
    assert len(frame) == dataset.sizes["scenario"] * dataset.sizes["time"] * len(dataset.data_vars)
    row = frame[(frame.scenario == "open") & (frame.time == 10.0) & (frame.variable == "openness")]
    assert row["value"].tolist() == [1.0]


def test_missing_output_folder(town_results: Results, tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match=r"absent/r\.nc: cannot write results"):
        town_results.save(tmp_path / "absent" / "r.nc")


def test_output_folder_that_is_a_file(town_results: Results, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ResultsFileError, match="cannot write results"):
        town_results.save(blocker / "r.nc")


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="results file not found"):
        Results.load(tmp_path / "absent.nc")


def test_load_a_file_that_is_not_netcdf(tmp_path: Path) -> None:
    junk = tmp_path / "junk.nc"
    junk.write_text("not netCDF")
    with pytest.raises(ResultsFileError, match=r"junk\.nc: not a readable netCDF file"):
        Results.load(junk)


def test_load_netcdf_without_metadata(tmp_path: Path) -> None:
    plain = tmp_path / "plain.nc"
    xr.Dataset({"x": ("time", [1.0])}, coords={"time": [0.0]}).to_netcdf(plain)
    with pytest.raises(ResultsFileError, match="not an sdcluster results file"):
        Results.load(plain)


# ------------------------------------------------------------- properties

printable = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF,
                                  blacklist_categories=("Cs",)), max_size=12)


@st.composite
def datasets(draw: st.DrawFn) -> Results:
    # Any text but the names of the coordinates.
    names = draw(st.lists(printable.filter(lambda n: n not in ("", "time", "scenario")),
                          min_size=1, max_size=4, unique=True))
    scenarios = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
                              min_size=1, max_size=3, unique=True))
    times = np.arange(draw(st.integers(1, 5)), dtype=float) * draw(
        st.floats(0.01, 10, allow_nan=False))
    shape = (len(scenarios), len(times))
    values = st.floats(allow_infinity=False, width=64) | st.just(float("nan"))
    data_vars = {
        name: (("scenario", "time"),
               np.array(draw(st.lists(values, min_size=shape[0] * shape[1],
                                      max_size=shape[0] * shape[1]))).reshape(shape),
               {"units": draw(printable), "documentation": draw(printable),
                "python_name": draw(printable)})
        for name in names
    }
    dataset = xr.Dataset(data_vars, coords={"scenario": np.array(scenarios, dtype=str),
                                            "time": times})
    metadata = draw(st.dictionaries(printable, printable | st.integers(-10**9, 10**9),
                                    max_size=4))
    return Results(dataset=dataset, metadata=metadata)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_any_results_survive_a_save_and_load(tmp_path_factory: pytest.TempPathFactory,
                                             results: Results) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "r.nc"
    loaded = Results.load(results.save(path))
    assert_results_close(loaded, results, rtol=0, atol=0)
    assert list(loaded.dataset.data_vars) == list(results.dataset.data_vars)
    for name in results.dataset.data_vars:
        assert loaded.dataset[name].attrs == results.dataset[name].attrs
    assert loaded.metadata == results.metadata


def test_names_netcdf_cannot_hold_do_not_collide(tmp_path: Path) -> None:
    dataset = xr.Dataset({"a/b": ("time", [1.0]), "var0": ("time", [2.0]),
                          " padded ": ("time", [3.0])}, coords={"time": [0.0]})
    loaded = Results.load(Results(dataset=dataset).save(tmp_path / "r.nc"))
    assert {k: float(v[0]) for k, v in loaded.dataset.data_vars.items()} == {
        "a/b": 1.0, "var0": 2.0, " padded ": 3.0}
