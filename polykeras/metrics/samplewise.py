"""Rank matching between targets, predictions and sample weights, and the mean metric
built on a function returning per-sample values.

Example:
    >>> from polykeras import ops
    >>> from polykeras.utils.shapes import squeeze_or_expand_to_same_rank
    >>> a, b = squeeze_or_expand_to_same_rank(ops.zeros((4, 1)), ops.zeros((4,)))
    >>> ops.shape(a), ops.shape(b)
    ((4, 1), (4, 1))
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.metrics.base import MeanMetricWrapper


def match_sample_weight(values: Any, sample_weight: Any) -> Any:
    """``sample_weight`` with trailing size-1 axes beyond the rank of ``values`` dropped.

    Lower-rank weights are left as they are: they broadcast over the trailing axes of
    ``values`` when the mean is taken.
    """
    if sample_weight is None:
        return None
    sw = ops.convert_to_tensor(sample_weight)
    vs = tuple(ops.shape(values))
    while len(ops.shape(sw)) > len(vs) and ops.shape(sw)[-1] == 1:
        sw = ops.squeeze(sw, -1)
    if len(ops.shape(sw)) > len(vs):
        raise ValueError(
            f"sample_weight of shape {tuple(ops.shape(sample_weight))} has more axes than "
            f"the per-sample metric values of shape {vs}. Pass weights of shape "
            f"{vs[:1] or '()'} (one per sample) or of the values' shape."
        )
    return sw


class SampleMeanWrapper(MeanMetricWrapper):
    """Weighted mean of ``fn(y_true, y_pred, **kwargs)``; weights may carry a trailing
    size-1 axis (shape ``(batch, 1)``) and broadcast over the values' trailing axes.

    Example:
        >>> def hit(y_true, y_pred):
        ...     return ops.cast(ops.equal(y_true, y_pred), "float32")
        >>> m = SampleMeanWrapper(hit, name="hit")
        >>> m.update_state([1, 2], [1, 3], sample_weight=[[1.0], [3.0]])
        >>> float(m.result())
        0.25
    """

    # Same signature as MeanMetricWrapper.update_state, which differs from Mean's.
    def update_state(  # type: ignore[override]
            self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sw = match_sample_weight(values, sample_weight)
        super(MeanMetricWrapper, self).update_state(values, sw)
