"""The bistable test model, its analytic bifurcation points, and variants of it.

Imported by the studies tests as ``studies_support`` (a module of its own, so that it
does not clash with the other folders' conftest modules).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests import DATA

LAKE = DATA / "bifurcation_lake.mdl"

#: Parameters of tests/data/bifurcation_lake.mdl:
#: dx/dt = C u - B x + R x^2 / (H^2 + x^2), u the lever "openness".
C, B, R, H = 0.1, 0.52, 1.0, 1.0


def lever_of(x: np.ndarray | float) -> np.ndarray:
    """The lever value at which x is an equilibrium: u(x) = (B x - R x^2/(H^2+x^2)) / C."""
    x = np.asarray(x, dtype=float)
    return (B * x - R * x**2 / (H**2 + x**2)) / C


def folds() -> tuple[float, float, float, float]:
    """Return (x, u) of both folds: u'(x) = 0 <=> B (H^2 + x^2)^2 = 2 R H^2 x.

    The fold at the smaller x is where the low branch ends (formation: the
    local maximum of u(x)); the one at the larger x is where the high branch
    ends (persistence: the local minimum).
    """
    roots = np.roots([B, 0.0, 2 * B * H**2, -2 * R * H**2, B * H**4])
    real = np.sort(roots[np.abs(roots.imag) < 1e-12].real)
    real = real[real > 0]
    x_form, x_persist = float(real[0]), float(real[1])
    return x_form, float(lever_of(x_form)), x_persist, float(lever_of(x_persist))


def equilibria(u: float) -> np.ndarray:
    """Every equilibrium x >= 0 at lever u, ascending (roots of a quartic)."""
    # (C u - B x)(H^2 + x^2) + R x^2 = 0
    coefficients = [-B, C * u + R, -B * H**2, C * u * H**2]
    roots = np.roots(coefficients)
    real = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
    return real[real >= 0]


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """Write a copy of the lake model with one piece of text replaced."""
    text = LAKE.read_text()
    assert old in text, old
    path = tmp_path / f"{name}.mdl"
    path.write_text(text.replace(old, new))
    return path
