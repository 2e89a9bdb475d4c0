"""The live policy explorer: the model as JavaScript in chromium, against the Python engines."""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sdcluster.cli.explore import register
from sdcluster.cli.testing import command_app
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.run import run_scenarios
from sdcluster.experiments.inputs import step_values
from sdcluster.experiments.scenarios import Scenario, Step, load_scenarios
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.report.content import Document, Paragraph, Section
from sdcluster.report.explorer import explorer_block, report_explorer, write_explorer
from sdcluster.report.html import write_html
from sdcluster.studies.explorer import BUILTIN_CHARTS, explorer_model
from tests import DATA
from tests.report.report_support import ESCAPE_MODEL, BrowserLog, open_in_browser

BUILTIN = builtin_model_path()
#: Relative agreement required at every saved step (V8's exp and pow may differ
#: from the C library's in the last bit, so not to the bit).
RTOL = 1e-9

#: Lever settings of the built-in model, far apart.
SETTINGS: tuple[dict[str, float], ...] = (
    {},
    {"openness": 0.9, "government support": 0.8, "university cooperation": 0.1},
    {"openness": 0.1, "internal cooperation": 0.2, "technology introduction": 0.9},
)
#: Small models and a setting each: stocks, time functions, delays and smooths, lookups, logic.
SMALL_MODELS: tuple[tuple[str, dict[str, float], dict[str, Any]], ...] = (
    ("loops_logistic.mdl", {"growth rate": 0.8}, {}),
    ("engine_delays.mdl", {"delay time": 4, "pulse width": 2}, {}),
    ("lookup_population.mdl", {"capacity": 600}, {}),
    ("engine_logic.mdl", {"limit": 30}, {}),
    ("step_grid.mdl", {}, {"steps": {"growth rate": {"at": 0.9, "to": 1.0}}}),
    ("engine_smooth_n.mdl", {"smooth time": 3, "initial smooth": 0},
     {"steps": {"base": {"at": 5, "to": 20}}}),
    ("engine_delay_n.mdl", {"delay time": 3, "initial delay": 0},
     {"steps": {"base": {"at": 5, "to": 20}}}),
    ("engine_trend.mdl", {"average time": 3, "initial trend": -0.1},
     {"steps": {"average time": {"at": 5, "to": 1}}}),
    ("engine_forecast.mdl", {"average time": 3, "horizon": -1},
     {"steps": {"average time": {"at": 5, "to": 1}}}),
    ("engine_sample_if_true.mdl", {"switch time": 6.1, "initial held": -3},
     {"steps": {"threshold": {"at": 5, "to": 11}}}),
    ("engine_external.mdl", {"capacity": 60, "initial stock": 30},
     {"steps": {"demand scale": {"at": 5, "to": 2}}}),
    ("engine_delay_fixed.mdl", {"delay time": 5.1, "initial delay": -3},
     {"steps": {"base": {"at": 5, "to": 20}}}),
    ("engine_active_initial.mdl", {"initial level": -2},
     {"steps": {"growth": {"at": 5, "to": 0.6}}}),
)


def _assert_close(name: str, actual: Any, expected: Any) -> None:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    # A floor for values that cross zero (dS): relative to the series' own scale.
    scale = float(np.nanmax(np.abs(expected))) if np.isfinite(expected).any() else 0.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * 1e-3 * scale,
                               equal_nan=True, err_msg=name)


def _batch_run(batch: BatchModel, params: Mapping[str, float],
               options: Mapping[str, Any]) -> dict[str, Any]:
    """Run the batch engine as the page runs the model: steps as input series."""
    schedule = batch.schedule(options.get("finalTime"))
    inputs = {
        name: step_values(schedule.times, params.get(name, batch.default(name)),
                          Step(at=step["at"], to=step["to"]), schedule.time_step)
        for name, step in options.get("steps", {}).items()
    }
    fixed = {name: value for name, value in params.items() if name not in inputs}
    arrays = batch.run_arrays(fixed, 1, inputs=inputs or None,
                              return_variables=list(batch.variables),
                              final_time=options.get("finalTime"))
    return {"time": schedule.labels, **{name: values[0] for name, values in arrays.items()}}


def _page_run(page: Any, params: Mapping[str, float],
              options: Mapping[str, Any]) -> dict[str, Any]:
    result = page.evaluate("([p, o]) => sdclusterModel.simulate(p, o)", [dict(params),
                                                                         dict(options)])
    return {"time": result["time"], **result["series"]}


def _compare(page: Any, batch: BatchModel, params: Mapping[str, float],
             options: Mapping[str, Any]) -> float:
    """Assert the page's run equals the batch engine's; return the largest relative difference."""
    expected = _batch_run(batch, params, options)
    actual = _page_run(page, params, options)
    assert np.array_equal(np.asarray(actual["time"]), expected["time"])
    worst = 0.0
    for name in batch.variables:
        _assert_close(name, actual[name], expected[name])
        e, a = np.asarray(expected[name], dtype=float), np.asarray(actual[name], dtype=float)
        nonzero = np.abs(e) > 0
        if nonzero.any():
            worst = max(worst, float(np.max(np.abs(a - e)[nonzero] / np.abs(e[nonzero]))))
    return worst


def _no_trouble(log: BrowserLog) -> None:
    assert log.console_errors == [] and log.page_errors == [] and log.dialogs == []
    assert all(url.startswith(("file:", "data:")) for url in log.requests), log.requests


@pytest.fixture(scope="module")
def builtin_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = load_model(BUILTIN)
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    return write_explorer(model, out, load_scenarios(model))


@pytest.fixture(scope="module")
def browser(builtin_page: Path) -> Iterator[tuple[Any, BrowserLog]]:
    # One browser for the module: Playwright's sync API cannot run two at once.
    with open_in_browser(builtin_page) as opened:
        yield opened


@pytest.fixture
def browser_page(browser: tuple[Any, BrowserLog], builtin_page: Path) -> tuple[Any, BrowserLog]:
    """The built-in model's explorer, freshly loaded."""
    return _show(browser, builtin_page)


def _show(browser: tuple[Any, BrowserLog], path: Path) -> tuple[Any, BrowserLog]:
    page, log = browser
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, log


# -- the JavaScript model equals the Python engines -------------------------------------


def test_builtin_model_matches_batch_engine_at_three_settings(
        browser_page: tuple[Any, BrowserLog]) -> None:
    page, log = browser_page
    batch = BatchModel.from_file(BUILTIN)
    worst = max(_compare(page, batch, setting, {}) for setting in SETTINGS)
    assert worst < RTOL
    _no_trouble(log)


def test_builtin_model_matches_batch_engine_anywhere_in_the_lever_ranges(
        browser_page: tuple[Any, BrowserLog]) -> None:
    page, _ = browser_page
    batch = BatchModel.from_file(BUILTIN)
    levers = explorer_model(BUILTIN).levers
    rng = np.random.default_rng(13)
    for _ in range(4):
        setting = {lever.name: float(rng.uniform(lever.low, lever.high)) for lever in levers}
        assert _compare(page, batch, setting, {}) < RTOL


def test_builtin_model_matches_pysd(browser_page: tuple[Any, BrowserLog]) -> None:
    page, _ = browser_page
    setting = SETTINGS[1]
    model = load_model(BUILTIN)
    pysd = run_scenarios(model, [Scenario(name="policy", overrides=setting)]).dataset
    actual = _page_run(page, setting, {})
    np.testing.assert_array_equal(np.asarray(actual["time"]), pysd["time"].values)
    for name in (*BUILTIN_CHARTS, "Young Firms", "Entropy U", "Innovation Resources"):
        _assert_close(name, actual[name], pysd[name].sel(scenario="policy").values)


def test_builtin_model_matches_with_a_horizon_and_a_step(
        browser_page: tuple[Any, BrowserLog]) -> None:
    page, _ = browser_page
    batch = BatchModel.from_file(BUILTIN)
    options = {"finalTime": 80, "steps": {"university cooperation": {"at": 30, "to": 0.7}}}
    assert _compare(page, batch, {"openness": 0.6}, options) < RTOL


@pytest.mark.parametrize(("file", "params", "options"), SMALL_MODELS,
                         ids=[case[0] for case in SMALL_MODELS])
def test_small_models_match_batch_engine(file: str, params: dict[str, float],
                                         options: dict[str, Any], tmp_path: Path,
                                         browser: tuple[Any, BrowserLog]) -> None:
    path = DATA / file
    page, log = _show(browser, write_explorer(load_model(path), tmp_path / "explorer.html"))
    batch = BatchModel.from_file(path)
    assert _compare(page, batch, {}, {}) < RTOL
    assert _compare(page, batch, params, options) < RTOL
    _no_trouble(log)


def test_a_delay_n_time_following_a_step_is_refused_in_the_page(
        tmp_path: Path, browser: tuple[Any, BrowserLog]) -> None:
    page, _ = _show(browser, write_explorer(load_model(DATA / "engine_delay_n.mdl"),
                                            tmp_path / "explorer.html"))
    steps = {"steps": {"delay time": {"at": 5, "to": 3}}}
    with pytest.raises(Exception, match="DELAY N in 'delay n1'"):
        _page_run(page, {}, steps)
    assert len(_page_run(page, {}, {})["delay n1"]) == 41


def test_small_model_matches_pysd(tmp_path: Path, browser: tuple[Any, BrowserLog]) -> None:
    path = DATA / "engine_delays.mdl"
    model = load_model(path)
    setting = {"delay time": 4.0, "smooth time": 3.0}
    pysd = run_scenarios(model, [Scenario(name="s", overrides=setting)]).dataset
    page, log = _show(browser, write_explorer(model, tmp_path / "explorer.html"))
    actual = _page_run(page, setting, {})
    for name in pysd.data_vars:
        _assert_close(str(name), actual[str(name)], pysd[name].sel(scenario="s").values)
    _no_trouble(log)


# -- the page ---------------------------------------------------------------------------


def _plotted(page: Any, variable: str) -> str:
    return str(page.get_attribute(f'svg[data-variable="{variable}"] path.sdx-run', "d"))


def test_moving_a_slider_redraws_the_charts_with_the_new_run(
        browser_page: tuple[Any, BrowserLog]) -> None:
    page, log = browser_page
    page.evaluate("window.sdclusterExplorer.preset('')")
    assert page.locator("input[type=range]").count() == len(load_model(BUILTIN).levers)
    before = {name: _plotted(page, name) for name in BUILTIN_CHARTS}
    slider = page.locator('input[data-lever="openness"]')
    slider.fill("0.8")
    slider.dispatch_event("input")
    after = {name: _plotted(page, name) for name in BUILTIN_CHARTS}
    assert all(after[name] != before[name] for name in BUILTIN_CHARTS)
    assert page.evaluate("window.sdclusterExplorer.params().openness") == 0.8
    expected = _batch_run(BatchModel.from_file(BUILTIN), {"openness": 0.8}, {})
    for name in BUILTIN_CHARTS:
        _assert_close(name, page.evaluate("(n) => window.sdclusterExplorer.series(n)", name),
                      expected[name])
    _no_trouble(log)


def test_presets_apply_the_scenarios(browser_page: tuple[Any, BrowserLog]) -> None:
    page, log = browser_page
    batch = BatchModel.from_file(BUILTIN)
    page.click('button[data-preset="closed_cluster"]')
    assert page.get_attribute('button[data-preset="closed_cluster"]', "aria-pressed") == "true"
    assert page.input_value('input[data-lever="openness"]') == "0"
    expected = _batch_run(batch, {"openness": 0.0}, {})
    _assert_close("firms", page.evaluate("window.sdclusterExplorer.series('Innovative Firms')"),
                  expected["Innovative Firms"])
    # A preset may set constants that are not levers, and its own horizon.
    page.click('button[data-preset="closing_mature_cluster"]')
    time = page.evaluate("window.sdclusterExplorer.time()")
    assert time[-1] == 100
    expected = _batch_run(batch, {"openness step": -0.5, "openness step time": 60},
                          {"finalTime": 100})
    _assert_close("order", page.evaluate("window.sdclusterExplorer.series('Order Degree')"),
                  expected["Order Degree"])
    page.click('button[data-preset=""]')
    _no_trouble(log)


def test_redraw_time_is_measured_in_the_page(browser_page: tuple[Any, BrowserLog]) -> None:
    # Speed is the benchmark's business (bench/bench_explorer.py): only that it is measured.
    page, _ = browser_page
    elapsed = page.evaluate("""() => {
        const t0 = performance.now();
        window.sdclusterExplorer.set('openness', 0.65);
        return [performance.now() - t0, window.sdclusterExplorer.lastRedrawMs()];
    }""")
    assert all(value >= 0 for value in elapsed)
    assert "ms" in page.inner_text("#sdx .sdx-note")


def test_a_setting_that_cannot_run_is_said_in_the_page(tmp_path: Path,
                                                      browser: tuple[Any, BrowserLog]) -> None:
    page, log = _show(browser, write_explorer(load_model(DATA / "engine_delays.mdl"),
                                              tmp_path / "explorer.html"))
    before = page.evaluate("window.sdclusterExplorer.series('delay 3')")
    page.evaluate("window.sdclusterExplorer.set('delay time', 0.1)")  # < 3 * TIME STEP
    assert "cannot be run" in page.inner_text("#sdx .sdx-note")
    assert page.evaluate("window.sdclusterExplorer.series('delay 3')") == before
    _no_trouble(log)


def test_a_generic_model_charts_its_first_stocks_and_escapes_its_text(
        tmp_path: Path, browser: tuple[Any, BrowserLog]) -> None:
    spec = explorer_model(ESCAPE_MODEL)
    batch = BatchModel.from_file(ESCAPE_MODEL)
    stocks = [name for name in batch.variables if batch.info(name).kind == "stock"]
    assert [chart.name for chart in spec.charts] == stocks[:4]
    assert "</script" not in explorer_block(spec).html.split("<script>", 1)[1][:-len(
        "</script>\n")]
    page, log = _show(browser, write_explorer(load_model(ESCAPE_MODEL), tmp_path / "e.html"))
    assert page.evaluate("window.sdclusterExplorer.charts") == stocks[:4]
    _no_trouble(log)


# -- in the HTML report ---------------------------------------------------------------------


def _report_document() -> Document:
    sections = tuple(Section(key=key, title=key.title(), blocks=(Paragraph(text=f"{key} text"),))
                     for key in ("decision", "summary"))
    return Document(title="A report", subtitle="made by a test", sections=sections)


def test_the_report_embeds_the_explorer_after_the_decision_summary(
        tmp_path: Path, browser: tuple[Any, BrowserLog]) -> None:
    model = load_model(DATA / "loops_logistic.mdl")
    scenario = Scenario(name="fast", title="Fast growth", overrides={"growth rate": 0.9})
    metadata = {"model_path": str(model.path), "model_sha256": model.sha256,
                "scenarios": [scenario.to_dict()]}
    block = report_explorer(metadata)
    assert block is not None
    page_file = write_html(_report_document(), tmp_path / "report.html", explorer=block)
    text = page_file.read_text(encoding="utf-8")
    assert text.index('id="decision"') < text.index('id="explorer"') < text.index('id="summary"')
    assert f"script-src {block.script_source}" in html.unescape(text)  # an attribute's value
    page, log = _show(browser, page_file)
    page.click('button[data-preset="fast"]')
    expected = _batch_run(BatchModel.from_file(model.path), {"growth rate": 0.9}, {})
    _assert_close("Population", page.evaluate("window.sdclusterExplorer.series('Population')"),
                  expected["Population"])
    _no_trouble(log)


def test_the_report_leaves_the_explorer_out_for_a_changed_or_missing_model() -> None:
    model = load_model(DATA / "loops_logistic.mdl")
    assert report_explorer({"model_path": str(model.path), "model_sha256": "0" * 64}) is None
    assert report_explorer({"model_path": "/nonexistent/model.mdl"}) is None
    assert report_explorer({"model_path": str(DATA / "core_subscripts.mdl")}) is None


# -- the command ------------------------------------------------------------------------


def _app() -> typer.Typer:
    return command_app(register)


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args), prog_name="sdcluster")
    return result.exit_code, result.stdout, result.stderr


def test_command_help_has_an_example() -> None:
    code, out, _ = _invoke("explore", "--help")
    assert code == 0
    assert "Example" in out and "sdcluster explore" in out and "--out" in out


def test_command_writes_the_page_for_any_model(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    code, stdout, stderr = _invoke("explore", str(DATA / "lookup_population.mdl"),
                                   "--out", str(out))
    assert code == 0, stderr
    assert str(out) in stdout
    text = out.read_text(encoding="utf-8")
    assert "sdclusterModel" in text and "script-src 'sha256-" in text
    assert "birth rate" in text  # a ranged constant is a lever
    assert not list(tmp_path.glob(".page*"))  # no temporary file left


def test_command_refuses_a_construct_it_cannot_emit(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    code, _, stderr = _invoke("explore", str(DATA / "core_subscripts.mdl"), "--out", str(out))
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1
    assert stderr.startswith("error: ") and "explorer cannot compute" in stderr
    assert "subscripts" in stderr
    assert not out.exists()


def test_command_never_overwrites_the_model(tmp_path: Path) -> None:
    model = tmp_path / "model.mdl"
    model.write_bytes((DATA / "loops_logistic.mdl").read_bytes())
    code, _, stderr = _invoke("explore", str(model), "--out", str(model))
    assert code == 2, stderr
    assert model.read_bytes() == (DATA / "loops_logistic.mdl").read_bytes()
