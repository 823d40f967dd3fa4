"""Depthwise and separable convolution layers: DepthwiseConv1D/2D, SeparableConv1D/2D.

Weights have the Keras names and layouts: a depthwise kernel
``(*kernel_size, in_channels, depth_multiplier)`` and, for the separable layers, a
pointwise kernel ``(1, ..., 1, in_channels * depth_multiplier, filters)``.

Example:
    >>> from polykeras import layers, ops
    >>> layers.SeparableConv2D(8, 3, padding="same")(ops.ones((1, 6, 6, 3))).shape
    (1, 6, 6, 8)
"""

from __future__ import annotations

from typing import Any

from polykeras import initializers, ops, regularizers
from polykeras.layers.convolutional import BaseConv, serialize, with_spatial


class DepthwiseConv(BaseConv):
    """Each input channel convolved with ``depth_multiplier`` filters of its own."""

    initializer_keys = ("depthwise_initializer", "bias_initializer")
    regularizer_keys = ("depthwise_regularizer", "bias_regularizer", "activity_regularizer")

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: Any = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{type(self).__name__}: depth_multiplier must be a positive "
                             f"int, received {depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)

    def build(self, input_shape: Any) -> None:
        channels = self._input_channels(input_shape)
        self.in_channels = channels
        self.kernel = self.add_weight(self.kernel_size + (channels, self.depth_multiplier),
                                      self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer, name="kernel")
        self._add_bias_weight(channels * self.depth_multiplier)

    def _convolve(self, inputs: Any) -> Any:
        return ops.depthwise_conv(inputs, self.kernel, strides=self.strides,
                                  padding=self.padding, data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        channels = (input_shape[-1] if self.data_format == "channels_last" else input_shape[1])
        out = None if channels is None else channels * self.depth_multiplier
        return with_spatial(input_shape, self.data_format, self._spatial_out(input_shape), out)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": serialize(self.depthwise_regularizer, regularizers),
                "depthwise_constraint": None}


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise convolution over (batch, steps, channels)."""

    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise convolution over (batch, height, width, channels).

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2).depth_multiplier
        2
    """

    rank = 2


class SeparableConv(BaseConv):
    """A depthwise convolution followed by a pointwise (1x1) one to ``filters`` outputs."""

    initializer_keys = ("depthwise_initializer", "pointwise_initializer", "bias_initializer")
    regularizer_keys = ("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                        "activity_regularizer")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: Any = None, dilation_rate: Any = 1,
                 depth_multiplier: int = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 pointwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls} expects a positive int `filters`, received {filters!r}.")
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{cls}: depth_multiplier must be a positive int, received "
                             f"{depth_multiplier!r}.")
        self.filters = filters
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape: Any) -> None:
        channels = self._input_channels(input_shape)
        self.in_channels = channels
        self.depthwise_kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            name="pointwise_kernel")
        self._add_bias_weight(self.filters)

    def _convolve(self, inputs: Any) -> Any:
        return ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                  strides=self.strides, padding=self.padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return with_spatial(input_shape, self.data_format, self._spatial_out(input_shape),
                            self.filters)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": serialize(self.depthwise_regularizer, regularizers),
                "pointwise_regularizer": serialize(self.pointwise_regularizer, regularizers),
                "depthwise_constraint": None, "pointwise_constraint": None}


class SeparableConv1D(SeparableConv):
    """Separable convolution over (batch, steps, channels)."""

    rank = 1


class SeparableConv2D(SeparableConv):
    """Separable convolution over (batch, height, width, channels).

    Example:
        >>> SeparableConv2D(16, 3, depth_multiplier=2).filters
        16
    """

    rank = 2
