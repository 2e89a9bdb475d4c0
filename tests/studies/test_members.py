"""The chunk task of an ensemble: the PySD path's per-thread model cache."""

from __future__ import annotations

import pickle
import shutil
import threading
from pathlib import Path

from sdcluster.engine.options import RunOptions
from sdcluster.errors import ModelFileError
from sdcluster.experiments.designs import ParameterDesign
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.model.loaded import load_model
from sdcluster.studies.ensemble import run_ensemble
from sdcluster.studies.members import MemberRunner, variable_attrs
from tests import DATA

LOGISTIC = DATA / "calibration_logistic.mdl"
PYSD = RunOptions(engine="pysd", chunk_size=1)


def _spec() -> EnsembleSpec:
    design = ParameterDesign.from_columns({"growth rate": [0.5]})
    return EnsembleSpec.for_design(design, noise=False, variables=("Population",))


def _edited(path: Path) -> None:
    text = path.read_text().replace("capacity=\n\t1000", "capacity=\n\t200")
    assert "\t200" in text
    path.write_text(text)


def _final(model_path: Path) -> float:
    results = run_ensemble(load_model(model_path), _spec(), PYSD)
    return float(results.dataset["Population"].values[0, -1])


def test_an_edited_model_is_loaded_again_in_the_same_process(tmp_path: Path) -> None:
    path = Path(shutil.copy(LOGISTIC, tmp_path / "logistic.mdl"))
    before = _final(path)
    _edited(path)
    after = _final(path)
    # The capacity fell from 1000 to 200: the members must run the edited file,
    # not the model a worker thread cached under the same path.
    assert before > 900 and after < 201, (before, after)


def test_a_worker_refuses_a_model_file_changed_since_it_was_loaded(tmp_path: Path) -> None:
    path = Path(shutil.copy(LOGISTIC, tmp_path / "logistic.mdl"))
    model = load_model(path)
    spec = _spec().validated(model)
    runner = MemberRunner(spec, variable_attrs(model, spec.variables or ()), None,
                          noise_inputs=(), model_path=model.path, model_sha256=model.sha256)
    _edited(path)
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: _run(pickle.loads(pickle.dumps(runner)), outcome))
    thread.start()
    thread.join()
    assert isinstance(outcome[0], ModelFileError), outcome
    assert "changed since the model was loaded" in str(outcome[0])


def _run(runner: MemberRunner, outcome: list[object]) -> None:
    try:
        outcome.append(runner(0, 1))
    except Exception as error:  # handed to the test thread
        outcome.append(error)

