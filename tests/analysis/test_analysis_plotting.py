from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from sdcluster.analysis import PHASES
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.errors import AnalysisError
from sdcluster.plotting.series import plot_entropy_balance, plot_phase_timeline, plot_scenarios
from tests.analysis.analysis_synthetic import TIME, entropy_run, stack


def ordering(t: np.ndarray) -> np.ndarray:
    return 0.85 - 0.5 * (1 - np.exp(-t / 12))


def closing(t: np.ndarray) -> np.ndarray:
    return np.where(t < 30, ordering(t), ordering(np.full_like(t, 30.0)) + 0.01 * (t - 30))


def firms(t: np.ndarray) -> np.ndarray:
    return 400 / (1 + 39 * np.exp(-0.25 * t))


def two_scenarios() -> xr.Dataset:
    closed_firms = np.where(TIME < 30, firms(TIME), firms(np.full_like(TIME, 30.0)))
    closed_firms = closed_firms * np.exp(-0.05 * np.clip(TIME - 30, 0, None))
    return stack(
        {
            "baseline": entropy_run(ordering, firms(TIME)),
            "closed": entropy_run(closing, closed_firms),
        }
    )


def renders(figure: Figure) -> bool:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    return buffer.getbuffer().nbytes > 0


def test_plot_scenarios_one_panel_per_variable_one_line_per_scenario() -> None:
    figure = plot_scenarios(two_scenarios())
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 3
    for axes in figure.axes:
        assert len(axes.get_lines()) == 2
    assert figure.axes[0].get_ylabel() == "Order Degree (Dmnl)"
    assert figure.axes[1].get_ylabel() == "Innovative Firms (firm)"
    assert figure.axes[-1].get_xlabel().startswith("Time")
    legend = figure.axes[0].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["baseline", "closed"]
    assert renders(figure)


def test_plot_scenarios_draws_ensembles_as_band() -> None:
    members = {str(k): entropy_run(ordering, firms(TIME) * (1 + 0.05 * k)) for k in range(6)}
    ds = stack({"s": stack(members, "member")}, "scenario")
    figure = plot_scenarios(ds, variables=["Innovative Firms"])
    (axes,) = figure.axes
    assert len(axes.get_lines()) == 3  # the median and the band's two edges
    assert len(axes.collections) == 1  # the 5-95 % band
    median, low, high = (line.get_ydata() for line in axes.get_lines())
    runs = ds["Innovative Firms"].values[0]
    assert np.allclose(median, np.median(runs, axis=0))
    assert np.allclose(low, np.quantile(runs, 0.05, axis=0))
    assert np.allclose(high, np.quantile(runs, 0.95, axis=0))


def test_plot_scenarios_single_run_and_errors() -> None:
    figure = plot_scenarios(entropy_run(ordering), variables=("Order Degree",))
    assert len(figure.axes[0].get_lines()) == 1
    with pytest.raises(AnalysisError, match="'Knowledge Stok'"):
        plot_scenarios(two_scenarios(), variables=("Knowledge Stok",))
    with pytest.raises(AnalysisError, match="at least one"):
        plot_scenarios(two_scenarios(), variables=())


def test_plot_entropy_balance_shades_regimes() -> None:
    figure = plot_entropy_balance(two_scenarios(), "closed")
    top, bottom = figure.axes
    # diS, deS, dS and the zero line; the ±ε band is a span from -ε to +ε.
    assert len(top.get_lines()) == 4
    assert len(bottom.get_lines()) == 4
    tolerance = AnalysisSettings().entropy_tolerance
    spans = [p.get_extents() for p in top.patches]
    assert spans and any(  # a full-width band whose height is 2ε in data units
        abs(top.transData.inverted().transform((0, e.y1))[1] - tolerance) < 1e-9
        and abs(top.transData.inverted().transform((0, e.y0))[1] + tolerance) < 1e-9
        for e in spans)
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert {"orderly regime", "balanced regime", "disorder regime"} <= set(labels)
    # Orderly while ordering, disorder after closing: at least two shaded spans.
    assert len(top.patches) >= 2
    assert "(1/Year)" in top.get_ylabel()
    assert renders(figure)


def test_plot_entropy_balance_selects_one_run() -> None:
    ds = two_scenarios()
    with pytest.raises(AnalysisError, match="closest: 'closed'"):
        plot_entropy_balance(ds, "closd")
    with pytest.raises(AnalysisError, match="scenario"):
        plot_entropy_balance(ds)
    single = plot_entropy_balance(ds.isel(scenario=0))
    assert len(single.axes) == 2


def test_plot_phase_timeline_one_bar_per_scenario() -> None:
    ds = two_scenarios()
    figure = plot_phase_timeline(ds)
    (axes,) = figure.axes
    assert [tick.get_text() for tick in axes.get_yticklabels()] == ["baseline", "closed"]
    bars = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert len(bars) >= 4  # baseline: micro, macro (, far); closed adds decline
    legend_texts = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend_texts == list(PHASES)
    assert renders(figure)


def test_plot_phase_timeline_refuses_huge_ensembles() -> None:
    members = {str(k): entropy_run(ordering) for k in range(5)}
    with pytest.raises(AnalysisError, match="max_runs=3"):
        plot_phase_timeline(stack(members, "member"), max_runs=3)


def test_plots_leave_no_pyplot_state() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_scenarios(two_scenarios())
    plot_phase_timeline(two_scenarios())
    assert plt.get_fignums() == before
    assert matplotlib.get_backend()  # any backend works; none is forced


def test_time_axes_carry_the_units_of_the_time_coordinate() -> None:
    from sdcluster.plotting.series import time_label
    from sdcluster.report.figures import plot_fan_chart

    members = xr.Dataset({"Innovative Firms": (("member", "time"), np.ones((3, TIME.size)))},
                         coords={"time": ("time", TIME, {"units": "Year"})})
    assert time_label(members) == "Time (Year)"
    assert time_label(members.drop_vars("time"), "Month") == "Time (Month)"
    assert time_label(members.drop_vars("time")) == "Time"
    fan = plot_fan_chart(members, ["Innovative Firms"])
    assert fan.axes[-1].get_xlabel() == "Time (Year)"
