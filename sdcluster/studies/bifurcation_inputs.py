"""What a bifurcation study sets in a model: the lever, the initial state and the noise.

The batch engine sets constants per member but has no way to override a
stock's initial value directly: a stock's INTEG initial value is an
expression evaluated once at the start. So the initial state of a stock is set
through the *constant its INTEG initial value refers to* (``Innovative Firms =
INTEG(..., initial firms)`` is set through ``initial firms``). When the
initial value is not a plain constant (a literal such as ``INTEG(..., 10)``
or an expression), :func:`initial_setting` raises
:class:`~sdcluster.errors.AnalysisError` saying so. When the constant also
enters the model's equations beyond initial values (e.g. a normalisation by
the initial size), setting it would change the dynamics, not only the start,
and it raises too unless the caller allows it.

Fluctuations come from exogenous white-noise inputs (constants named like
``white noise input``) that Python feeds (:mod:`sdcluster.experiments.noise`); their
amplitude is a constant such as ``noise sd`` that multiplies them in the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_plan import Plan
from sdcluster.errors import AnalysisError, UnknownVariableError, closest_names, with_article
from sdcluster.names import normalize_name

__all__ = [
    "InitialSetting",
    "find_constant",
    "find_stock",
    "find_variable",
    "initial_setting",
    "noise_inputs",
    "noise_parameters",
]

#: Normalised name fragment that marks a white-noise input constant.
NOISE_INPUT_MARK = "white noise"
#: Name fragments (after "noise") that mark a noise-amplitude constant.
_AMPLITUDE_WORDS = ("sd", "amplitude", "sigma", "standard deviation", "std", "intensity",
                    "volatility")


@dataclass(frozen=True, kw_only=True)
class InitialSetting:
    """How the initial value of a stock is set.

    Attributes
    ----------
    stock : str
        The stock's model name.
    constant : str
        The constant its INTEG initial value refers to; the study sets it per member.
    default : float
        The model's value of ``constant`` (the stock's default initial value).
    also_sets : tuple of str
        Other stocks whose initial values the constant enters as well.

    """

    stock: str
    constant: str
    default: float
    also_sets: tuple[str, ...]


def _unknown(model: BatchModel, name: str, what: str, candidates: Sequence[str]) -> str:
    close = closest_names(name, candidates) or list(candidates)[:3]
    hint = f"; closest {what}s: {', '.join(map(repr, close))}" if close else f"; it has no {what}s"
    return f"{model.path.name}: no {what} {name!r}{hint}"


def _lookup(model: BatchModel, name: str, what: str, candidates: Sequence[str]) -> str:
    """Return the model name of ``name`` if it is one of ``candidates``."""
    try:
        info = model.info(name)
    except UnknownVariableError:
        raise UnknownVariableError(_unknown(model, name, what, candidates)) from None
    if info.vensim_name not in candidates:
        raise UnknownVariableError(
            f"{_unknown(model, name, what, candidates)} "
            f"({info.vensim_name!r} is {with_article(info.kind)})"
        )
    return info.vensim_name


def find_constant(model: BatchModel, name: str, what: str = "constant") -> str:
    """Return the model name of a constant, or raise naming the closest constants.

    Raises
    ------
    UnknownVariableError
        If ``name`` is not a constant of the model (the message names the closest ones).

    """
    return _lookup(model, name, what, model.parameters)


def _stocks(model: BatchModel) -> tuple[str, ...]:
    return tuple(info.vensim_name for info in model.plan.variables if info.kind == "stock")


def find_stock(model: BatchModel, name: str) -> str:
    """Return the model name of a stock, or raise naming the closest stocks.

    Raises
    ------
    UnknownVariableError
        If ``name`` is not a stock of the model.

    """
    return _lookup(model, name, "stock", _stocks(model))


def find_variable(model: BatchModel, name: str) -> str:
    """Return the model name of any variable, or raise naming the closest ones.

    Raises
    ------
    UnknownVariableError
        If no variable has that name.

    """
    return _lookup(model, name, "variable", model.variables)


def _node_names(plan: Plan) -> dict[str, str]:
    return {info.node: info.vensim_name for info in plan.variables}


def _initial_argument(plan: Plan, stock: str) -> str:
    for state in plan.states:
        if state.element == stock and state.kind == "integ":
            return state.initial
    raise AnalysisError(f"{Path(plan.source_path).name}: {stock!r} is not defined by INTEG; "
                        "cannot set its initial value")


def _constant_of(plan: Plan, stock: str) -> str:
    """Return the node of the constant a stock's initial value is, or raise."""
    node = plan.nodes[_initial_argument(plan, stock)]
    target = node.expr.strip()
    if node.deps == frozenset({target}) and plan.nodes[target].kind == "param":
        return target
    raise AnalysisError(
        f"{Path(plan.source_path).name}: cannot set the initial value of {stock!r}: the batch "
        "engine cannot override a stock's initial value, and its INTEG initial value "
        f"({node.expr!r}) is not a constant it could set instead; give the stock an "
        f"initial-value constant (e.g. 'initial {stock.lower()}') and use it as the initial value"
    )


def _consumers(plan: Plan) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for node in plan.nodes.values():
        for dep in node.deps:
            users.setdefault(dep, []).append(node.name)
    return users


def _reach(plan: Plan, start: str) -> set[str]:
    """Nodes reached from ``start`` without passing through stocks' initial values."""
    initials = {state.initial for state in plan.states}
    users = _consumers(plan)
    seen: set[str] = set()
    todo = [start]
    while todo:
        for user in users.get(todo.pop(), []):
            if user not in seen:
                seen.add(user)
                if user not in initials:
                    todo.append(user)
    return seen


def _dynamic_users(plan: Plan, reached: set[str]) -> list[str]:
    """Model variables among ``reached`` that enter a flow, a delay or a smoothing time."""
    dynamic = {arg for state in plan.states for arg in (state.flow, state.time) if arg}
    if not reached & dynamic:
        return []
    names = _node_names(plan)
    return sorted({names[node] for node in reached if node in names}) or ["(its flows)"]


def initial_setting(model: BatchModel, stock: str, *,
                    allow_side_effects: bool = False) -> InitialSetting:
    """Return how to set the initial value of ``stock`` (see the module docstring).

    Parameters
    ----------
    model : BatchModel
        The model.
    stock : str
        A stock of the model.
    allow_side_effects : bool
        Accept an initial-value constant that also enters the model's
        equations beyond initial values.

    Raises
    ------
    UnknownVariableError
        If ``stock`` is not a stock.
    AnalysisError
        If the stock's initial value is not a constant, or the constant also
        changes the dynamics and ``allow_side_effects`` is false.

    """
    name = find_stock(model, stock)
    plan = model.plan
    node = _constant_of(plan, name)
    reached = _reach(plan, node)
    users = _dynamic_users(plan, reached)
    constant = _node_names(plan)[node]
    if users and not allow_side_effects:
        raise AnalysisError(
            f"{model.path.name}: the initial value of {name!r} is the constant {constant!r}, "
            f"which also enters {', '.join(map(repr, users[:5]))}: setting it would change the "
            "dynamics, not only the start (allow_side_effects=True accepts this)"
        )
    also = tuple(state.element for state in plan.states
                 if state.initial in reached and state.element != name)
    return InitialSetting(stock=name, constant=constant, default=model.default(constant),
                          also_sets=also)


def _matching(names: Iterable[str], test: Callable[[str], bool]) -> tuple[str, ...]:
    return tuple(name for name in names if test(normalize_name(name)))


def noise_inputs(model: BatchModel, names: Sequence[str] | None = None) -> tuple[str, ...]:
    """Return the white-noise input constants: ``names`` checked, or those named "white noise ...".

    Raises
    ------
    UnknownVariableError
        If a given name is not a constant.
    AnalysisError
        If none are given and the model has no constant named like ``white noise input``.

    """
    if names:
        return tuple(find_constant(model, name, "constant") for name in names)
    found = _matching(model.parameters, lambda key: NOISE_INPUT_MARK in key)
    if not found:
        raise AnalysisError(
            f"{model.path.name}: no white-noise input (a constant named like 'white noise "
            "input' that Python feeds); the take-off probability needs one, or no noise levels"
        )
    return found


def _is_amplitude(key: str) -> bool:
    if "noise" not in key or NOISE_INPUT_MARK in key:
        return False
    words = key.replace("noise", " ", 1).split()
    text = " ".join(words)
    return any(word in words or (" " in word and word in text) for word in _AMPLITUDE_WORDS)


def noise_parameters(model: BatchModel,
                     names: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """Return the constants that set the noise amplitude.

    Parameters
    ----------
    model : BatchModel
        The model.
    names : str or sequence of str, optional
        The constants; by default every constant named like ``noise sd``,
        ``noise amplitude``, ``spin-off noise sigma`` and so on.

    Raises
    ------
    UnknownVariableError
        If a given name is not a constant.
    AnalysisError
        If none are given and the model has no such constant.

    """
    if isinstance(names, str):
        names = [names]
    if names:
        return tuple(find_constant(model, name, "constant") for name in names)
    found = _matching(model.parameters, _is_amplitude)
    if not found:
        raise AnalysisError(
            f"{model.path.name}: no noise-amplitude constant (named like 'noise sd' or 'noise "
            "amplitude'); name it with noise_parameter"
        )
    return found
