"""The Loss base class, the function wrapper and the weighted reduction every loss shares.

A loss object turns per-sample values into a scalar (``reduction``); a loss may also
name entries to leave out (a mask: ``ignore_class``, or Circle's zero losses), which
then count neither in the sum nor in the batch size.

Example:
    >>> import numpy as np
    >>> from polykeras import ops
    >>> loss = LossFunctionWrapper(lambda t, p: ops.abs(p - t), reduction="sum")
    >>> float(ops.convert_to_numpy(loss(np.array([1.0, 2.0]), np.array([2.0, 4.0]))))
    3.0
"""

from __future__ import annotations

import re
from typing import Any

from polykeras import ops
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


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

    def mask(self, y_true: Any, y_pred: Any, values: Any) -> Any:
        """Boolean mask of the entries of ``values`` that count, or None for all."""
        return None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        y_pred = _in_loss_dtype(y_pred, self.dtype)
        values = self.call(y_true, y_pred)
        mask = self.mask(y_true, y_pred, values)
        if mask is not None:
            sample_weight = _masked_weight(values, mask, sample_weight, self.reduction)
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


def _in_loss_dtype(y_pred: Any, dtype: Any) -> Any:
    """16-bit float predictions (mixed precision) cast to the loss dtype (``floatx()``)."""
    if ops.is_tensor(y_pred) and ops.dtype(y_pred) in ("float16", "bfloat16"):
        from polykeras.config import floatx

        return ops.cast(y_pred, dtype or floatx())
    return y_pred


class LossFunctionWrapper(Loss):
    """A loss object around ``fn(y_true, y_pred, **kwargs) -> per-sample values``.

    The keyword arguments are kept as attributes and in the config.

    Example:
        >>> from polykeras import ops
        >>> loss = LossFunctionWrapper(lambda t, p, scale: scale * ops.abs(p - t), scale=2.0)
        >>> loss.scale, float(loss(ops.zeros((2,)), ops.ones((2,))))
        (2.0, 2.0)
    """

    def __init__(self, fn: Any, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction, dtype)
        self.fn, self.fn_kwargs = fn, kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self.fn_kwargs}


def _masked_weight(values: Any, mask: Any, sample_weight: Any, reduction: str | None) -> Any:
    """Sample weights with masked-out entries at zero; for the mean reductions the kept
    entries are scaled by total/kept, so the mean runs over the kept entries only."""
    mask = ops.cast(mask, ops.dtype(values))
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(max(1, int(ops.size(mask))))
        kept = ops.sum(mask)
        mask = ops.multiply(mask, ops.divide(total, ops.maximum(kept, 1.0)))
    if sample_weight is None:
        return mask
    sw = ops.cast(ops.convert_to_tensor(sample_weight), ops.dtype(values))
    mask, sw = squeeze_or_expand_to_same_rank(mask, sw)
    return ops.multiply(sw, mask)


def reduce_weighted(values: Any, sample_weight: Any, reduction: str | None) -> Any:
    """Apply ``sample_weight`` (broadcast over the leading axes) and the reduction.

    Example:
        >>> float(reduce_weighted(ops.ones((4,)), ops.full((4,), 0.5), "sum"))
        2.0
    """
    sw = None
    if sample_weight is not None:
        sw = ops.cast(sample_weight, ops.dtype(values))
        vr, sr = len(ops.shape(values)), len(ops.shape(sw))
        if sr > vr:
            sw = ops.reshape(sw, ops.shape(values))
        elif sr < vr:
            sw = ops.reshape(sw, tuple(ops.shape(sw)) + (1,) * (vr - sr))
        values = ops.multiply(values, sw)
    if reduction in ("none", None) or not ops.shape(values):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sw is not None:
        return ops.divide(ops.sum(values), ops.maximum(ops.sum(sw), 1e-12))
    return ops.mean(values)


def float_target(y_true: Any, y_pred: Any) -> Any:
    """``y_true`` as a tensor of ``y_pred``'s dtype."""
    y_true = ops.convert_to_tensor(y_true)
    dt = ops.dtype(y_pred)
    return y_true if ops.dtype(y_true) == dt else ops.cast(y_true, dt)


def aligned(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Targets and predictions as float tensors of the same rank ((n,) against (n, 1) is
    fine), in the predictions' dtype."""
    y_pred = ops.convert_to_tensor(y_pred)
    return squeeze_or_expand_to_same_rank(float_target(y_true, y_pred), y_pred)


def l2_normalize(x: Any, axis: int = -1, epsilon: float = 1e-7) -> Any:
    """``x`` divided by its L2 norm along ``axis`` (a zero vector stays zero).

    Example:
        >>> ops.convert_to_numpy(l2_normalize(ops.convert_to_tensor([3.0, 4.0])))
        array([0.6, 0.8], dtype=float32)
    """
    inv = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv, 1.0 / epsilon))
