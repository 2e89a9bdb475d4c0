"""Convert a Vensim model to its XMILE twin.

Run as ``python -m sdcluster.tools.mdl_to_xmile IN.mdl OUT.xmile``.

pysimlin does the conversion (``simlin.load(mdl).project.to_xmile()``); this
tool then repairs what the export loses, so PySD reads the twin like the
original:

- variable names: pysimlin writes ``innovative_firms``; we restore the Vensim
  spelling (``Innovative Firms``), which XMILE allows and which PySD and
  pysimlin match case- and underscore-insensitively in equations;
- ranges: each variable gets ``<range min= max=>`` from its Vensim range
  (PySD's XMILE reader reads it; an open bound is written as ``inf``);
- documentation: pysimlin keeps Vensim's line continuations in ``<doc>``; we
  write each comment as the Vensim reader joins it;
- the save interval: ``isee:save_interval`` on ``<sim_specs>`` is set to the
  Vensim SAVEPER.

Lookup tables stay in pysimlin's spelling (a stand-alone table is an ``<aux>``
holding a ``<gf>``, called with ``LOOKUP``), the only one pysimlin reads back;
PySD reads them through :func:`sdcluster.model.simlin_io.pysd_readable_lookups`.

The output is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from sdcluster.errors import ModelFileError, SdclusterError
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.simlin_io import load_project
from sdcluster.model.variables import Variable
from sdcluster.names import normalize_name
from sdcluster.results.atomic import write_atomically

XMILE_NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
ISEE_NS = "http://iseesystems.com/XMILE"
SIMLIN_NS = "https://simlin.com/XMILE/v1.0"

USAGE = """usage: python -m sdcluster.tools.mdl_to_xmile IN.mdl OUT.xmile

Write the XMILE twin of a Vensim model (names, ranges and save interval kept).
example: python -m sdcluster.tools.mdl_to_xmile models/innovation_cluster.mdl \\
    models/innovation_cluster.xmile"""


def xmile_from_mdl(mdl_path: str | os.PathLike[str], xmile_path: str | os.PathLike[str]) -> Path:
    """Write the XMILE twin of a Vensim model.

    Parameters
    ----------
    mdl_path : str or PathLike
        The Vensim model.
    xmile_path : str or PathLike
        Where to write the XMILE file (replaced atomically).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ModelFileError
        If the Vensim file cannot be read or converted, or the output
        cannot be written.

    """
    source, target = Path(mdl_path), Path(xmile_path)
    model = load_model(source)  # validates the file and gives names, ranges, SAVEPER
    root = ElementTree.fromstring(_simlin_xmile(source))
    _restore_names_and_ranges(root, model)
    _set_save_interval(root, model)
    content = _serialise(root)
    write_atomically(target, lambda path: path.write_bytes(content), what="the XMILE file",
                     error=ModelFileError)
    return target


def _simlin_xmile(source: Path) -> bytes:
    try:
        exported = load_project(source).to_xmile()
    except Exception as error:
        raise ModelFileError(f"{source}: pysimlin cannot convert this model: {error}") from None
    return exported if isinstance(exported, bytes) else str(exported).encode("utf-8")


def _tag(local: str) -> str:
    return f"{{{XMILE_NS}}}{local}"


def _restore_names_and_ranges(root: ElementTree.Element, model: LoadedModel) -> None:
    by_key = {normalize_name(v.name): v for v in model.variables.values()}
    for variables in root.iter(_tag("variables")):
        for element in variables:
            variable = by_key.get(normalize_name(element.get("name", "")))
            if variable is None:
                continue
            element.set("name", variable.name)
            _set_documentation(element, variable)
            _set_range(element, variable)
            _restore_flow_references(element, by_key)


def _restore_flow_references(element: ElementTree.Element, by_key: dict[str, Variable]) -> None:
    # pysimlin writes a stock's <inflow>/<outflow> as "dis k"; XMILE (and PySD's
    # reader) need an identifier, so write the Vensim spelling with underscores.
    for tag in ("inflow", "outflow"):
        for reference in element.findall(_tag(tag)):
            flow = by_key.get(normalize_name(reference.text or ""))
            if flow is not None:
                reference.text = flow.name.replace(" ", "_")


def _set_documentation(element: ElementTree.Element, variable: Variable) -> None:
    # pysimlin keeps Vensim's line continuations (a backslash, a new line) inside
    # <doc>; write the comment as the Vensim reader joins it.
    doc = element.find(_tag("doc"))
    if doc is not None:
        doc.text = variable.documentation


def _set_range(element: ElementTree.Element, variable: Variable) -> None:
    for old in element.findall(_tag("range")):
        element.remove(old)
    if variable.range is None:
        return
    low, high = variable.range
    range_element = ElementTree.Element(_tag("range"), {
        "min": "-inf" if low is None else repr(low),
        "max": "inf" if high is None else repr(high),
    })
    units = element.find(_tag("units"))
    children = list(element)
    position = children.index(units) + 1 if units is not None else len(children)
    element.insert(position, range_element)


def _set_save_interval(root: ElementTree.Element, model: LoadedModel) -> None:
    sim_specs = root.find(_tag("sim_specs"))
    if sim_specs is None:
        raise ModelFileError(f"{model.path}: pysimlin's XMILE export has no <sim_specs>")
    sim_specs.set(f"{{{ISEE_NS}}}save_interval", repr(model.time.saveper))


def _serialise(root: ElementTree.Element) -> bytes:
    ElementTree.register_namespace("", XMILE_NS)
    ElementTree.register_namespace("isee", ISEE_NS)
    ElementTree.register_namespace("simlin", SIMLIN_NS)
    ElementTree.indent(root, space="    ")
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def main(argv: list[str] | None = None) -> int:
    """Run the converter from the command line; return the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(arguments) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        written = xmile_from_mdl(arguments[0], arguments[1])
    except SdclusterError as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)  # one line
        return 2
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
