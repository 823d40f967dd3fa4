"""Optimizers and learning-rate schedules, written once with ``polykeras.ops``.

Example:
    >>> from polykeras import optimizers
    >>> optimizers.get("adam").name.startswith("adam")
    True
    >>> opt = optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    >>> optimizers.deserialize(optimizers.serialize(opt)).momentum
    0.9
"""

from __future__ import annotations

from typing import Any

from polykeras.optimizers import schedules
from polykeras.optimizers.adadelta import Adadelta
from polykeras.optimizers.adafactor import Adafactor
from polykeras.optimizers.adagrad import Adagrad
from polykeras.optimizers.adam import Adam, AdamW
from polykeras.optimizers.adamax import Adamax
from polykeras.optimizers.base import Optimizer
from polykeras.optimizers.ftrl import Ftrl
from polykeras.optimizers.lamb import Lamb
from polykeras.optimizers.lion import Lion
from polykeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from polykeras.optimizers.nadam import Nadam
from polykeras.optimizers.rmsprop import RMSprop
from polykeras.optimizers.sgd import SGD

_BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "nadam": Nadam,
    "adamax": Adamax,
    "ftrl": Ftrl,
    "lion": Lion,
    "lamb": Lamb,
    "adafactor": Adafactor,
    "lossscaleoptimizer": LossScaleOptimizer,
}


def _lookup(name: str, custom_objects: dict[str, Any] | None = None) -> type[Optimizer]:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    key = name.lower().replace("_", "")
    if key not in _BY_NAME:
        raise ValueError(
            f"Unknown optimizer {name!r}. Expected one of {', '.join(_BY_NAME)} "
            "(case-insensitive), an Optimizer instance or a config dict."
        )
    return _BY_NAME[key]


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """A JSON-compatible dict describing ``optimizer`` (Keras's layout, no state).

    Example:
        >>> serialize(SGD())["class_name"]
        'SGD'
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"serialize expected an Optimizer, received {type(optimizer).__name__}: "
            f"{optimizer!r}."
        )
    return {
        "module": "polykeras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any],
                custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """A new optimizer from :func:`serialize`'s output (``{"class_name", "config"}``).

    Args:
        config: the serialized optimizer.
        custom_objects: ``{class_name: class}`` for optimizers defined by users.

    Example:
        >>> deserialize({"class_name": "Adam", "config": {"learning_rate": 0.01}}).beta_1
        0.9
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize expected a dict with 'class_name' and 'config' keys, received "
            f"{config!r}."
        )
    cls = _lookup(config["class_name"], custom_objects)
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``), a config dict or an Optimizer instance.

    A name gives the optimizer with its default arguments.

    Example:
        >>> type(get("RMSprop")).__name__
        'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(
        f"Could not interpret optimizer identifier {identifier!r} (a "
        f"{type(identifier).__name__}). Expected a name such as 'adam', an Optimizer "
        "instance or a config dict."
    )


__all__ = [
    "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb",
    "Lion", "LossScaleOptimizer", "Nadam", "Optimizer", "RMSprop",
    "deserialize", "get", "schedules", "serialize",
]
