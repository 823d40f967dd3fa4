"""Weight constraints: projections applied to a variable after each optimizer update.

Pass one to a layer (``kernel_constraint=``, ``bias_constraint=`` ...) or to
``add_weight(constraint=...)``.

Example:
    >>> from polykeras import constraints, ops
    >>> ops.convert_to_numpy(constraints.NonNeg()(ops.convert_to_tensor([-1.0, 2.0])))
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)


def _norms(w: Any, axis: Any) -> Any:
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales the slices along ``axis`` whose L2 norm exceeds ``max_value``.

    Example:
        >>> w = ops.convert_to_tensor([[3.0], [4.0]])
        >>> ops.convert_to_numpy(MaxNorm(max_value=1.0)(w)).round(4).ravel()
        array([0.6, 0.8], dtype=float32)
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value, self.axis = max_value, axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(norms, epsilon())))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w: Any) -> Any:
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), ops.dtype(w)))


class UnitNorm(Constraint):
    """Scales the slices along ``axis`` to unit L2 norm.

    Example:
        >>> w = ops.convert_to_tensor([[3.0], [4.0]])
        >>> ops.convert_to_numpy(UnitNorm()(w)).round(4).ravel()
        array([0.6, 0.8], dtype=float32)
    """

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        return ops.divide(w, ops.add(_norms(w, self.axis), epsilon()))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of the slices along ``axis`` into ``[min_value, max_value]``, by
    the fraction ``rate`` per application (1.0: all the way)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: Any = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = ops.add(ops.multiply(clipped, self.rate), ops.multiply(norms, 1.0 - self.rate))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, epsilon())))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_CLASSES = {cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_NAMES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "nonneg": NonNeg, "maxnorm": MaxNorm,
          "unitnorm": UnitNorm}


def serialize(constraint: Constraint | None) -> dict[str, Any] | None:
    """A Keras-3-style config dict (None for no constraint).

    Example:
        >>> serialize(MaxNorm(3))["config"]
        {'max_value': 3, 'axis': 0}
    """
    if constraint is None:
        return None
    if not isinstance(constraint, Constraint):  # a plain function: by registered name
        from polykeras.saving import serialize_object

        return serialize_object(constraint)
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Constraint:
    """The constraint that :func:`serialize` (or a name) describes."""
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown constraint {name!r}. Known: "
                         f"{', '.join(sorted(_CLASSES))}.")
    return cls.from_config(config.get("config") or {})


def get(identifier: Any) -> Any:
    """A constraint from None, a name ("non_neg"), a config dict, an instance or a
    callable ``w -> projected w``.

    Example:
        >>> type(get("unit_norm")).__name__
        'UnitNorm'
    """
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint {identifier!r}. Valid names: "
                             f"{', '.join(sorted(_NAMES))}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint {identifier!r}: expected None, a name, "
                     "a config dict, a Constraint or a callable.")


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]
