"""The vocabulary the batch translator maps: PySD's operators, functions and what it refuses.

:mod:`sdcluster.engine.batch_translate` walks PySD's abstract syntax tree;
this module holds the tables it looks the tree's pieces up in: the
operators with PySD's precedence (:data:`OPERATORS`, from PySD's
``OperationBuilder``), the vectorized counterparts of PySD's function space
(:data:`FUNCTIONS`; the ``_h_...`` helpers are
:mod:`sdcluster.engine.batch_runtime`'s), the lookup methods the engine
implements (:data:`LOOKUP_METHODS`) and the names of the abstract structures
it does not run, for the refusal message (:data:`STRUCTURE_NAMES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

__all__ = ["FUNCTIONS", "LOOKUP_METHODS", "OPERATORS", "STRUCTURE_NAMES", "Function"]

#: PySD's operators, as ``OperationBuilder._operators_build`` writes them: (format, order).
OPERATORS: dict[str, tuple[str, int]] = {
    "^": ("%(left)s**%(right)s", 1),
    "*": ("%(left)s*%(right)s", 2),
    "/": ("%(left)s/%(right)s", 2),
    "+": ("%(left)s + %(right)s", 3),
    "-": ("%(left)s - %(right)s", 3),
    "=": ("%(left)s == %(right)s", 4),
    "<>": ("%(left)s != %(right)s", 4),
    ">=": ("%(left)s >= %(right)s", 4),
    ">": ("%(left)s > %(right)s", 4),
    "<=": ("%(left)s <= %(right)s", 4),
    "<": ("%(left)s < %(right)s", 4),
    ":NOT:": ("np.logical_not(%s)", 0),
    ":AND:": ("np.logical_and(%(left)s, %(right)s)", 0),
    ":OR:": ("np.logical_or(%(left)s, %(right)s)", 0),
    "negative": ("-%s", 3),
}


@dataclass(frozen=True)
class Function:
    """How a PySD function call is written for arrays of members.

    Attributes
    ----------
    template
        ``%``-format of the call, the arguments named ``"0"``, ``"1"``, ...
    n_args
        The numbers of arguments the function accepts.
    uses_time
        Whether the call reads ``time`` (and ``_dt``): STEP, PULSE, RAMP.

    """

    template: str
    n_args: tuple[int, ...]
    uses_time: bool = False


#: Vectorized counterparts of ``pysd.builders.python.python_functions.functionspace``.
FUNCTIONS: dict[str, Function] = {
    "pi": Function("np.pi", (0,)),
    "abs": Function("np.abs(%(0)s)", (1,)),
    "power": Function("np.power(%(0)s,%(1)s)", (2,)),
    "min": Function("np.minimum(%(0)s, %(1)s)", (2,)),
    "max": Function("np.maximum(%(0)s, %(1)s)", (2,)),
    "exp": Function("np.exp(%(0)s)", (1,)),
    "sin": Function("np.sin(%(0)s)", (1,)),
    "cos": Function("np.cos(%(0)s)", (1,)),
    "tan": Function("np.tan(%(0)s)", (1,)),
    "arcsin": Function("np.arcsin(%(0)s)", (1,)),
    "arccos": Function("np.arccos(%(0)s)", (1,)),
    "arctan": Function("np.arctan(%(0)s)", (1,)),
    "sinh": Function("np.sinh(%(0)s)", (1,)),
    "cosh": Function("np.cosh(%(0)s)", (1,)),
    "tanh": Function("np.tanh(%(0)s)", (1,)),
    "sqrt": Function("np.sqrt(%(0)s)", (1,)),
    "ln": Function("np.log(%(0)s)", (1,)),
    "log": Function("(np.log(%(0)s)/np.log(%(1)s))", (2,)),
    "if_then_else": Function("_h_if_then_else(%(0)s, %(1)s, %(2)s)", (3,)),
    "xidz": Function("_h_xidz(%(0)s, %(1)s, %(2)s)", (3,)),
    "zidz": Function("_h_zidz(%(0)s, %(1)s)", (2,)),
    "integer": Function("_h_integer(%(0)s)", (1,)),
    "quantum": Function("_h_quantum(%(0)s, %(1)s)", (2,)),
    "modulo": Function("_h_modulo(%(0)s, %(1)s)", (2,)),
    "step": Function("_h_step(time, _dt, %(0)s, %(1)s)", (2,), uses_time=True),
    "ramp": Function("_h_ramp(time, %(0)s, %(1)s, %(2)s)", (3,), uses_time=True),
    "Xramp": Function("_h_ramp(time, %(0)s, %(1)s)", (2,), uses_time=True),
    "pulse": Function("_h_pulse(time, _dt, %(0)s, width=%(1)s)", (2,), uses_time=True),
    "Xpulse": Function("_h_pulse(time, _dt, %(0)s, magnitude=%(1)s)", (2,), uses_time=True),
    "pulse_train": Function(
        "_h_pulse(time, _dt, %(0)s, repeat_time=%(1)s, width=%(2)s, end=%(3)s)",
        (4,),
        uses_time=True,
    ),
    "Xpulse_train": Function(
        "_h_pulse(time, _dt, %(0)s, repeat_time=%(1)s, magnitude=%(2)s)", (3,), uses_time=True
    ),
}

#: Names for the refusal message, by abstract structure.
STRUCTURE_NAMES: dict[type, str] = {
    ae.AllocateAvailableStructure: "ALLOCATE AVAILABLE",
    ae.AllocateByPriorityStructure: "ALLOCATE BY PRIORITY",
    ae.SubscriptsReferenceStructure: "subscripts",
    np.ndarray: "subscripts (array constants)",
    str: "string literals",
}

#: PySD's interpolation methods of lookup tables that the engine runs.
LOOKUP_METHODS = ("interpolate", "extrapolate", "hold_backward")
