"""Open a model file in pysimlin, in memory only; read pysimlin's lookups in PySD.

``simlin.Project.open`` keeps the project tied to its file: it autosaves edits back
into the user's model and starts a thread that re-reads the file twice a second.
sdcluster only reads models, so every use goes through :func:`load_project`.

Lookups in XMILE
----------------
pysimlin and PySD read graphical functions (lookup tables) differently, and no
spelling of a stand-alone table suits both:

- pysimlin (and its ``to_xmile`` export) keeps a stand-alone table as an
  ``<aux>`` holding a ``<gf>`` and no ``<eqn>``, and calls it with
  ``LOOKUP(table, x)``; it reads only ``<stock>``, ``<flow>``, ``<aux>`` and
  ``<module>`` variables, and aborts the process on a stand-alone ``<gf>``.
- PySD's XMILE reader needs an ``<eqn>`` in every ``<aux>``, takes a stand-alone
  table only as a ``<gf name=...>`` variable, called as ``table(x)``, and reads
  ``LOOKUP`` as its own lookup structure (a ``TypeError``). Where a ``<gf>``
  has an ``<xscale>`` it also spaces the points evenly over it, ignoring the
  ``<xpts>`` pysimlin writes beside it.

So the file stays in pysimlin's spelling and :func:`pysd_readable_lookups`
rewrites the copy PySD translates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def load_project(path: str | Path) -> Any:
    """Return the pysimlin project of a model file, loaded in memory (never written back).

    Parameters
    ----------
    path : str or Path
        A Vensim ``.mdl`` or XMILE file.

    Returns
    -------
    simlin.Project
        The project holding the file's main model.

    """
    import simlin

    project = simlin.load(Path(path)).project
    if project is None:  # simlin.load always attaches its project; guard the type
        raise RuntimeError(f"{path}: pysimlin returned a model without a project")
    return project


def pysd_readable_lookups(content: bytes) -> bytes:
    """Spell the graphical functions of an XMILE file the way PySD's reader takes them.

    In each ``<variables>`` section: an ``<aux>`` that holds a ``<gf>`` and no
    ``<eqn>`` (a stand-alone lookup table) becomes a ``<gf>`` variable with the
    same name, documentation, units and points (without pysimlin's display
    ``<yscale>``, which PySD would take for a declared range);
    ``LOOKUP(table, x)`` in an equation becomes ``table(x)``; and a ``<gf>``
    that lists its ``<xpts>`` loses its ``<xscale>``, a display range that PySD
    would otherwise space the points over. Other XMILE is returned unchanged.

    Parameters
    ----------
    content : bytes
        The XMILE file's bytes.

    Returns
    -------
    bytes
        The bytes for PySD (the user's file is never changed).

    """
    if b"<gf" not in content:
        return content

    def rewrite(match: re.Match[bytes]) -> bytes:
        body = _AUX.sub(_standalone_table, match[2])
        body = _GF.sub(_without_display_scale, body)
        body = _EQUATION.sub(_table_calls, body)
        return match[1] + body + match[3]

    return _VARIABLES.sub(rewrite, content)


def _standalone_table(match: re.Match[bytes]) -> bytes:
    attributes, body = match[1], match[2]
    table = _GF.search(body)
    if table is None or _EQUATION.search(body):
        return match[0]  # a variable, or a lookup applied to its <eqn>: PySD reads both
    # The table's own children (scales, points) join the <aux>'s name, <doc> and
    # <units>; its attributes (type="extrapolate", ...) join the name. Its
    # <yscale> goes: pysimlin writes the points' y range there for display,
    # which PySD would report as the table's declared range.
    points = _YSCALE.sub(b"", table[2])
    inside = body[: table.start()] + points + body[table.end():]
    return b"<gf" + attributes + table[1] + b">" + inside + b"</gf>"


def _without_display_scale(match: re.Match[bytes]) -> bytes:
    if b"<xpts" not in match[2]:
        return match[0]  # evenly spaced points: the <xscale> gives their x values
    return b"<gf" + match[1] + b">" + _XSCALE.sub(b"", match[2]) + b"</gf>"


def _table_calls(match: re.Match[bytes]) -> bytes:
    return match[1] + _LOOKUP_CALL.sub(rb"\1(", match[2]) + match[3]


_VARIABLES = re.compile(rb"(<variables\b[^>]*>)(.*?)(</variables>)", re.S)
# Opening tags that are not self-closing (a view's <aux .../> is not a variable).
_AUX = re.compile(rb"<aux\b([^>]*?)(?<!/)>(.*?)</aux>", re.S)
_GF = re.compile(rb"<gf\b([^>]*?)(?<!/)>(.*?)</gf>", re.S)
_XSCALE = re.compile(rb"\s*<xscale\b[^>]*?(?:/>|>.*?</xscale>)", re.S)
_YSCALE = re.compile(rb"\s*<yscale\b[^>]*?(?:/>|>.*?</yscale>)", re.S)
_EQUATION = re.compile(rb"(<eqn\b[^>]*>)(.*?)(</eqn>)", re.S)
# LOOKUP(table, x) -> table(x): the table is an identifier or a quoted name.
_LOOKUP_CALL = re.compile(rb'(?<![\w."])LOOKUP\s*\(\s*("[^"]*"|[^\s,()"]+)\s*,\s*', re.I)
