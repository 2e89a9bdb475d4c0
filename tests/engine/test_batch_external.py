"""External data in the batch engine: GET XLS/GET DIRECT values and DATA series as PySD loads them.

``engine_external.mdl`` (GET DIRECT constants, lookups and data, next to
``engine_external.csv``) is one of the construct models of
``test_batch_equivalence``; here the same model reads a spreadsheet (GET
XLS), DATA variables come from data files, and what PySD loads but the
engine cannot reproduce is refused by name.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pysd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_support import can_vectorize
from sdcluster.errors import UnsupportedConstructError
from sdcluster.model.loaded import load_model
from sdcluster.testing import assert_matches_pysd
from tests import DATA
from tests.engine.engine_support import PysdRun, member_params

PARAMS = {"initial stock": [10, 50, 400], "demand scale": [1, 0.2, 3], "capacity": [120, 40, 1000]}


def _spreadsheet_model(folder: Path) -> Path:
    """Write engine_external.mdl reading a spreadsheet instead of its CSV file."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "inputs"
    for row in (DATA / "engine_external.csv").read_text().splitlines():
        sheet.append([float(cell) if cell[:1].isdigit() else cell for cell in row.split(",")])
    book.save(folder / "spreadsheet.xlsx")
    text = (DATA / "engine_external.mdl").read_text()
    text = text.replace("GET DIRECT", "GET XLS").replace("'engine_external.csv', ','",
                                                          "'spreadsheet.xlsx', 'inputs'")
    path = folder / "spreadsheet.mdl"
    path.write_text(text)
    return path


def test_get_xls_constants_lookups_and_data_match_pysd(
        tmp_path: Path, pysd_run: PysdRun) -> None:
    path = _spreadsheet_model(tmp_path)
    model = BatchModel.from_file(path)
    batch = model.run_arrays(PARAMS, 3, return_variables=model.variables)
    for member in range(3):
        assert_matches_pysd(batch, member, pysd_run(path, member_params(PARAMS, member)))
    # The file's values are the defaults: the table, the constants and the series acted.
    assert model.default("growth rate") == 0.4 and model.default("capacity") == 120
    assert batch["demand"][0][[0, 8, 20]].tolist() == [2.0, 10.0, 4.0]  # times 0, 4, 10
    assert batch["demand held"][0][14] == 10.0  # time 7: held from time 4


def test_the_generated_code_holds_the_values_pysd_loaded() -> None:
    model = BatchModel.from_file(DATA / "engine_external.mdl")
    source = model.source()
    assert "_lk_effect_of_crowding(" in source and "_lk_data_demand(time)" in source
    lookups = {lookup.name: lookup for lookup in model._plan.lookups}
    crowding = lookups["_lk_effect_of_crowding"]
    assert crowding.x == (0, 0.5, 1, 1.5, 2) and crowding.y == (1, 0.8, 0.3, 0, -0.2)
    assert lookups["_lk_data_demand_held"].method == "hold_backward"


def test_data_variables_read_from_data_files_match_pysd() -> None:
    table = DATA / "core_data.tab"
    loaded = load_model(DATA / "core_data.mdl", data_files=table)
    assert can_vectorize(loaded) == (True, "")
    model = BatchModel.from_model(loaded)
    shares = [0.5, 1.0, 0.1]
    batch = model.run_arrays({"share": shares}, 3, return_variables=model.variables)
    for member, share in enumerate(shares):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = pysd.read_vensim(str(loaded.path), data_files=[str(table)]).run(
                params={"share": share})
        assert_matches_pysd(batch, member, reference[[*model.variables]])
    assert batch["price"][0][[0, 3, 4, 9]].tolist() == [1.0, 1.0, 3.0, 3.0]  # held


def _data_model(folder: Path, equation: str) -> Path:
    (folder / "series.csv").write_text("time,0,4,10\nvalue,2,10,4\n")
    path = folder / "refused.mdl"
    path.write_text(
        "{UTF-8}\nStock = INTEG(value, 0) ~ x ~ |\n" + equation
        + "FINAL TIME = 10 ~ Month ~ |\nINITIAL TIME = 0 ~ Month ~ |\n"
        "SAVEPER = 1 ~ Month ~ |\nTIME STEP = 0.5 ~ Month ~ |\n"
    )
    return path


@pytest.mark.parametrize("keyword, method", [(":RAW:", "raw"),
                                             (":LOOK FORWARD:", "look_forward")])
def test_data_the_engine_cannot_interpolate_as_pysd_is_refused_by_name(
        tmp_path: Path, keyword: str, method: str) -> None:
    # PySD gives NaN between a RAW series' points, and looks forward: no lookup method does.
    path = _data_model(tmp_path, f"value{keyword}:= GET DIRECT DATA('series.csv', ',', "
                                 "'1', 'B2') ~ x ~ |\n")
    expected = f"not supported by the vectorized engine: GET DATA with the method '{method}' in"
    with pytest.raises(UnsupportedConstructError, match=expected):
        BatchModel.from_file(path)
    ok, reason = can_vectorize(path)
    assert not ok and expected in reason and "'value'" in reason and path.name in reason


def test_a_lookup_with_a_gap_has_the_value_pysd_fills_in(tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text("x,0,1,2\ny,1,,3\n")
    path = _data_model(tmp_path, "value = shape(Time / 4) ~ x ~ |\n"
                       "shape = GET DIRECT LOOKUPS('table.csv', ',', '1', 'B2') ~ x ~ |\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns about the missing value, and fills it
        model = BatchModel.from_file(path)
        reference = pysd.read_vensim(str(path)).run()
    batch = model.run_arrays({}, 1, return_variables=model.variables)
    assert_matches_pysd(batch, 0, reference[[*model.variables]])
    assert batch["value"][0][4] == 2.0  # time 4: x = 1, the filled point


def test_the_file_values_are_a_constant_per_member_as_pysd_sets_them(
        pysd_run: PysdRun) -> None:
    path = DATA / "engine_external.mdl"
    model = BatchModel.from_file(path)
    assert "growth rate" in model.parameters and "capacity" in model.parameters
    batch = model.run_arrays({"growth rate": [0.4, 0.9]}, 2, return_variables=model.variables)
    assert not np.array_equal(batch["Stock"][0], batch["Stock"][1])
    assert_matches_pysd(batch, 1, pysd_run(path, {"growth rate": 0.9}))


def test_a_study_compiles_the_model_again_when_its_files_hold_other_values(
        tmp_path: Path) -> None:
    from sdcluster.studies.members import engine_for

    (tmp_path / "rate.csv").write_text("a,b\nx,1.25\n")
    path = tmp_path / "rate.mdl"
    path.write_text("{UTF-8}\nStock = INTEG(rate, 0) ~ x ~ |\n"
                    "rate = GET DIRECT CONSTANTS('rate.csv', ',', 'B2') ~ x ~ |\n"
                    "FINAL TIME = 2 ~ Month ~ |\nINITIAL TIME = 0 ~ Month ~ |\n"
                    "SAVEPER = 1 ~ Month ~ |\nTIME STEP = 1 ~ Month ~ |\n")
    first = engine_for(load_model(path), "batch")
    assert first is not None and first.default("rate") == 1.25
    assert engine_for(load_model(path), "batch") is first  # the same values: compiled once
    (tmp_path / "rate.csv").write_text("a,b\nx,4\n")  # the model file unchanged
    second = engine_for(load_model(path), "batch")
    assert second is not None and second.default("rate") == 4.0
