"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D.

Example:
    >>> from polykeras import layers, ops
    >>> layers.UpSampling2D(2)(ops.ones((1, 3, 3, 2))).shape
    (1, 6, 6, 2)
    >>> layers.Cropping2D(((1, 0), (0, 2)))(ops.ones((1, 5, 5, 2))).shape
    (1, 4, 3, 2)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.layers.convolutional import (
    channels_of,
    check_rank,
    conv_tuple,
    data_format_arg,
    spatial_dims,
    with_spatial,
)
from polykeras.layers.image_resampling import INTERPOLATIONS, resample_axis
from polykeras.layers.layer import Layer


def _spatial_axes(data_format: str, rank: int) -> list[int]:
    start = 1 if data_format == "channels_last" else 2
    return list(range(start, start + rank))


def _pairs(value: Any, rank: int, name: str, layer: str) -> tuple[tuple[int, int], ...]:
    """An int, ``rank`` ints, or ``rank`` (before, after) pairs, as pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{layer}: `{name}` must be an int, a tuple of {rank} ints or of "
                        f"{rank} (before, after) pairs, received {value!r}.") from None
    if rank == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        items = [tuple(items)]
    if len(items) != rank:
        raise ValueError(f"{layer}: `{name}` must have {rank} entries (one per spatial axis), "
                         f"received {value!r}.")
    pairs = [conv_tuple(v, 2, name, layer, allow_zero=True) for v in items]
    return tuple((a, b) for a, b in pairs)


class UpSampling(Layer):
    """Repeats each spatial position ``size`` times along each spatial axis."""

    rank = 2

    def __init__(self, size: Any = 2, data_format: Any = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.size = conv_tuple(size, self.rank, "size", cls)
        self.data_format = data_format_arg(data_format, cls)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"{cls}: interpolation must be one of "
                             f"{', '.join(map(repr, INTERPOLATIONS))}, received "
                             f"{interpolation!r}.")
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        check_rank(self, shape, self.rank, self.data_format)
        x = inputs
        for axis, factor in zip(_spatial_axes(self.data_format, self.rank), self.size,
                                strict=True):
            if factor == 1:
                continue
            if self.interpolation == "nearest":
                x = ops.repeat(x, factor, axis=axis)
            else:
                x = resample_axis(x, axis, int(shape[axis]) * factor, self.interpolation)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [None if n is None else n * f for n, f in zip(
            spatial_dims(input_shape, self.data_format, self.rank), self.size, strict=True)]
        return with_spatial(input_shape, self.data_format, spatial,
                            channels_of(input_shape, self.data_format))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {**super().get_config(),
                                  "size": self.size[0] if self.rank == 1 else list(self.size)}
        if self.rank > 1:
            config["data_format"] = self.data_format
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(UpSampling):
    """Repeats each step ``size`` times: (batch, steps, c) -> (batch, steps * size, c)."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(size, **kwargs)


class UpSampling2D(UpSampling):
    """Upsamples rows and columns by ``size``, "nearest" (repeat) or "bilinear".

    Example:
        >>> UpSampling2D((2, 3), interpolation="bilinear").size
        (2, 3)
    """

    rank = 2


class UpSampling3D(UpSampling):
    """Repeats along depth, rows and columns by ``size``."""

    rank = 3

    def __init__(self, size: Any = 2, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(size, data_format, **kwargs)


class ZeroPadding(Layer):
    """Pads the spatial axes with zeros: ``padding`` per axis as (before, after)."""

    rank = 2

    def __init__(self, padding: Any = 1, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.padding = _pairs(padding, self.rank, "padding", cls)
        self.data_format = data_format_arg(data_format, cls)
        self.built = True

    def call(self, inputs: Any) -> Any:
        check_rank(self, ops.shape(inputs), self.rank, self.data_format)
        pads = [(0, 0)] * (self.rank + 2)
        for axis, pair in zip(_spatial_axes(self.data_format, self.rank), self.padding,
                              strict=True):
            pads[axis] = pair
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [None if n is None else n + a + b for n, (a, b) in zip(
            spatial_dims(input_shape, self.data_format, self.rank), self.padding, strict=True)]
        return with_spatial(input_shape, self.data_format, spatial,
                            channels_of(input_shape, self.data_format))

    def get_config(self) -> dict[str, Any]:
        padding: Any = [list(p) for p in self.padding]
        return {**super().get_config(), "padding": padding[0] if self.rank == 1 else padding,
                "data_format": self.data_format}


class ZeroPadding1D(ZeroPadding):
    """Zeros before and after the steps: ``padding`` is an int or (before, after)."""

    rank = 1


class ZeroPadding2D(ZeroPadding):
    """Zeros around images: an int, (rows, cols), or ((top, bottom), (left, right)).

    Example:
        >>> ZeroPadding2D((1, 2)).padding
        ((1, 1), (2, 2))
    """

    rank = 2


class ZeroPadding3D(ZeroPadding):
    """Zeros around volumes: an int, 3 ints, or 3 (before, after) pairs."""

    rank = 3


class Cropping(Layer):
    """Removes ``cropping`` (before, after) positions from each spatial axis."""

    rank = 2

    def __init__(self, cropping: Any = 0, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.cropping = _pairs(cropping, self.rank, "cropping", cls)
        self.data_format = data_format_arg(data_format, cls)
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        check_rank(self, shape, self.rank, self.data_format)
        start, size = [0] * len(shape), list(shape)
        for axis, (a, b) in zip(_spatial_axes(self.data_format, self.rank), self.cropping,
                                strict=True):
            if shape[axis] - a - b <= 0:
                raise ValueError(
                    f"{type(self).__name__} layer {self.name!r}: cropping {self.cropping} "
                    f"leaves nothing of input shape {tuple(shape)} along axis {axis}."
                )
            start[axis], size[axis] = a, shape[axis] - a - b
        return ops.slice(inputs, start, size)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = []
        for n, (a, b) in zip(spatial_dims(input_shape, self.data_format, self.rank),
                             self.cropping, strict=True):
            if n is not None and n - a - b <= 0:
                raise ValueError(
                    f"{type(self).__name__} layer {self.name!r}: cropping {self.cropping} "
                    f"leaves nothing of input shape {tuple(input_shape)}."
                )
            spatial.append(None if n is None else n - a - b)
        return with_spatial(input_shape, self.data_format, spatial,
                            channels_of(input_shape, self.data_format))

    def get_config(self) -> dict[str, Any]:
        cropping: Any = [list(c) for c in self.cropping]
        config = {**super().get_config(), "cropping": cropping[0] if self.rank == 1 else cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(Cropping):
    """Crops steps: ``cropping`` is an int or (before, after)."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, **kwargs)


class Cropping2D(Cropping):
    """Crops images: an int, (rows, cols), or ((top, bottom), (left, right))."""

    rank = 2


class Cropping3D(Cropping):
    """Crops volumes: an int, 3 ints, or 3 (before, after) pairs."""

    rank = 3
