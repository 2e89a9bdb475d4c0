"""The section "The model against real clusters": the committed calibration run, read back.

Calibrating the built-in model to US metropolitan areas takes minutes per area
(``models/calibration/calibrate_areas.py``), so the report does not run it:
it reads the files that run wrote (``models/calibration/results/<area>_fit.csv``
and ``<area>_table.csv``) and says so. Every number comes from those files;
the convergence warning is computed from their R-hat values, and a warning that
the run is of an earlier model file from the model digest each ``<area>.nc``
records (``model_sha256``), so a changed model never shows an old fit as its own.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import xarray as xr

from sdcluster.model.paths import builtin_model_path, models_dir
from sdcluster.report.content import Block, Note, Paragraph, Section, Table
from sdcluster.report.fit import CLUSTER_MARK

#: R-hat above which chains are not taken as converged (Gelman et al. 2013: 1.1).
RHAT_CONVERGED = 1.1
KEY, TITLE = "real-clusters", "The model against real clusters"


def results_folder() -> Path:
    """Return where the committed calibration run keeps its files."""
    return models_dir() / "calibration" / "results"


def _area_row(fit: pd.Series, table: pd.DataFrame) -> tuple[str, ...]:
    informed = [str(n) for n, ok in zip(table["name"], table["identified"], strict=True)
                if bool(ok) and not str(n).startswith(("scale[", "sigma[", "offset["))]
    return (str(fit["series"]).replace("_", " ").title(), f"{fit['rmse_percent']:.1f}",
            f"{fit['um']:.2f}", f"{fit['us']:.2f}", f"{fit['uc']:.2f}", f"{fit['r2']:.2f}",
            f"{table['rhat'].max():.2f}", ", ".join(informed) or "none")


def builtin_model_digest() -> str | None:
    """Return the SHA-256 of the built-in model file as it is now (None if it is missing)."""
    path = builtin_model_path()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def is_builtin_model(sha256: str) -> bool:
    """Return whether a report's model is the built-in model file as it is now."""
    return builtin_model_digest() == sha256


def _diagnostics(fit_path: Path) -> dict[str, object]:
    """Return the attributes of the ``calibration_diagnostics`` group of ``<area>.nc``."""
    posterior = fit_path.with_name(fit_path.name.replace("_fit.csv", ".nc"))
    if not posterior.is_file():
        return {}
    with xr.open_dataset(posterior, group="calibration_diagnostics") as diagnostics:
        return dict(diagnostics.attrs)


def calibrated_model_digest(fit_path: Path) -> str | None:
    """Return the model digest an area's calibration recorded, or None if it has none.

    The digest (SHA-256 of the model file) is the ``model_sha256`` attribute of
    the ``calibration_diagnostics`` group of ``<area>.nc`` next to ``<area>_fit.csv``.
    """
    digest = _diagnostics(fit_path).get("model_sha256")
    return str(digest) if digest else None


def _moves_text(diagnostics: dict[str, dict[str, object]]) -> str:
    """Say which proposals the committed run used (from the spec each ``<area>.nc`` records)."""
    specs = [str(attrs.get("spec", "")) for attrs in diagnostics.values()]
    ladders = {match.groups() for spec in specs
               if (match := re.search(r"(\d+) temperatures up to (\S+?)(?:,|\s|$)", spec))}
    if specs and len(ladders) == 1 and all("temperatures up to" in spec for spec in specs):
        count, hottest = next(iter(ladders))
        moves = "differential-evolution" if all(" de moves" in s for s in specs) else "stretch"
        return (f" ({moves} moves on a parallel-tempering ladder of {count} temperatures up "
                f"to {hottest}, which carries walkers between the posterior's modes)")
    if specs and all(" de moves" in spec for spec in specs):
        return " (differential-evolution moves, which cross between the posterior's modes)"
    if specs and all(" stretch moves" in spec for spec in specs):
        return " (stretch moves)"
    return ""


def _stale_note(diagnostics: dict[str, dict[str, object]]) -> Note | None:
    """Warn when a committed calibration was run on another version of the model file."""
    current = builtin_model_digest()
    stale = sorted(area.title() for area, attrs in diagnostics.items()
                   if attrs.get("model_sha256") and attrs["model_sha256"] != current)
    if not stale:
        return None
    return Note(text=(
        f"The calibration of {', '.join(stale)} was run on an earlier version of the model file "
        "(its recorded digest differs from models/innovation_cluster.mdl's): the table describes "
        "that version, not this one. Rerun models/calibration/calibrate_areas.py."))


def real_clusters_section(model_is_builtin: bool, folder: Path | None = None) -> Section:
    """Return the section from the committed calibration files (see the module docstring)."""
    if not model_is_builtin:
        return Section(key=KEY, title=TITLE, blocks=(Note(
            text=f"the calibration to US areas is of the {CLUSTER_MARK}", kind="unavailable"),))
    folder = results_folder() if folder is None else folder
    fits = sorted(folder.glob("*_fit.csv")) if folder.is_dir() else []
    if not fits:
        return Section(key=KEY, title=TITLE, blocks=(Note(
            text=f"no calibration run found in {folder} (models/calibration/calibrate_areas.py "
                 "writes one)", kind="unavailable"),))
    # Each area's recorded diagnostics, read once: digest and sampler spec.
    diagnostics = {path.name.removesuffix("_fit.csv"): _diagnostics(path) for path in fits}
    rows, worst = [], 0.0
    for path in fits:
        fit = pd.read_csv(path).iloc[0]
        table = pd.read_csv(path.with_name(path.name.replace("_fit.csv", "_table.csv")))
        worst = max(worst, float(table["rhat"].max()))
        rows.append(_area_row(fit, table))
    blocks: list[Block] = [Paragraph(text=(
        "The built-in model calibrated to each area's share of US utility patents "
        "(2000-2015; data/uspto_patents_by_metro.csv), the model's knowledge creation times a "
        "scale standing for patents: emcee's ensemble sampler over the six levers, scale, "
        f"time offset and log-normal dispersion{_moves_text(diagnostics)}. Read from the "
        "committed run in models/calibration/results (the report does not repeat it: "
        "minutes per area); models/calibration/RESULTS.md says what each area shows."))]
    stale = _stale_note(diagnostics)
    if stale is not None:
        blocks.append(stale)
    if worst > RHAT_CONVERGED:
        blocks.append(Note(text=(
            f"The chains have not converged (largest R-hat {worst:.2f}, against "
            f"{RHAT_CONVERGED} for convergence; each area's R-hat is in the table): where "
            "it is above that, the intervals are the sampler's, not yet the posterior's. "
            "Read those rows as what the model can and cannot reproduce, not as estimates "
            "of the levers.")))
    blocks.append(Table(
        caption=("Fit of the posterior-median run per area: RMSE in % of the observed share; "
                 "Theil's split of the squared error into bias (UM), variance (US) and "
                 "covariance (UC), which sum to 1; R²; the largest R-hat; the levers the data "
                 "inform (posterior clearly narrower than the prior)"),
        columns=("area", "RMSE %", "UM", "US", "UC", "R²", "R-hat", "levers informed"),
        rows=tuple(rows), numeric=(False, True, True, True, True, True, True, False)))
    return Section(key=KEY, title=TITLE, blocks=tuple(blocks))
