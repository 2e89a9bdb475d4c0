"""The batch engine is built from the loaded model: one parse, one vocabulary, one clock."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from pysd.translators.vensim.vensim_file import VensimFile
from pysd.translators.xmile.xmile_file import XmileFile

from sdcluster.engine.batch import BatchModel
from sdcluster.model.cache import read_abstract_model
from sdcluster.model.loaded import LoadedModel, load_model
from tests import DATA
from tests.engine.engine_support import BUILTIN_MODEL

XMILE_TWIN = BUILTIN_MODEL.with_suffix(".xmile")


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*_: object, **__: object) -> None:
        raise AssertionError("PySD's parser ran again")

    monkeypatch.setattr(VensimFile, "parse", parse)
    monkeypatch.setattr(XmileFile, "parse", parse)


@pytest.mark.parametrize("path", [BUILTIN_MODEL, XMILE_TWIN], ids=["mdl", "xmile"])
def test_building_from_a_loaded_model_does_not_parse_the_file_again(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_model(path)
    _refuse_parsing(monkeypatch)
    model = BatchModel.from_model(loaded)
    assert model.run({}, 2, final_time=5)["Innovative Firms"].shape[0] == 2


@pytest.mark.parametrize("path", [BUILTIN_MODEL, XMILE_TWIN], ids=["mdl", "xmile"])
def test_from_model_and_from_file_give_identical_runs(path: Path) -> None:
    loaded = load_model(path)
    levers = {name: np.linspace(*(loaded.variables[name].range or (0.0, 1.0)), 3)
              for name in loaded.levers[:3]}
    ours = BatchModel.from_model(loaded).run(levers, 3)
    theirs = BatchModel.from_file(path).run(levers, 3)
    assert ours.identical(theirs)


@pytest.mark.parametrize("path", [BUILTIN_MODEL, XMILE_TWIN], ids=["mdl", "xmile"])
def test_names_kinds_units_ranges_and_clock_are_the_loaded_models(path: Path) -> None:
    loaded = load_model(path)
    model = BatchModel.from_model(loaded)
    for name in model.variables:
        info = model.info(name)
        if info.kind == "control":
            assert info.units == loaded.time.units
            continue
        variable = loaded.variables[name]
        assert (info.python_name, info.kind, info.units, info.documentation) == (
            variable.python_name, variable.kind, variable.units, variable.documentation)
        assert info.limits == (variable.range or (None, None))
    assert set(model.parameters) == set(loaded.constants)
    # The saving times are the loaded clock's (for XMILE: its save interval).
    np.testing.assert_allclose(model.schedule().labels, loaded.time.save_times())
    assert model.default("SAVEPER") == loaded.time.saveper


def test_an_xmile_save_interval_reaches_the_engine_through_the_loaded_model(
    tmp_path: Path,
) -> None:
    text = (DATA / "engine_stocks.xmile").read_text()
    assert "save_interval" not in text
    twin = tmp_path / "stocks.xmile"
    twin.write_text(text.replace("<sim_specs", '<sim_specs isee:save_interval="2"', 1))
    loaded = load_model(twin)
    assert loaded.time.saveper == 2
    labels = BatchModel.from_model(loaded).schedule().labels
    assert np.allclose(np.diff(labels), 2)


def test_a_model_built_from_a_loaded_model_survives_pickling() -> None:
    model = BatchModel.from_model(load_model(DATA / "engine_growth.mdl"))
    again = pickle.loads(pickle.dumps(model))
    assert again.run({}, 2).identical(model.run({}, 2))


def _entry(loaded: LoadedModel) -> Path:
    return loaded.translated_path.parent


def _copy(folder: Path) -> Path:
    folder.mkdir()
    return Path(shutil.copy(DATA / "engine_growth.mdl", folder / "growth.mdl"))


@pytest.mark.parametrize("damage", ["missing", "truncated", "foreign"])
def test_a_damaged_abstract_model_pickle_is_translated_again_on_load(
    damage: str, tmp_path: Path
) -> None:
    path, cache = _copy(tmp_path / "user"), tmp_path / "cache"
    pickled = _entry(load_model(path, cache_dir=cache)) / "abstract_model.pickle"
    intact = pickled.read_bytes()
    if damage == "missing":
        pickled.unlink()
    elif damage == "truncated":
        pickled.write_bytes(intact[: len(intact) // 2])
    else:  # a valid pickle that is not the entry's own
        pickled.write_bytes(pickle.dumps({"not": "an abstract model"}))
    loaded = load_model(path, cache_dir=cache)
    assert read_abstract_model(pickled.parent).sections  # a new, intact pickle
    assert BatchModel.from_model(loaded).run({}, 1).identical(BatchModel.from_file(path).run({}, 1))


def test_a_pickle_damaged_after_loading_heals_when_it_is_read(tmp_path: Path) -> None:
    path, cache = _copy(tmp_path / "user"), tmp_path / "cache"
    loaded = load_model(path, cache_dir=cache)
    pickled = _entry(loaded) / "abstract_model.pickle"
    pickled.write_bytes(b"garbage")
    model = BatchModel.from_model(loaded)  # reads the pickle: the entry is translated again
    assert read_abstract_model(pickled.parent).sections  # a new, intact pickle
    assert loaded.translated_path.is_file()  # the PySD module is back in its place too
    assert model.run({}, 1)["Population"].shape == (1, len(model.schedule().labels))
