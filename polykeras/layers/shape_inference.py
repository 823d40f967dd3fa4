"""Output shapes of layers that do not declare ``compute_output_shape``: run ``call`` on
zeros (unknown dims become 1 or 2) inside a stateless scope, so no state changes.
"""

from __future__ import annotations

from typing import Any

from polykeras.backend import selection
from polykeras.variables import StatelessScope


def _is_shape(s: Any) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


def infer_output_shape(layer: Any, input_shape: Any) -> Any:
    b = layer._backend
    probe = 2

    def zeros(shape: Any) -> Any:
        if _is_shape(shape):
            return b.zeros(tuple(probe if d is None else d for d in shape), layer.dtype)
        if isinstance(shape, (list, tuple)):
            return [zeros(s) for s in shape]
        if isinstance(shape, dict):
            return {k: zeros(v) for k, v in shape.items()}
        return shape

    none_dims = _none_positions(input_shape)
    with selection.use(b), StatelessScope():
        kwargs = {"training": False} if layer._call_has_training else {}
        out = layer.call(zeros(input_shape), **kwargs)

    def shape_of(t: Any) -> Any:
        if isinstance(t, (list, tuple)):
            return [shape_of(x) for x in t]
        s = tuple(b.shape(t))
        if none_dims and s and s[0] == probe and 0 in none_dims:
            s = (None,) + s[1:]
        return s

    return shape_of(out)


def _none_positions(shape: Any) -> set[int]:
    if _is_shape(shape):
        return {i for i, d in enumerate(shape) if d is None}
    if isinstance(shape, (list, tuple)) and shape:
        return _none_positions(shape[0])
    return set()
