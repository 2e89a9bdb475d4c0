from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sdcluster.errors import ModelFileError, ResultsFileError
from sdcluster.results.atomic import new_file_mode, write_atomically


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.nc"
    target.write_text("good")

    def crash(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ResultsFileError, match=r"results\.nc: cannot write results"):
        write_atomically(target, crash, what="results")
    assert target.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]


def test_the_new_file_gets_the_users_permissions(tmp_path: Path) -> None:
    target = write_atomically(tmp_path / "table.csv", lambda p: p.write_text("a,b\n"))
    assert target.read_text() == "a,b\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == new_file_mode()


def test_a_missing_folder_is_the_chosen_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="nowhere"):
        write_atomically(tmp_path / "nowhere" / "m.xmile", lambda p: None, error=ModelFileError)
