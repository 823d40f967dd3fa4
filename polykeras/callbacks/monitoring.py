"""Reading monitored values out of logs: the improvement direction of a key, the warning
for a missing key, and converting logged values (floats or tensors) to Python numbers.

Example:
    >>> direction("val_accuracy"), direction("val_loss")
    ('max', 'min')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

_MAXIMIZED = ("acc", "auc", "precision", "recall")
MODES = ("auto", "min", "max")


def direction(monitor: str, mode: str = "auto") -> str:
    """"min" or "max": ``mode`` itself, or for "auto" "max" when the key names an
    accuracy, AUC, precision or recall (it contains "acc", "auc", "precision" or
    "recall"), else "min"."""
    if mode in ("min", "max"):
        return mode
    key = monitor.lower()
    return "max" if any(word in key for word in _MAXIMIZED) else "min"


def check_mode(mode: Any, owner: str) -> str:
    """``mode`` when valid; otherwise warns (like Keras) and falls back to "auto"."""
    if mode not in MODES:
        warnings.warn(
            f"{owner}: mode {mode!r} is unknown (expected 'auto', 'min' or 'max'); "
            "falling back to 'auto'.",
            stacklevel=3,
        )
        return "auto"
    return mode


def to_float(value: Any) -> float:
    """A logged value (Python number, NumPy value or backend tensor) as a float; arrays
    with several values give their mean."""
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, np.ndarray) and not np.isscalar(value):
        from polykeras import ops

        value = ops.convert_to_numpy(value)
    arr = np.asarray(value, dtype="float64")
    return float(arr) if arr.ndim == 0 else float(arr.mean()) if arr.size else math.nan


def to_python(value: Any) -> Any:
    """A logged value as a Python scalar (or a list for arrays), for writing to files."""
    if isinstance(value, (str, int, float)):
        return value
    if not isinstance(value, np.ndarray) and not np.isscalar(value):
        from polykeras import ops

        value = ops.convert_to_numpy(value)
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else arr.tolist()


def monitored_value(logs: Mapping[str, Any] | None, monitor: str, owner: str) -> float | None:
    """``logs[monitor]`` as a float, or None with a warning naming the available keys."""
    logs = logs or {}
    if monitor not in logs:
        warnings.warn(
            f"{owner} is conditioned on metric `{monitor}` which is not available. "
            f"Available metrics are: {', '.join(logs.keys()) or '(none)'}.",
            stacklevel=3,
        )
        return None
    return to_float(logs[monitor])


def current_learning_rate(model: Any, owner: str) -> float:
    """``model.optimizer.learning_rate`` as a float (a schedule's value at the current
    step when the optimizer was given a schedule)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"{owner} needs a model whose optimizer has a `learning_rate` attribute; "
            f"received optimizer {optimizer!r}. Compile the model with an optimizer first."
        )
    lr = optimizer.learning_rate
    if callable(lr) and not hasattr(lr, "__polykeras_tensor__"):  # a schedule
        current = getattr(optimizer, "_current_learning_rate", None)
        lr = current() if current is not None else lr(optimizer.iterations)
    return to_float(lr)
