"""The classes and functions polykeras ships, by kind, under the Keras names files use.

Files name an object by ``module`` and ``class_name`` (``"keras.layers"``, ``"Dense"``).
This module answers two questions for built-in objects: which class a (module,
class_name) pair means when loading, and which Keras module to write when saving, so
that Keras 3 reads polykeras files and polykeras reads Keras 3 files. It never imports a
module named in a file.

Example:
    >>> from polykeras.saving import builtins
    >>> builtins.find_class("Dense", "keras.layers").__name__
    'Dense'
    >>> builtins.keras_module_of(builtins.find_class("Adam", "keras.optimizers"))
    'keras.optimizers'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

#: Kinds of objects, in the order used when a file's module does not decide the kind.
KINDS = ("layers", "models", "optimizers", "losses", "metrics", "initializers",
         "regularizers", "constraints", "schedules")

#: The module Keras 3 writes for each kind.
KERAS_MODULES = {
    "layers": "keras.layers", "models": "keras", "optimizers": "keras.optimizers",
    "losses": "keras.losses", "metrics": "keras.metrics",
    "initializers": "keras.initializers", "regularizers": "keras.regularizers",
    "constraints": "keras.constraints", "schedules": "keras.optimizers.schedules", "activations": "keras.activations",
}

#: Functional models are written the way Keras 3 writes them.
FUNCTIONAL_MODULE = "keras.src.models.functional"


def _subclasses_in(module: Any, base: type, names: Any = None) -> dict[str, type]:
    table: dict[str, type] = {}
    for attr in names if names is not None else dir(module):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        if isinstance(obj, type) and issubclass(obj, base):
            table.setdefault(obj.__name__, obj)
    return table


@functools.cache
def class_tables() -> dict[str, dict[str, type]]:
    """``{kind: {class_name: class}}`` for every built-in class."""
    from polykeras import (
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        models,
        optimizers,
        regularizers,
    )
    from polykeras.layers.layer import Layer
    from polykeras.metrics.base import Metric
    from polykeras.optimizers import schedules

    layer_table = _subclasses_in(layers, Layer, layers.__all__)
    layer_table.pop("Layer", None)
    model_table = {"Sequential": models.Sequential, "Functional": models.Functional,
                   "Model": models.Model}
    return {
        "layers": layer_table,
        "models": model_table,
        "optimizers": _subclasses_in(optimizers, optimizers.Optimizer, optimizers.__all__),
        "losses": _subclasses_in(losses, losses.Loss, losses.__all__),
        "metrics": _subclasses_in(metrics, Metric, metrics.__all__),
        "initializers": _subclasses_in(initializers, initializers.Initializer,
                                       initializers.__all__),
        "regularizers": _subclasses_in(regularizers, regularizers.Regularizer),
        "constraints": _subclasses_in(constraints, constraints.Constraint, constraints.__all__),
        "schedules": _subclasses_in(schedules, schedules.LearningRateSchedule,
                                    schedules.__all__),
    }


@functools.cache
def function_tables() -> dict[str, dict[str, Callable[..., Any]]]:
    """``{kind: {name: function}}`` for built-in activations, losses and metrics."""
    from polykeras import activations, losses, metrics

    def functions(module: Any, names: Any) -> dict[str, Callable[..., Any]]:
        out = {}
        for name in names:
            obj = getattr(module, name, None)
            if callable(obj) and not isinstance(obj, type):
                out[name] = obj
        return out

    activation_names = [n for n in dir(activations) if not n.startswith("_")
                        and n not in ("get", "serialize", "deserialize", "annotations", "ops",
                                      "Any", "Callable")]
    return {
        "activations": functions(activations, activation_names),
        "losses": functions(losses, [n for n in losses.__all__ if n[0].islower()
                                     and n not in ("get", "serialize", "deserialize",
                                                   "reduce_weighted")]),
        "metrics": functions(metrics, [n for n in metrics.__all__ if n[0].islower()
                                       and n not in ("get", "serialize", "deserialize",
                                                     "resolve_accuracy")]),
    }


def kind_of_module(module: Any) -> str | None:
    """The kind a file's ``module`` string names (None when it names none)."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "polykeras", "tf_keras"):
        return None
    rest = [p for p in parts[1:] if p not in ("src", "api", "_tf_keras", "keras")]
    if not rest:
        return "models"
    head = rest[0]
    if head == "optimizers" and "schedules" in rest:
        return "schedules"
    if head in ("models", "engine", "trainers"):
        return "models"
    if head in KERAS_MODULES:
        return head
    return None


def find_class(class_name: str, module: Any = None, kind: str | None = None) -> type | None:
    """The built-in class a file names, or None.

    ``module`` (the file's module string) decides the kind when it names one; else
    ``kind`` does; else every kind is searched in :data:`KINDS` order.
    """
    tables = class_tables()
    decided = kind_of_module(module) or kind
    order = [decided] if decided in tables else []
    if decided == "models":
        order.append("layers")
    elif decided == "layers":
        order.append("models")
    if not order:
        order = list(KINDS)
    for k in order:
        cls = tables[k].get(class_name)
        if cls is not None:
            return cls
    return None


def find_function(name: str, module: Any = None, kind: str | None = None) -> Any:
    """The built-in function a file names (an activation, loss or metric), or None."""
    tables = function_tables()
    decided = kind_of_module(module) or kind
    order = [decided] if decided in tables else list(tables)
    for k in order:
        fn = tables[k].get(name)
        if fn is not None:
            return fn
    return None


def kind_of_class(cls: type) -> str | None:
    """The kind of a built-in class (None for classes polykeras does not ship)."""
    for kind, table in class_tables().items():
        if table.get(cls.__name__) is cls:
            return kind
    return None


def keras_module_of(cls: type) -> str | None:
    """The module Keras 3 writes for built-in ``cls`` (None for other classes)."""
    kind = kind_of_class(cls)
    if kind is None:
        return None
    if kind == "models" and cls.__name__ == "Functional":
        return FUNCTIONAL_MODULE
    return KERAS_MODULES[kind]


def function_name(fn: Any) -> tuple[str, str] | None:
    """``(keras module, name)`` of a built-in function, or None."""
    for kind, table in function_tables().items():
        for name, known in table.items():
            if known is fn:
                return KERAS_MODULES[kind], name
    return None
