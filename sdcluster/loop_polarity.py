"""Names shared by everything that handles feedback loops: polarities and the loop dimension.

A module of constants only, so that pure analysis can use them without
importing the code that reads model files (:mod:`sdcluster.model.causal_loops`).
"""

from __future__ import annotations

REINFORCING = "reinforcing"
BALANCING = "balancing"
UNDETERMINED = "undetermined"
#: Dimension along which arrays of loop scores list the loops (ids ``L1``, ...).
LOOP_DIM = "loop"
