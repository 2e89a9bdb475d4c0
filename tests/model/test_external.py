"""External data (GET DIRECT ...): read next to the model, never copied; a missing file named."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pysd
import pytest

from sdcluster.engine.run import run_scenarios
from sdcluster.errors import ModelFileError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from tests import DATA

MODEL = DATA / "core_external.mdl"


def test_a_data_file_next_to_the_model_is_read_from_any_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nowhere near the model or its data
    ds = run_scenarios(load_model(MODEL), [Scenario(name="baseline")]).dataset
    reference = pysd.read_vensim(str(MODEL)).run()
    assert float(ds["Stock"].values[..., -1].squeeze()) == float(reference["Stock"].iloc[-1])
    assert float(ds["rate"].values[..., 0].squeeze()) == 3.5  # the file's B2
    assert sorted(os.listdir(tmp_path)) == []  # nothing copied or written here


def test_each_copy_of_a_model_reads_its_own_data(tmp_path: Path) -> None:
    # Same model text (same cache entry), different folders and data.
    shutil.copy(MODEL, tmp_path / MODEL.name)
    (tmp_path / "core_external.csv").write_text("a,b\nx,1.25\n")
    mine = run_scenarios(load_model(tmp_path / MODEL.name), [Scenario(name="baseline")]).dataset
    assert float(mine["rate"].values[..., 0].squeeze()) == 1.25


def test_a_missing_data_file_is_one_line_naming_it_and_where(tmp_path: Path) -> None:
    shutil.copy(MODEL, tmp_path / MODEL.name)
    with pytest.raises(ModelFileError) as caught:
        load_model(tmp_path / MODEL.name)
    message = str(caught.value)
    assert "'core_external.csv' is missing" in message and str(tmp_path) in message
    assert "\n" not in message
