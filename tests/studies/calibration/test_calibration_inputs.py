"""Calibration: bad inputs, observations files, summaries."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.errors import ScenarioError
from sdcluster.experiments.calibration import (
    CalibrationError,
    SeriesMap,
    read_observations,
)
from sdcluster.model.loaded import LoadedModel
from sdcluster.studies.calibration import run_calibration
from tests.studies.calibration.cases import TRUTH, simulate, spec_for

# ------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def observations(batch: BatchModel) -> pd.DataFrame:
    return simulate(batch, TRUTH, sigma=0.05, seed=1)


@pytest.mark.parametrize(("changes", "message"), [
    ({"mappings": (SeriesMap("Population", "populaton"),)},
     "column 'populaton' is not in the observations; expected one of 1 columns; "
     "closest: 'population'"),
    ({"mappings": (SeriesMap("Populaton", "population"),)},
     "no variable 'Populaton' in model calibration_logistic.mdl; closest: 'Population'"),
    ({"parameters": {"growth rat": None}}, "closest: 'growth rate'"),
    ({"parameters": {"net growth": None}},
     "'net growth' is a flow; expected a constant; closest:"),
    ({"parameters": {"capacity": (50.0, 900.0)}}, "outside the declared range [100, 5000]"),
    ({"time_column": "yaer"}, "time column 'yaer' is not in the observations; expected one "
     "of 2 columns; closest: 'year'"),
    ({"walkers": 4}, "walkers = 4; expected at least 6"),
    ({"walkers": 7}, "walkers = 7; expected an even number"),
    ({"likelihood": "lognorm"}, "likelihood 'lognorm'; expected one of lognormal, negbinom; "
     "closest: 'lognormal'"),
    ({"burn": 1000}, "burn = 1000; expected 0 <= burn < steps (1000)"),
    ({"mappings": (SeriesMap("Population", "population", time_offset=5.0),)},
     "before the model's initial time 0"),
    ({"mappings": (SeriesMap("Population", "population", scale_prior=(0.0, 1.0)),)},
     "scale prior [0, 1]; expected finite bounds with 0 < low < high"),
])
def test_bad_inputs_are_one_line_errors(model: LoadedModel, observations: pd.DataFrame,
                                        changes: dict[str, object], message: str) -> None:
    with pytest.raises(CalibrationError) as caught:
        spec_for(observations, **changes).validated(model)
    assert isinstance(caught.value, ScenarioError)
    text = str(caught.value)
    assert "\n" not in text
    assert message in text


def test_observations_the_likelihood_cannot_take(model: LoadedModel,
                                                 observations: pd.DataFrame) -> None:
    zero = observations.assign(population=observations["population"].where(
        observations["year"] != 3, 0.0))
    with pytest.raises(CalibrationError, match="value 0 is not positive; the lognormal"):
        spec_for(zero).validated(model)
    with pytest.raises(CalibrationError, match="must be counts"):
        spec_for(observations, likelihood="negbinom").validated(model)
    text = observations.astype({"population": object})
    text.loc[4, "population"] = "n/a"
    with pytest.raises(CalibrationError, match="value 'n/a' is not a number"):
        spec_for(text).validated(model)


def test_read_observations(tmp_path: Path) -> None:
    good = tmp_path / "obs.csv"
    good.write_text("year,population,note\n2000,10,a\n2001,,b\n2002,30,c\n")
    frame = read_observations(good, time_column="year")
    assert list(frame["year"]) == [2000.0, 2001.0, 2002.0]
    assert math.isnan(frame["population"][1])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("year,Bogot\xe1\n2000,1\n".encode("latin-1"))
    assert list(read_observations(latin, time_column="year").columns) == ["year", "Bogot\xe1"]
    errors = {
        tmp_path / "missing.csv": "missing.csv: no such file",
        good: "time column 'time' is not in the observations; expected one of 3 columns",
    }
    for path, message in errors.items():
        with pytest.raises(CalibrationError, match=message):
            read_observations(path)
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("year,x\n2000,1\n2000,2\n")
    with pytest.raises(CalibrationError, match=r"repeated.csv: time column 'year': repeated"):
        read_observations(repeated, time_column="year")


def test_describe_lists_mapping_and_priors(model: LoadedModel,
                                           observations: pd.DataFrame) -> None:
    text = spec_for(observations, source="obs.csv").validated(model).describe()
    assert "calibration to obs.csv: 21 times (0-20), likelihood lognormal" in text
    assert "population(t) ~ 'Population'(t - 0)" in text
    assert "growth rate: uniform [0.1, 2]" in text
    assert "sigma[population]: log-uniform [0.01, 2]" in text


def test_a_very_short_run_summarizes_without_warnings(batch: BatchModel,
                                                      model: LoadedModel) -> None:
    import warnings

    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_calibration(model, spec_for(observations, walkers=8, steps=4))
        text = result.summary()
        result.to_inference_data()
    assert [str(w.message) for w in caught] == []
    assert "max R-hat nan; min ESS nan" in text  # too short to tell, and said so
    assert "shorter than 50 autocorrelation times" in text


