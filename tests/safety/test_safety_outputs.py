"""Cases 3, 4, 8 and 11 of issue 10: nothing a user saved is replaced or lost."""

from __future__ import annotations

import resource
import signal
from pathlib import Path

import pytest

from tests.safety.safety_support import invoke, one_error_line, refused, sdcluster


@pytest.mark.parametrize("command", [
    ["run", "{model}", "--out", "{model}"],
    ["ensemble", "{model}", "--members", "4", "--out", "{model}"],
    ["ensemble", "{model}", "--members", "4", "--out", "e.nc", "--bands-out", "{model}"],
    ["sensitivity", "{model}", "-p", "lifetime", "--samples", "4", "--method", "mc",
     "--indices-out", "{model}"],
    ["loops", "{model}", "--out", "{link}"],
    ["run", "{model}", "-s", "s", "--scenarios-dir", "{folder}", "--out", "{scenario}"],
])
def test_an_output_that_is_an_input_is_refused(command: list[str], decay: Path,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Case 3 (a symbolic link to the model counts as the model).
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "s.toml"
    scenario.write_text("[overrides]\nlifetime = 5\n")
    link = tmp_path / "link.png"
    link.symlink_to(decay)
    before = {path: path.read_bytes() for path in (decay, scenario)}
    args = [part.format(model=decay, link=link, folder=tmp_path, scenario=scenario)
            for part in command]
    line = refused(*args)
    assert "is the input file" in line
    assert {path: path.read_bytes() for path in before} == before


def test_a_users_ensemble_json_in_the_run_folder_is_kept(decay: Path, tmp_path: Path) -> None:
    # Case 4: the user's own file has the name of sdcluster's manifest.
    folder = tmp_path / "mine"
    folder.mkdir()
    own = folder / "ensemble.json"
    own.write_text('{"my": "notes"}\n')
    line = refused("ensemble", decay, "--members", "4", "--no-noise", "--out",
                   tmp_path / "e.nc", "--run-dir", folder)
    assert "ensemble.json" in line and "not written by sdcluster" in line
    assert own.read_text() == '{"my": "notes"}\n'


def test_a_users_run_folder_and_files_survive_the_run(decay: Path, tmp_path: Path) -> None:
    # Case 4: after the run sdcluster removes only the chunks and the manifest it wrote.
    folder = tmp_path / "mine"
    folder.mkdir()
    notes = folder / "notes.txt"
    notes.write_text("keep me\n")
    code, _, stderr = invoke("ensemble", decay, "--members", "4", "--no-noise", "--out",
                             tmp_path / "e.nc", "--run-dir", folder)
    assert code == 0, stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert notes.read_text() == "keep me\n"


def _limit_file_size() -> None:
    # A full disk, as writes see it: no file may grow beyond 4 KiB.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_keeps_the_old_results_and_says_so_in_one_line(decay: Path,
                                                                  tmp_path: Path) -> None:
    # Case 8: run in a separate process that cannot write more than 4 KiB per file.
    out = tmp_path / "r.nc"
    code, _, stderr = invoke("run", decay, "--out", out)
    assert code == 0, stderr
    before = out.read_bytes()
    assert len(before) > 4096
    process = sdcluster("run", decay, "--out", out, "--seed", "1",
                        preexec_fn=_limit_file_size)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 2, stderr
    line = one_error_line(stderr)
    assert str(out) in line and "cannot write results" in line
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [decay.name, "r.nc"]


def test_stale_temporaries_of_an_output_are_removed_on_the_next_start(decay: Path,
                                                                       tmp_path: Path) -> None:
    # Case 11: what a kill -9 during the final save leaves, and files that only look alike.
    out = tmp_path / "r.nc"
    stale = tmp_path / ".r.nc.k3x_9q2z.tmp"
    stale.write_bytes(b"\0" * 100_000)
    others = [tmp_path / ".r.nc.mine.tmp", tmp_path / ".other.nc.k3x_9q2z.tmp",
              tmp_path / "r.nc.k3x_9q2z.tmp"]
    for other in others:
        other.write_text("the user's\n")
    code, _, stderr = invoke("run", decay, "--out", out)
    assert code == 0, stderr
    assert not stale.exists()
    assert all(other.read_text() == "the user's\n" for other in others)
