"""Helpers of the safety tests: run the command line as a user would, read its answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import netCDF4
from typer.testing import CliRunner

from sdcluster.cli.main import app
from tests import DATA

DECAY = DATA / "loops_decay.mdl"
XMILE = DATA / "engine_stocks.xmile"


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run ``sdcluster ARGS`` in-process; return the exit status, stdout and stderr."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    """Return the one ``error: ...`` line of stderr (warnings aside); fail otherwise."""
    lines = [line for line in stderr.splitlines()
             if line.strip() and not line.startswith("warning: ")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def refused(*args: str | Path) -> str:
    """Run a command that must fail with exit status 2 and one line; return the line."""
    code, _, stderr = invoke(*args)
    assert code == 2, stderr
    return one_error_line(stderr)


def sdcluster(*args: str | Path, env: dict[str, str] | None = None,
              **options: object) -> subprocess.Popen[str]:
    """Start ``sdcluster ARGS`` as a separate process (stdout and stderr piped)."""
    command = [sys.executable, "-c", "from sdcluster.cli.main import main; main()",
               *[str(a) for a in args]]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **options)  # type: ignore[call-overload]


def set_metadata(path: Path, metadata: object) -> None:
    """Replace a results file's metadata as an attacker with a netCDF library would."""
    with netCDF4.Dataset(path, "a") as stored:
        stored.setncattr("sdcluster_metadata",
                         metadata if isinstance(metadata, str) else json.dumps(metadata))


def get_metadata(path: Path) -> dict[str, object]:
    """Return a results file's metadata."""
    with netCDF4.Dataset(path) as stored:
        return dict(json.loads(stored.getncattr("sdcluster_metadata")))


def model_copy(folder: Path, source: Path = DECAY, name: str | None = None) -> Path:
    """Copy a test model into ``folder`` and return the copy."""
    target = folder / (name or source.name)
    target.write_bytes(source.read_bytes())
    return target
