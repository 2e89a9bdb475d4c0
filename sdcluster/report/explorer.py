"""The live policy explorer: sliders for the levers, charts the model redraws in the browser.

The page is self-contained: the model runs in the browser as the JavaScript
that :mod:`sdcluster.engine.batch_js` emits from the model file (the batch
engine's own translation), and four small SVG charts are drawn by hand. No
server, no network: a Content Security Policy allows only the page's own
inline script (by its SHA-256) and styles.

:func:`explorer_block` is the markup to put into another page (the HTML
report embeds it after the decision summary); :func:`explorer_page` a whole
document; :func:`write_explorer` writes that document for
``sdcluster explore``. The page exposes ``window.sdclusterExplorer``:
``set(name, value)`` moves a slider and redraws, ``preset(name)`` applies a
scenario, ``series(name)`` and ``time()`` return the last run,
``lastRedrawMs()`` what the last run and redraw took.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdcluster.errors import ReportError, SdclusterError
from sdcluster.experiments.scenarios import Scenario, scenario_from_dict
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import refuse_overwriting_inputs, write_atomically

if TYPE_CHECKING:
    from sdcluster.studies.explorer import ExplorerModel

__all__ = [
    "ExplorerBlock",
    "content_security_policy",
    "explorer_block",
    "explorer_html",
    "explorer_page",
    "report_explorer",
    "write_explorer",
]


@dataclass(frozen=True)
class ExplorerBlock:
    """Markup of the explorer and the CSP source that allows its script.

    Attributes
    ----------
    html
        A ``<div>`` with its ``<style>`` and ``<script>``.
    script_source
        ``'sha256-...'``, for the page's ``script-src``.

    """

    html: str
    script_source: str


@functools.cache
def _asset(name: str) -> str:
    """Return a file of ``templates/`` (the explorer's style and behaviour) as text."""
    return (files("sdcluster.report") / "templates" / name).read_text(encoding="utf-8")


def _config(model: ExplorerModel) -> dict[str, object]:
    return {
        "levers": [asdict(lever) for lever in model.levers],
        "presets": [asdict(preset) for preset in model.presets],
        "charts": [asdict(chart) for chart in model.charts],
        "timeUnits": model.time_units,
        "note": (
            f"Computed in this page by {model.file_name} itself (JavaScript generated from "
            "the model file by sdcluster's batch-engine translation), without fluctuations. "
            "Dashed: the model's defaults."
        ),
    }


def _script_text(model: ExplorerModel) -> str:
    config = json.dumps(_config(model), allow_nan=False).replace("<", "\\u003c")
    # "</" only occurs inside the script's string literals (names from the model):
    # there "<\/" is the same text, and the HTML parser cannot end the script early.
    script = model.script.replace("</", "<\\/").replace("<!--", "<\\!--")
    # The page's behaviour (templates/explorer.js) runs once, on load, after CONFIG.
    return f"{script}\nconst CONFIG = {config};\n{_asset('explorer.js')}"


def explorer_block(model: ExplorerModel) -> ExplorerBlock:
    """Return the explorer's markup (a ``<div id="sdx">``, its style and script).

    The script builds the sliders and charts into the ``<div>`` when the page
    loads; put the markup once per page.
    """
    script = _script_text(model)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    markup = (
        f"<style>\n{_asset('explorer.css')}</style>\n"
        f'<div id="sdx" class="sdx" data-model="{html.escape(model.file_name)}"></div>\n'
        f"<script>{script}</script>\n"
    )
    return ExplorerBlock(html=markup, script_source=f"'sha256-{digest}'")


def content_security_policy(block: ExplorerBlock | None) -> str:
    """Return the CSP of a self-contained page, allowing the explorer's script if given."""
    scripts = f"; script-src {block.script_source}" if block is not None else ""
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'{scripts}"


def explorer_page(model: ExplorerModel) -> str:
    """Return a whole HTML document: the explorer alone."""
    block = explorer_block(model)
    title = html.escape(f"{model.file_name}: live policy explorer")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{content_security_policy(block)}">
<meta name="generator" content="sdcluster explore">
<title>{title}</title>
<style>body {{ max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }}</style>
</head>
<body>
<h1 style="font: 600 20px system-ui, sans-serif">{title}</h1>
{block.html}</body>
</html>
"""


def explorer_html(
    model_path: str | os.PathLike[str] | LoadedModel | None = None,
    scenarios: Iterable[Scenario] | None = None,
) -> str:
    """Return the explorer page of a model (the built-in one if omitted).

    Parameters
    ----------
    model_path
        A model file or a loaded model.
    scenarios
        Scenarios offered as presets (validated against the model).

    Raises
    ------
    UnsupportedConstructError
        If the model uses a construct the explorer cannot compute in the browser.

    """
    # Imported here: rendering a report without an explorer needs no engine.
    from sdcluster.studies.explorer import explorer_model

    return explorer_page(explorer_model(model_path, scenarios))


def write_explorer(
    model: LoadedModel,
    out: str | os.PathLike[str],
    scenarios: Iterable[Scenario] | None = None,
) -> Path:
    """Write the explorer page of ``model`` to ``out``, atomically; return the path.

    Raises
    ------
    ReportError
        If ``out`` is an input (the model file, a data file, a scenario file) or cannot
        be written.
    UnsupportedConstructError
        If the model uses a construct the explorer cannot compute in the browser.

    """
    chosen = tuple(scenarios or ())
    inputs = [model.path, *model.data_files.paths,
              *(Path(s.source) for s in chosen if s.source and Path(s.source).exists())]
    refuse_overwriting_inputs({"--out": out}, inputs)
    text = explorer_html(model, chosen)
    return write_atomically(out, lambda temporary: temporary.write_text(text, encoding="utf-8"),
                            what="the explorer page", error=ReportError)


def report_explorer(metadata: Mapping[str, Any]) -> ExplorerBlock | None:
    """Return the explorer of the model a report's results came from, or None.

    The model file named in the results' metadata must still be there with
    the same content (SHA-256), or the explorer would show another model
    than the report; the report's scenarios become the presets (none if they
    no longer fit the model). None, too, for a model the explorer cannot
    compute in the browser: the report is then written without it.
    """
    from sdcluster.studies.explorer import explorer_model

    path = str(metadata.get("model_path") or "")
    if not path or not Path(path).is_file():
        return None
    try:
        model = load_model(path)
        if metadata.get("model_sha256") and model.sha256 != metadata["model_sha256"]:
            return None
        return explorer_block(explorer_model(model, _report_presets(model, metadata)))
    except SdclusterError:
        return None


def _report_presets(model: LoadedModel, metadata: Mapping[str, Any]) -> tuple[Scenario, ...]:
    try:
        return tuple(scenario_from_dict(entry).validated(model)
                     for entry in metadata.get("scenarios", []))
    except (SdclusterError, TypeError, AttributeError):
        return ()
