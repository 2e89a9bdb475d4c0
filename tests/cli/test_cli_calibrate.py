"""The ``calibrate`` command, run in-process on an app of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sdcluster.cli.calibrate import OUTPUT_FILES, parse_map, register
from sdcluster.cli.testing import command_app
from sdcluster.engine.batch import BatchModel
from sdcluster.errors import ScenarioError
from sdcluster.studies import calibration_posterior as posterior
from tests import DATA

LOGISTIC = str(DATA / "calibration_logistic.mdl")


def _app() -> typer.Typer:
    return command_app(register)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return _app()


@pytest.fixture(scope="module")
def observations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    batch = BatchModel.from_file(LOGISTIC)
    run = batch.run_arrays({}, 1, return_variables=["Population"], final_time=20)
    clean = run["Population"][0]  # saved every year, 0..20
    noisy = clean * np.exp(0.05 * np.random.default_rng(4).standard_normal(clean.size))
    path = tmp_path_factory.mktemp("data") / "obs.csv"
    pd.DataFrame({"year": 2000 + np.arange(21), "population": noisy,
                  "area": "somewhere"}).to_csv(path, index=False)
    return path


def _invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), prog_name="sdcluster")
    return result.exit_code, result.stdout, result.stderr


def _base(observations: Path, out: Path) -> list[str]:
    return ["calibrate", LOGISTIC, "--data", str(observations), "--time-column", "year",
            "--map", "Population=population@2000", "--param", "growth rate",
            "--param", "capacity=200:3000", "--walkers", "12", "--steps", "400",
            "--seed", "3", "-O", str(out)]


def test_registered_once_with_help_and_example(app: typer.Typer) -> None:
    assert [c.name for c in app.registered_commands] == ["calibrate"]
    code, out, _ = _invoke(app, "calibrate", "--help")
    assert code == 0
    assert "Example" in out and "sdcluster calibrate" in out
    assert "--map" in out and "--param" in out and "--out" in out


def test_calibrates_and_writes_every_output_in_the_folder(
        app: typer.Typer, observations: Path, tmp_path: Path) -> None:
    import arviz as az

    out = tmp_path / "fit"
    code, text, err = _invoke(app, *_base(observations, out))
    assert code == 0, err
    assert "calibration to" in text and "sampled 400 steps x 12 walkers" in text
    assert "growth rate" in text and "capacity" in text and "sigma[population]" in text
    assert "Theil" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    table = pd.read_csv(out / "posterior_table.csv").set_index("name")
    assert table.loc["growth rate", "q05"] <= 0.5 <= table.loc["growth rate", "q95"]
    assert table.loc["capacity", "q05"] <= 1000 <= table.loc["capacity", "q95"]
    fit = pd.read_csv(out / "fit.csv")
    assert fit.loc[0, "um"] + fit.loc[0, "us"] + fit.loc[0, "uc"] == pytest.approx(1.0)
    assert az.from_netcdf(out / "posterior.nc").posterior.sizes == {"chain": 12, "draw": 200}
    for figure in ("predictive.png", "pairs.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / figure).stat().st_size > 10_000
    assert list(tmp_path.iterdir()) == [out]  # nothing written beside the folder


def test_same_seed_writes_the_same_posterior_table(
        app: typer.Typer, observations: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        args = _base(observations, folder)
        args[args.index("--steps") + 1] = "60"
        assert _invoke(app, *args)[0] == 0
    assert (first / "posterior_table.csv").read_bytes() == \
        (second / "posterior_table.csv").read_bytes()


@pytest.mark.parametrize(("change", "message"), [
    (("--map", "Population=populaton@2000"), "closest: 'population'"),
    (("--map", "Populaton=population@2000"), "no variable 'Populaton'"),
    (("--map", "Population"), "expected 'MODEL VARIABLE=column[*scale][@offset]'"),
    (("--map", "Population=population*x@2000"), "expected a number, got 'x'"),
    (("--param", "capacity=1:2:3"), "expected a number"),
    (("--time-column", "yr"), "time column 'yr' is not in the observations"),
    (("--walkers", "3"), "walkers = 3; expected an even number"),
    (("--likelihood", "poisson"), "--likelihood 'poisson': expected one of lognormal, negbinom"),
    (("--temperatures", "0"), "--temperatures"),
    (("--max-temperature", "1"), "max_temperature = 1.0; expected a finite number above 1"),
])
def test_user_errors_are_one_line_with_status_2(
        app: typer.Typer, observations: Path, tmp_path: Path,
        change: tuple[str, str], message: str) -> None:
    args = _base(observations, tmp_path / "out")
    option, value = change
    if option in ("--map", "--time-column", "--walkers"):
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    code, _, err = _invoke(app, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_temperatures_run_a_tempered_ladder_and_say_so(
        app: typer.Typer, observations: Path, tmp_path: Path) -> None:
    args = _base(observations, tmp_path / "hot")
    args[args.index("--steps") + 1] = "40"
    code, text, err = _invoke(app, *args, "--temperatures", "3", "--max-temperature", "50")
    assert code == 0, err
    assert "3 temperatures up to 50" in text  # the spec, before sampling
    assert "parallel tempering: 3 temperatures up to 50; swap acceptance" in text


def test_missing_data_file_and_option(app: typer.Typer, tmp_path: Path) -> None:
    code, _, err = _invoke(app, "calibrate", LOGISTIC, "--data", str(tmp_path / "none.csv"),
                           "--map", "Population=population", "-O", str(tmp_path / "out"))
    assert code == 2 and "none.csv: no such file" in err and err.count("\n") == 1
    code, _, err = _invoke(app, "calibrate", LOGISTIC, "--map", "Population=population")
    assert code == 2 and "--data" in err


def test_never_overwrites_the_data_or_writes_outside_the_folder(
        app: typer.Typer, observations: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    inside = out / "fit.csv"
    inside.write_bytes(observations.read_bytes())
    args = _base(inside, out)
    code, _, err = _invoke(app, *args)
    assert code == 2 and "is the input file" in err
    assert inside.read_bytes() == observations.read_bytes()
    as_file = tmp_path / "a_file"
    as_file.write_text("x")
    code, _, err = _invoke(app, *_base(observations, as_file))
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = _invoke(app, *_base(observations, tmp_path / "no" / "such"))
    assert code == 2 and "does not exist" in err


def test_ctrl_c_saves_what_was_sampled_and_exits_130(
        app: typer.Typer, observations: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = posterior.Posterior.__call__

    def interrupting(self: object, theta: np.ndarray) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 1 + 2 * 40 + 1:
            raise KeyboardInterrupt
        return original(self, theta)  # type: ignore[arg-type]

    monkeypatch.setattr(posterior.Posterior, "__call__", interrupting)
    out = tmp_path / "out"
    code, text, err = _invoke(app, *_base(observations, out))
    assert code == 130
    assert "interrupted after 40 steps" in text
    assert "interrupted: the outputs hold the 40 steps sampled" in err
    assert "emcee: Exception" not in text + err
    assert (out / "posterior.nc").exists() and (out / "pairs.png").exists()


def test_parse_map() -> None:
    plain = parse_map("knowledge creation = patents")
    assert (plain.variable, plain.column, plain.scale, plain.scale_prior) == (
        "knowledge creation", "patents", 1.0, None)
    fixed = parse_map("knowledge creation=patents*0.5@2000")
    assert (fixed.scale, fixed.time_offset, fixed.offset_prior) == (0.5, 2000.0, None)
    estimated = parse_map("knowledge creation=share*1e-5:1e-2@1995:2005")
    assert estimated.scale_prior == (1e-5, 1e-2)
    assert estimated.offset_prior == (1995.0, 2005.0)
    with pytest.raises(ScenarioError, match="--map 'x=': expected"):
        parse_map("x=")
