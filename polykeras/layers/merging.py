"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.

Example:
    >>> import polykeras
    >>> a, b = polykeras.Input(shape=(4,)), polykeras.Input(shape=(4,))
    >>> polykeras.layers.Add()([a, b]).shape
    (None, 4)
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from polykeras import ops
from polykeras.layers.layer import Layer


def _check_list(layer: Layer, inputs: Any) -> None:
    if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
        raise ValueError(
            f"{type(layer).__name__} layer {layer.name!r} expects a list of at least 2 "
            f"inputs, received {type(inputs).__name__}."
        )


class _Merge(Layer):
    def build(self, input_shape: Any) -> None:
        _check_list(self, input_shape)
        self.built = True

    def _merge(self, inputs: list[Any]) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        _check_list(self, inputs)
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_list(self, input_shape)
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if len(s) != len(out):
                raise ValueError(
                    f"{type(self).__name__} layer {self.name!r}: inputs have different ranks: "
                    f"{[tuple(x) for x in input_shape]}."
                )
            for i, (a, b) in enumerate(zip(out, s)):
                if a is None or a == 1:
                    out[i] = b if a == 1 else a
                elif b not in (None, 1, a):
                    raise ValueError(
                        f"{type(self).__name__} layer {self.name!r}: incompatible input shapes "
                        f"{[tuple(x) for x in input_shape]}."
                    )
        return tuple(out)


class Add(_Merge):
    """Elementwise sum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.add, inputs)


class Subtract(_Merge):
    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"Subtract expects exactly 2 inputs, received {len(inputs)}.")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    def _merge(self, inputs):
        return reduce(ops.multiply, inputs)


class Average(_Merge):
    def _merge(self, inputs):
        return ops.divide(reduce(ops.add, inputs), float(len(inputs)))


class Maximum(_Merge):
    def _merge(self, inputs):
        return reduce(ops.maximum, inputs)


class Minimum(_Merge):
    def _merge(self, inputs):
        return reduce(ops.minimum, inputs)


class Concatenate(Layer):
    """Concatenates a list of inputs along ``axis`` (the last by default)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape: Any) -> None:
        _check_list(self, input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        _check_list(self, inputs)
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_list(self, input_shape)
        rank = len(input_shape[0])
        axis = self.axis % rank
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if len(s) != rank or any(
                i != axis and a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(out, s))
            ):
                raise ValueError(
                    f"Concatenate layer {self.name!r} requires inputs with matching shapes "
                    f"except on the concatenation axis {self.axis}, received "
                    f"{[tuple(x) for x in input_shape]}."
                )
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
        return tuple(out)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    return Add(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    return Concatenate(axis=axis, **kwargs)(inputs)
