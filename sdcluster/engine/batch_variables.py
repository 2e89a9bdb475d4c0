"""The batch engine's view of a loaded model's variables and clock.

The engine's plan travels to worker processes, and a
:class:`~sdcluster.model.loaded.LoadedModel` (which holds a live PySD model)
cannot: so the plan carries a :class:`VariableInfo` per variable, made here
from the loaded model's :class:`~sdcluster.model.loaded.Variable` and nowhere
else. Kinds are the loaded model's (``stock``, ``flow``, ``auxiliary``,
``constant``); the four control variables, which the loaded model keeps as its
clock (:class:`~sdcluster.model.loaded.TimeSettings`) rather than as
variables, are of kind ``control``, known by their names; a DATA variable
(``data``) is a series of TIME the plan holds as PySD loaded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sdcluster.errors import UnsupportedConstructError
from sdcluster.model.loaded import LoadedModel

VariableKind = Literal["stock", "flow", "auxiliary", "constant", "data", "control"]

#: PySD's python names of the four control variables.
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")


@dataclass(frozen=True)
class VariableInfo:
    """A model variable as users see it (names, units, documentation), and its node.

    Attributes
    ----------
    vensim_name, python_name
        The name in the model file and PySD's Python name.
    node
        The node of the generated code that holds its value.
    kind
        The loaded model's kind, or ``"control"`` for INITIAL TIME, FINAL
        TIME, TIME STEP and SAVEPER.
    units, documentation
        As the loaded model states them (a control variable has the clock's
        time units).
    limits
        The declared range; ``None`` for an open bound.

    """

    vensim_name: str
    python_name: str
    node: str
    kind: VariableKind
    units: str
    documentation: str
    limits: tuple[float | None, float | None]


def variable_info(model: LoadedModel, element: Any, identifier: str, node: str) -> VariableInfo:
    """Describe the abstract model's ``element`` (PySD name ``identifier``) as ``model`` does.

    Raises
    ------
    UnsupportedConstructError
        If the loaded model gives the variable a kind the engine does not run
        (``lookup``).

    """
    if identifier in CONTROL_NAMES:
        return VariableInfo(
            vensim_name=str(element.name),
            python_name=identifier,
            node=node,
            kind="control",
            units=model.time.units,
            documentation=str(element.documentation or "").strip(),
            limits=(None, None),
        )
    variable = model.variable(str(element.name))
    if variable.kind not in get_args(VariableKind):
        raise UnsupportedConstructError(
            f"not supported by the vectorized engine: {variable.kind} variables in "
            f"{variable.name!r} (model {model.path.name}); run it with the PySD runner instead"
        )
    return VariableInfo(
        vensim_name=variable.name,
        python_name=variable.python_name,
        node=node,
        kind=variable.kind,  # type: ignore[arg-type]  # checked above
        units=variable.units,
        documentation=variable.documentation,
        limits=variable.range or (None, None),
    )


def clock_values(model: LoadedModel) -> dict[str, float]:
    """Return the control variables' values by node: the loaded model's clock.

    The clock includes what the file states outside PySD's reach, such as an
    XMILE file's save interval.
    """
    time = model.time
    return {
        "v_initial_time": time.initial_time,
        "v_final_time": time.final_time,
        "v_time_step": time.time_step,
        "v_saveper": time.saveper,
    }
