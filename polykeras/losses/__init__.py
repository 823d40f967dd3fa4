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

from polykeras.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from polykeras.losses.loss import Loss, LossFunctionWrapper, reduce_weighted
from polykeras.losses.overlap import Circle, Dice, Tversky, circle, dice, tversky
from polykeras.losses.probabilistic import (
    CTC,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    ctc,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from polykeras.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy

#: Each built-in function and the class that reduces it.
_PAIRS: tuple[tuple[Any, type[Loss]], ...] = (
    (binary_crossentropy, BinaryCrossentropy),
    (binary_focal_crossentropy, BinaryFocalCrossentropy),
    (categorical_crossentropy, CategoricalCrossentropy),
    (categorical_focal_crossentropy, CategoricalFocalCrossentropy),
    (categorical_generalized_cross_entropy, CategoricalGeneralizedCrossEntropy),
    (sparse_categorical_crossentropy, SparseCategoricalCrossentropy),
    (kl_divergence, KLDivergence), (poisson, Poisson), (ctc, CTC),
    (mean_squared_error, MeanSquaredError), (mean_absolute_error, MeanAbsoluteError),
    (mean_absolute_percentage_error, MeanAbsolutePercentageError),
    (mean_squared_logarithmic_error, MeanSquaredLogarithmicError),
    (cosine_similarity, CosineSimilarity), (huber, Huber), (log_cosh, LogCosh),
    (hinge, Hinge), (squared_hinge, SquaredHinge), (categorical_hinge, CategoricalHinge),
    (dice, Dice), (tversky, Tversky), (circle, Circle),
)
_CLASSES: dict[str, type[Loss]] = {cls.__name__: cls for _, cls in _PAIRS}
_FUNCTIONS: dict[str, Any] = {fn.__name__: fn for fn, _ in _PAIRS}
_NAMES: dict[str, type[Loss]] = {
    **{fn.__name__: cls for fn, cls in _PAIRS},
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "kld": KLDivergence, "bce": BinaryCrossentropy,
    "huber_loss": Huber, "logcosh": LogCosh,
}


def serialize(loss: Any) -> Any:
    """A Keras-3-style config dict for a built-in Loss, or the name of a loss function.

    Example:
        >>> serialize(Huber(delta=2.0))["config"]["delta"]
        2.0
    """
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    for name, fn in _FUNCTIONS.items():
        if fn is loss:
            return name
    raise ValueError(f"Cannot serialize loss {loss!r}; register it as a custom object.")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Loss:
    """The loss that :func:`serialize` describes (a config dict or a name)."""
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = _CLASSES.get(name) or (custom_objects or {}).get(name)
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}. Known: {', '.join(sorted(_CLASSES))}.")
    return cls.from_config(config.get("config") or {})


def get(identifier: Any) -> Loss:
    """A :class:`Loss` from a name, a config dict, a Loss instance or a function.

    Example:
        >>> type(get("msle")).__name__, type(get("Poisson")).__name__
        ('MeanSquaredLogarithmicError', 'Poisson')
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _NAMES.get(identifier.lower()) \
            or _CLASSES.get(identifier)
        if cls is not None:
            return cls()
        raise ValueError(
            f"Unknown loss {identifier!r}. Valid names: "
            f"{', '.join(sorted(set(_NAMES) | set(_CLASSES)))}."
        )
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        for fn, cls in _PAIRS:
            if fn is identifier:
                return cls()
        return LossFunctionWrapper(identifier)
    raise ValueError(
        f"Could not interpret loss {identifier!r}: expected a name ({', '.join(sorted(_NAMES))}), "
        "a Loss instance or a function (y_true, y_pred) -> per-sample loss."
    )


__all__ = [
    "BCE", "CTC", "KLD", "MAE", "MAPE", "MSE", "MSLE", "BinaryCrossentropy",
    "BinaryFocalCrossentropy", "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "Circle", "CosineSimilarity",
    "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss", "LossFunctionWrapper",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "Tversky", "bce", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle",
    "cosine_similarity", "ctc", "deserialize", "dice", "get", "hinge", "huber", "kl_divergence",
    "kld", "log_cosh", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "mse", "msle", "poisson",
    "reduce_weighted", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "tversky",
]
