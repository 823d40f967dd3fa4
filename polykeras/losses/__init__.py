"""Loss functions and classes (Keras 3 names, arguments and defaults).

A loss object reduces per-sample values to a scalar; the function forms return the
per-sample values.

Example:
    >>> import numpy as np
    >>> from polykeras import losses, ops
    >>> loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> float(ops.convert_to_numpy(loss(np.array([1]), np.array([[0.0, 10.0]])))) < 1e-3
    True
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample values."""

    #: The output activation this loss can fold into its logits form ("softmax"/"sigmoid").
    logits_activation: str | None = None

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid reduction {reduction!r}. Expected one of "
                f"{', '.join(repr(r) for r in _REDUCTIONS)}."
            )
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        values = self.call(y_true, y_pred)
        return reduce_weighted(values, sample_weight, self.reduction)

    def with_logits(self) -> Loss | None:
        """This loss computed from logits, or None when it has no logits form (or already
        takes logits)."""
        if self.logits_activation is None or getattr(self, "from_logits", True):
            return None
        return type(self).from_config({**self.get_config(), "from_logits": True})

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        config = {k: v for k, v in config.items() if k != "fn"}
        return cls(**config)


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def reduce_weighted(values: Any, sample_weight: Any, reduction: str | None) -> Any:
    """Apply ``sample_weight`` (broadcast over the leading axes) and the reduction."""
    if sample_weight is not None:
        sw = ops.cast(sample_weight, ops.dtype(values))
        vr, sr = len(ops.shape(values)), len(ops.shape(sw))
        if sr > vr:
            sw = ops.reshape(sw, ops.shape(values))
        elif sr < vr:
            sw = ops.reshape(sw, tuple(ops.shape(sw)) + (1,) * (vr - sr))
        values = ops.multiply(values, sw)
    if reduction in ("none", None):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide(ops.sum(values), ops.maximum(ops.sum(sw), epsilon()))
    return ops.mean(values)


def _float_target(y_true: Any, y_pred: Any) -> Any:
    dt = ops.dtype(y_pred)
    return y_true if ops.dtype(y_true) == dt else ops.cast(y_true, dt)


def _aligned(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Targets as a float tensor of the predictions' rank ((n,) against (n, 1) is fine)."""
    y_true = _float_target(ops.convert_to_tensor(y_true), y_pred)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


# ------------------------------------------------------------------ functions
def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Any:
    y_true = _float_target(ops.convert_to_tensor(y_true), y_pred)
    if label_smoothing:
        n = ops.shape(y_pred)[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Any:
    y_true = ops.convert_to_tensor(y_true)
    if len(ops.shape(y_true)) == len(ops.shape(y_pred)) and ops.shape(y_true)[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    if "int" not in ops.dtype(y_true):
        y_true = ops.cast(y_true, "int32")
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    y_true, y_pred = _aligned(y_true, y_pred)
    err = ops.abs(ops.subtract(y_pred, y_true))
    quad = ops.minimum(err, delta)
    lin = ops.subtract(err, quad)
    return ops.mean(ops.add(ops.multiply(ops.square(quad), 0.5), ops.multiply(lin, delta)), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ------------------------------------------------------------------ classes
class _SmoothedCrossentropy(Loss):
    """Shared body of the crossentropies with ``label_smoothing`` and ``axis``."""

    _function: Any = None
    _default_name = ""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(name or self._default_name, reduction, dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def call(self, y_true, y_pred):
        return type(self)._function(y_true, y_pred, self.from_logits, self.label_smoothing,
                                    self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(_SmoothedCrossentropy):
    """Crossentropy between one-hot (or soft) targets and predicted probabilities/logits."""

    logits_activation = "softmax"
    _function = staticmethod(categorical_crossentropy)
    _default_name = "categorical_crossentropy"


class BinaryCrossentropy(_SmoothedCrossentropy):
    """Crossentropy between 0/1 targets and predicted probabilities/logits."""

    logits_activation = "sigmoid"
    _function = staticmethod(binary_crossentropy)
    _default_name = "binary_crossentropy"


class SparseCategoricalCrossentropy(Loss):
    """Crossentropy between integer class labels and predicted probabilities/logits."""

    logits_activation = "softmax"

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)
        self.from_logits, self.ignore_class = from_logits, ignore_class

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


class MeanSquaredError(Loss):
    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(Loss):
    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)


class Huber(Loss):
    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LossFunctionWrapper(Loss):
    """Wraps a plain ``fn(y_true, y_pred) -> per-sample values``."""

    def __init__(self, fn: Any, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction)
        self.fn, self.fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)


_CLASSES = {cls.__name__: cls for cls in (
    CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
    MeanSquaredError, MeanAbsoluteError, Huber)}
_NAMES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
}


def serialize(loss: Any) -> Any:
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    for name, fn in _FUNCTIONS.items():
        if fn is loss:
            return name
    raise ValueError(f"Cannot serialize loss {loss!r}; register it as a custom object.")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Loss:
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = _CLASSES.get(name) or (custom_objects or {}).get(name)
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}. Known: {', '.join(sorted(_CLASSES))}.")
    return cls.from_config(config.get("config") or {})


_FUNCTIONS = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy, "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "huber": huber,
}


def get(identifier: Any) -> Loss:
    """A :class:`Loss` from a name, a config dict, a Loss instance or a function."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _NAMES.get(identifier.lower())
        if cls is not None:
            return cls()
        raise ValueError(
            f"Unknown loss {identifier!r}. Valid names: {', '.join(sorted(_NAMES))}."
        )
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        for name, fn in _FUNCTIONS.items():
            if fn is identifier:
                return _NAMES[name]()
        return LossFunctionWrapper(identifier)
    raise ValueError(
        f"Could not interpret loss {identifier!r}: expected a name ({', '.join(sorted(_NAMES))}), "
        "a Loss instance or a function (y_true, y_pred) -> per-sample loss."
    )


__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "Loss", "LossFunctionWrapper",
    "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
    "binary_crossentropy", "categorical_crossentropy", "deserialize", "get", "huber", "mae",
    "mean_absolute_error", "mean_squared_error", "mse", "reduce_weighted", "serialize",
    "sparse_categorical_crossentropy",
]
