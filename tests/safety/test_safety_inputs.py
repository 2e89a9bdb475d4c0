"""Cases 6, 7, 12, 13 and 14 of issue 10: every bad input is one line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdcluster.studies.ensemble
from tests.safety.safety_support import (
    XMILE,
    invoke,
    model_copy,
    one_error_line,
    refused,
    set_metadata,
)

HUGE = "1" + "0" * 400


def test_loops_parameter_range_is_checked_like_sensitivity(decay: Path) -> None:
    # Case 6: lifetime is declared [1, 20]; both commands give the same answer.
    loops = refused("loops", decay, "--ensemble", "3", "--parameter", "lifetime=30:40",
                    "--out", decay.with_suffix(".png"))
    sensitivity = refused("sensitivity", decay, "--parameter", "lifetime=30:40")
    expected = "'lifetime': range [30, 40] is outside the declared range [1, 20]"
    assert expected in loops and expected in sensitivity


@pytest.mark.parametrize("change", [("FINAL TIME  = 20", "FINAL TIME  = 1e12"),
                                    ("TIME STEP  = 0.0625", "TIME STEP  = 1e-9")])
def test_a_huge_horizon_in_the_model_is_refused_with_the_figure(change: tuple[str, str],
                                                                tmp_path: Path) -> None:
    # Case 7: refused at once (no hang), with the memory it would need.
    model = model_copy(tmp_path)
    model.write_text(model.read_text().replace(*change))
    line = refused("run", model, "--out", tmp_path / "r.nc")
    assert model.name in line and "of memory" in line and "steps" in line


def test_a_huge_final_time_in_a_scenario_is_refused(decay: Path, tmp_path: Path) -> None:
    (tmp_path / "long.toml").write_text("final_time = 1e12\n")
    line = refused("run", decay, "-s", "long", "--scenarios-dir", tmp_path,
                   "--out", tmp_path / "r.nc")
    assert "scenario 'long'" in line and "of memory" in line


@pytest.mark.parametrize("command", [
    ["ensemble", "{model}", "--members", str(10**12), "--no-noise", "--out", "{folder}/e.nc"],
    ["sensitivity", "{model}", "-p", "lifetime", "--samples", str(2**40),
     "--out", "{folder}/s.nc", "--indices-out", "{folder}/s.csv"],
])
def test_huge_member_and_sample_counts_are_refused(command: list[str], decay: Path,
                                                   tmp_path: Path) -> None:
    line = refused(*[part.format(model=decay, folder=tmp_path) for part in command])
    assert "need at least" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [decay.name]  # nothing left behind


def test_out_of_memory_is_one_line(decay: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Case 7: a MemoryError the estimate did not foresee (here: raised by the chunk runner).
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(sdcluster.studies.ensemble, "execute_chunks", exhausted)
    line = refused("ensemble", decay, "--members", "4", "--no-noise", "--out", tmp_path / "e.nc")
    assert "out of memory" in line
    assert not (tmp_path / "e.nc.chunks").exists()  # case 14: no empty run folder left


def test_a_model_with_an_unknown_function(tmp_path: Path) -> None:
    # Case 12: describe notices it (PySD would only fail once the function is called).
    model = model_copy(tmp_path)
    model.write_text(model.read_text().replace("Stock / lifetime", "FOOBARFUNC(Stock) / lifetime"))
    line = refused("describe", model)
    assert model.name in line and "FOOBARFUNC" in line and "does not implement" in line


@pytest.mark.parametrize("damage", [("<doc>", "<doc>a & b "), ("</aux>", "")])
def test_malformed_xmile(damage: tuple[str, str], tmp_path: Path) -> None:
    model = tmp_path / "broken.xmile"
    model.write_text(XMILE.read_text().replace(*damage, 1))
    line = refused("describe", model)
    assert "broken.xmile: not well-formed XML at line" in line


def test_binary_garbage_as_a_model(tmp_path: Path) -> None:
    model = tmp_path / "garbage.mdl"
    model.write_bytes(bytes(range(256)) * 8)
    line = refused("run", model)
    assert "garbage.mdl: not a text model file" in line


@pytest.mark.parametrize("metadata", ["{not json", "[1, 2]",
                                      {"report": {"model": {"variables": [1]}, "parts": {}}},
                                      {"report": {"parts": ["x"]}},
                                      {"report": {"model": {"stock_flows": 3}, "parts": {}}}])
def test_results_metadata_of_the_wrong_shape(metadata: object, decay: Path,
                                             tmp_path: Path) -> None:
    results = tmp_path / "r.nc"
    code, _, stderr = invoke("run", decay, "--out", results)
    assert code == 0, stderr
    set_metadata(results, metadata)
    line = refused("report", "--from", results, "--out-dir", tmp_path / "rep", "-f", "html",
                   "-q")
    assert str(results) in line


def test_a_400_digit_integer_in_a_scenario(decay: Path, tmp_path: Path) -> None:
    (tmp_path / "big.toml").write_text(f"[overrides]\nlifetime = {HUGE}\n")
    line = refused("run", decay, "-s", "big", "--scenarios-dir", tmp_path,
                   "--out", tmp_path / "r.nc")
    assert "big.toml" in line and "'lifetime': expected a finite number" in line


@pytest.mark.parametrize("entry", [f"value = {HUGE}", "value = 1\ntolerance = nan",
                                   f"value = 1\nat = {HUGE}"])
def test_bad_numbers_in_a_checks_file(entry: str, decay: Path, tmp_path: Path) -> None:
    # Cases 12 and 13: a 400-digit integer, and a tolerance of nan (was a misleading row).
    (tmp_path / "c.toml").write_text(
        f'[[expect]]\nvariable = "Stock"\ncondition = ">="\n{entry}\n')
    line = refused("check", decay, "--checks-dir", tmp_path)
    assert "c.toml" in line and "expected a" in line


def test_debug_after_the_command_name(tmp_path: Path) -> None:
    # Case 12: `run --debug` was a 40-line NoSuchOption.
    model = tmp_path / "garbage.mdl"
    model.write_bytes(b"\0\1\2")
    code, _, stderr = invoke("run", model, "--debug")
    assert code != 0
    assert "NoSuchOption" not in stderr and "no such option" not in stderr.lower()
    code, _, stderr = invoke("run", model)
    assert code == 2
    one_error_line(stderr)


def test_ensemble_out_as_a_folder_fails_before_the_run(decay: Path, tmp_path: Path) -> None:
    # Case 14: was refused only after the whole run.
    line = refused("ensemble", decay, "--members", "4", "--out", tmp_path)
    assert "is a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [decay.name]


def test_a_failed_report_leaves_no_empty_folder(decay: Path, tmp_path: Path) -> None:
    # Case 14: the report folder was created before the failure and left behind.
    results = tmp_path / "r.nc"
    code, _, stderr = invoke("run", decay, "--out", results)
    assert code == 0, stderr
    set_metadata(results, "{not json")
    refused("report", "--from", results, "--out-dir", tmp_path / "new" / "rep", "-q")
    assert not (tmp_path / "new" / "rep").exists()
