"""The section "The model against real clusters", read from calibration files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import xarray as xr

from sdcluster.model.paths import builtin_model_path
from sdcluster.report.content import Note, Table
from sdcluster.report.real_clusters import (
    calibrated_model_digest,
    real_clusters_section,
    results_folder,
)


def _write_area(folder: Path, area: str, rhat: float, informed: bool) -> None:
    pd.DataFrame([{"series": area, "variable": "knowledge creation", "mse": 0.1,
                   "rmse_percent": 12.345, "um": 0.1, "us": 0.2, "uc": 0.7, "r2": 0.81,
                   "n": 16}]).to_csv(folder / f"{area}_fit.csv", index=False)
    pd.DataFrame([{"name": "openness", "identified": informed, "rhat": rhat},
                  {"name": f"scale[{area}]", "identified": True, "rhat": 1.0}]).to_csv(
        folder / f"{area}_table.csv", index=False)


def test_the_table_is_what_the_files_say(tmp_path: Path) -> None:
    _write_area(tmp_path, "austin", 1.02, True)
    _write_area(tmp_path, "boise", 1.05, False)
    section = real_clusters_section(True, tmp_path)
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert table.rows == (("Austin", "12.3", "0.10", "0.20", "0.70", "0.81", "1.02", "openness"),
                          ("Boise", "12.3", "0.10", "0.20", "0.70", "0.81", "1.05", "none"))
    assert not any(isinstance(b, Note) for b in section.blocks)  # converged: no warning


def test_unconverged_chains_are_said(tmp_path: Path) -> None:
    _write_area(tmp_path, "seattle", 3.8, True)
    notes = [b for b in real_clusters_section(True, tmp_path).blocks if isinstance(b, Note)]
    assert len(notes) == 1 and "have not converged (largest R-hat 3.80" in notes[0].text


def test_other_models_and_missing_runs_are_notes(tmp_path: Path) -> None:
    foreign = real_clusters_section(False, tmp_path).blocks
    assert foreign[0].kind == "unavailable" and "innovation-cluster model" in foreign[0].text
    empty = real_clusters_section(True, tmp_path / "none").blocks
    assert empty[0].kind == "unavailable" and "no calibration run found" in empty[0].text


def test_the_committed_run_is_found_in_the_repository() -> None:
    assert sorted(p.name for p in results_folder().glob("*_fit.csv")) == [
        "boise_fit.csv", "rochester_fit.csv", "seattle_fit.csv"]


def _record_digest(folder: Path, area: str, digest: str) -> None:
    xr.Dataset(attrs={"model_sha256": digest}).to_netcdf(
        folder / f"{area}.nc", group="calibration_diagnostics")


def test_a_run_of_an_earlier_model_file_is_said(tmp_path: Path) -> None:
    _write_area(tmp_path, "austin", 1.02, True)
    _write_area(tmp_path, "boise", 1.02, True)
    _record_digest(tmp_path, "boise", "0" * 64)
    notes = [b for b in real_clusters_section(True, tmp_path).blocks if isinstance(b, Note)]
    assert len(notes) == 1
    assert "calibration of Boise was run on an earlier version of the model" in notes[0].text


def test_the_committed_run_is_of_the_model_file_as_it_is() -> None:
    # If this fails, the model changed since models/calibration/results was written:
    # rerun models/calibration/calibrate_areas.py (the report says so too).
    builtin = hashlib.sha256(builtin_model_path().read_bytes()).hexdigest()
    digests = {calibrated_model_digest(p) for p in results_folder().glob("*_fit.csv")}
    assert digests == {builtin}


def test_the_committed_run_says_which_moves_it_used() -> None:
    text = real_clusters_section(True).blocks[0].text
    assert ("(stretch moves on a parallel-tempering ladder of 6 temperatures up to 100, which "
            "carries walkers between the posterior's modes)") in text

