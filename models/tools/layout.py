"""Where each variable sits in the six views of the diagram (Vensim sketch coordinates).

Authoring aid for ``build_model.py``; see its docstring. Shadows (grey copies) bring a
cause that lives in another view into this one; a name may have several shadows in a
view, and an arrow starts from the one nearest its target. A shadow may also repeat a
variable of its own view where that keeps arrows short and uncrossed (a cause shared by
rows of a view, such as the entropy production rate).

The pictures (``make diagrams``) are shown about 900 px wide: keep a view within about
1050 units wide (labels then read at 12-13 px) and 1250 high.

The views are in ``layout_growth.py`` (1-3) and ``layout_order.py`` (4-6), the pieces
they are made of in ``layout_types.py``.
"""

from __future__ import annotations

from layout_growth import FIRMS, KNOWLEDGE, TECHNOLOGY
from layout_order import ENTROPY, POLICY, POWERS
from layout_types import Flow, Point, View

__all__ = ["VIEWS", "Flow", "Point", "View"]

VIEWS = [FIRMS, KNOWLEDGE, TECHNOLOGY, POWERS, ENTROPY, POLICY]
