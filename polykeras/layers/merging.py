"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms (``add``, ``subtract``, ... ``dot``, ``concatenate``).

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
    supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The inputs' masks combined (a step is kept where every masked input keeps it)."""
        masks = [m for m in (mask if isinstance(mask, (list, tuple)) else [mask])
                 if m is not None]
        return reduce(ops.logical_and, masks) if masks else None

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


class Dot(Layer):
    """Dot product of two inputs along ``axes`` for each sample (Keras ``batch_dot``).

    ``axes`` is one axis for both inputs or a pair; with ``normalize=True`` both inputs
    are L2-normalized along those axes first (cosine similarity).

    Example:
        >>> from polykeras import ops
        >>> Dot(axes=1)([ops.ones((2, 3)), ops.ones((2, 3))]).shape
        (2, 1)
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axes, int):
            self.axes: Any = axes
        elif isinstance(axes, (list, tuple)) and len(axes) == 2 and all(
                isinstance(a, int) for a in axes):
            self.axes = tuple(axes)
        else:
            raise ValueError(f"Dot: `axes` must be an int or a pair of ints, received {axes!r}.")
        self.normalize = bool(normalize)

    def _axes(self, ranks: tuple[int, int]) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return (pair[0] % ranks[0], pair[1] % ranks[1])

    def _check(self, shapes: Any) -> tuple[int, int]:
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2:
            raise ValueError(f"Dot layer {self.name!r} expects a list of exactly 2 inputs, "
                             f"received {shapes!r}.")
        a1, a2 = self._axes((len(shapes[0]), len(shapes[1])))
        if 0 in (a1, a2):
            raise ValueError(f"Dot layer {self.name!r} cannot contract the batch axis 0; "
                             f"received axes={self.axes}.")
        d1, d2 = shapes[0][a1], shapes[1][a2]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Dot layer {self.name!r}: incompatible input shapes: axis {a1} of the first "
                f"input has size {d1}, axis {a2} of the second has size {d2}. Full shapes: "
                f"{tuple(shapes[0])}, {tuple(shapes[1])}."
            )
        return a1, a2

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        x1, x2 = inputs if isinstance(inputs, (list, tuple)) else (inputs, None)
        a1, a2 = self._check([ops.shape(x1), ops.shape(x2)])
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a1), _l2_normalize(x2, a2)
        r1, r2 = len(ops.shape(x1)), len(ops.shape(x2))
        letters = "bcdefghijklmnopq"
        s1 = "a" + letters[:r1 - 1]
        s2 = list("a" + letters[r1 - 1:r1 + r2 - 2])
        s2[a2] = s1[a1]
        out = s1.replace(s1[a1], "") + "".join(s2[1:]).replace(s1[a1], "")
        y = ops.einsum(f"{s1},{''.join(s2)}->{out}", x1, x2)
        if len(out) == 1:
            y = ops.expand_dims(y, 1)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        a1, a2 = self._check(input_shape)
        s1 = [d for i, d in enumerate(input_shape[0]) if i != a1]
        s2 = [d for i, d in enumerate(input_shape[1]) if i not in (0, a2)]
        out = s1 + s2
        return tuple(out + [1] if len(out) == 1 else out)

    def get_config(self) -> dict[str, Any]:
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def _l2_normalize(x: Any, axis: int) -> Any:
    from polykeras.config import epsilon

    inv = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv, 1.0 / epsilon()))


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def dot(inputs: list[Any], axes: Any = -1, **kwargs: Any) -> Any:
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
