"""The one key by which sdcluster matches model names (used by every layer)."""

from __future__ import annotations


def normalize_name(name: str) -> str:
    """Return the key used to match names: lower case, spaces and underscores merged.

    ``"Innovative Firms"``, ``"innovative_firms"``, ``"INNOVATIVE  FIRMS"``
    and the quoted Vensim spelling ``'"Innovative Firms"'`` all give
    ``"innovative firms"``; separators at either end are dropped. pysimlin's
    XMILE export and PySD's translators spell names this way, so a Vensim
    model and its XMILE twin share keys. Every name index in sdcluster
    (model variables, the batch engine, loop analysis) uses this one key.
    """
    return " ".join(name.strip().strip('"').replace("_", " ").lower().split())
