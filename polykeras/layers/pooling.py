"""Pooling layers in 1, 2 and 3 dimensions: max and average over windows, global
(over all spatial axes) and adaptive (to a fixed output size), channels_last or
channels_first, with the Keras short aliases.

Example:
    >>> from polykeras import layers, ops
    >>> layers.MaxPooling3D(2)(ops.ones((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.backend.conv_geometry import output_length
from polykeras.layers.convolutional import (
    channels_of,
    check_rank,
    conv_tuple,
    data_format_arg,
    padding_arg,
    spatial_dims,
    with_spatial,
)
from polykeras.layers.layer import Layer


class Pooling(Layer):
    """Max or average pooling over ``pool_size`` windows (``strides`` default to it)."""

    rank = 2
    kind = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = conv_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = (self.pool_size if strides is None
                        else conv_tuple(strides, self.rank, "strides", cls))
        self.padding = padding_arg(padding, cls)
        self.data_format = data_format_arg(data_format, cls)
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        if len(shape) != self.rank + 2:
            check_rank(self, shape, self.rank, self.data_format)
        fn = ops.max_pool if self.kind == "max" else ops.average_pool
        return fn(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                  data_format=self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [output_length(n, k, s, self.padding) for n, k, s in zip(
            spatial_dims(input_shape, self.data_format, self.rank), self.pool_size,
            self.strides, strict=True)]
        return with_spatial(input_shape, self.data_format, spatial,
                            channels_of(input_shape, self.data_format))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format}


class MaxPooling1D(Pooling):
    """Max over windows of (batch, steps, channels)."""

    rank, kind = 1, "max"


class MaxPooling2D(Pooling):
    """Max over ``pool_size`` windows. Example: ``MaxPooling2D((2, 2))``."""

    rank, kind = 2, "max"


class MaxPooling3D(Pooling):
    """Max over windows of (batch, depth, height, width, channels)."""

    rank, kind = 3, "max"


class AveragePooling1D(Pooling):
    """Mean over windows of (batch, steps, channels); "same" pads are not counted."""

    rank, kind = 1, "average"


class AveragePooling2D(Pooling):
    """Mean over windows of (batch, height, width, channels)."""

    rank, kind = 2, "average"


class AveragePooling3D(Pooling):
    """Mean over windows of (batch, depth, height, width, channels)."""

    rank, kind = 3, "average"


class GlobalPooling(Layer):
    """Mean or max over every spatial axis: (batch, *spatial, c) -> (batch, c)."""

    rank = 2
    kind = "average"

    def __init__(self, data_format: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.built = True

    def _axes(self) -> tuple[int, ...]:
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs: Any) -> Any:
        fn = ops.mean if self.kind == "average" else ops.max
        return fn(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        channels = channels_of(input_shape, self.data_format)
        if self.keepdims:
            return with_spatial(input_shape, self.data_format, [1] * self.rank, channels)
        return (input_shape[0], channels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(GlobalPooling):
    """Mean over the steps: (batch, steps, c) -> (batch, c); with a mask, the mean of
    the unmasked steps only."""

    rank, kind = 1, "average"
    supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or self.data_format != "channels_last":
            return super().call(inputs)
        weights = ops.expand_dims(ops.cast(mask, ops.dtype(inputs)), -1)
        total = ops.sum(ops.multiply(inputs, weights), axis=1, keepdims=self.keepdims)
        count = ops.sum(weights, axis=1, keepdims=self.keepdims)
        return ops.divide(total, ops.maximum(count, 1.0))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalAveragePooling2D(GlobalPooling):
    """Mean over the spatial axes: (batch, h, w, c) -> (batch, c)."""

    rank, kind = 2, "average"


class GlobalAveragePooling3D(GlobalPooling):
    """Mean over the spatial axes: (batch, d, h, w, c) -> (batch, c)."""

    rank, kind = 3, "average"


class GlobalMaxPooling1D(GlobalPooling):
    """Max over the steps: (batch, steps, c) -> (batch, c)."""

    rank, kind = 1, "max"


class GlobalMaxPooling2D(GlobalPooling):
    """Max over the spatial axes: (batch, h, w, c) -> (batch, c)."""

    rank, kind = 2, "max"


class GlobalMaxPooling3D(GlobalPooling):
    """Max over the spatial axes: (batch, d, h, w, c) -> (batch, c)."""

    rank, kind = 3, "max"


class AdaptivePooling(Layer):
    """Pooling to a fixed ``output_size`` whatever the input's spatial size."""

    rank = 2
    kind = "average"

    def __init__(self, output_size: Any, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.output_size = conv_tuple(output_size, self.rank, "output_size", cls)
        self.data_format = data_format_arg(data_format, cls)
        self.built = True

    def call(self, inputs: Any) -> Any:
        fn = ops.adaptive_max_pool if self.kind == "max" else ops.adaptive_average_pool
        return fn(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return with_spatial(input_shape, self.data_format, list(self.output_size),
                            channels_of(input_shape, self.data_format))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_size": list(self.output_size),
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(AdaptivePooling):
    """Mean over ``output_size`` adaptive windows of (batch, steps, channels)."""

    rank, kind = 1, "average"


class AdaptiveAveragePooling2D(AdaptivePooling):
    """Mean over adaptive windows to (batch, *output_size, channels).

    Example:
        >>> from polykeras import ops
        >>> AdaptiveAveragePooling2D((2, 3))(ops.ones((1, 7, 9, 4))).shape
        (1, 2, 3, 4)
    """

    rank, kind = 2, "average"


class AdaptiveAveragePooling3D(AdaptivePooling):
    """Mean over adaptive windows of (batch, d, h, w, channels)."""

    rank, kind = 3, "average"


class AdaptiveMaxPooling1D(AdaptivePooling):
    """Max over ``output_size`` adaptive windows of (batch, steps, channels)."""

    rank, kind = 1, "max"


class AdaptiveMaxPooling2D(AdaptivePooling):
    """Max over adaptive windows to (batch, *output_size, channels)."""

    rank, kind = 2, "max"


class AdaptiveMaxPooling3D(AdaptivePooling):
    """Max over adaptive windows of (batch, d, h, w, channels)."""

    rank, kind = 3, "max"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
