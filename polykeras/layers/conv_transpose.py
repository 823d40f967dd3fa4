"""Transposed convolution layers: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose.

The kernel has the Keras layout ``(*kernel_size, filters, in_channels)``, so weights
move between polykeras and Keras 3 unchanged.

Example:
    >>> from polykeras import layers, ops
    >>> layers.Conv2DTranspose(8, 3, strides=2, padding="same")(ops.ones((1, 7, 7, 4))).shape
    (1, 14, 14, 8)
"""

from __future__ import annotations

from typing import Any

from polykeras import initializers, ops, regularizers
from polykeras.backend.conv_geometry import transpose_output_length
from polykeras.layers.convolutional import (
    BaseConv,
    conv_tuple,
    serialize,
    spatial_dims,
    with_spatial,
)


class ConvTranspose(BaseConv):
    """N-d transposed convolution (the gradient of a convolution, used to upsample)."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", output_padding: Any = None, data_format: Any = None,
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls} expects a positive int `filters`, received {filters!r}.")
        self.filters = filters
        self.output_padding = (None if output_padding is None else conv_tuple(
            output_padding, self.rank, "output_padding", cls, allow_zero=True))
        if self.output_padding is not None:
            for i, (p, s) in enumerate(zip(self.output_padding, self.strides, strict=True)):
                if p >= s:
                    raise ValueError(
                        f"{cls}: each output_padding must be strictly less than the stride "
                        f"along its axis; at axis {i} output_padding is {p} and the stride "
                        f"{s}. Received output_padding={self.output_padding}, "
                        f"strides={self.strides}."
                    )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_shape: Any) -> None:
        channels = self._input_channels(input_shape)
        self.in_channels = channels
        self.kernel = self.add_weight(self.kernel_size + (self.filters, channels),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self._add_bias_weight(self.filters)

    def _convolve(self, inputs: Any) -> Any:
        return ops.conv_transpose(inputs, self.kernel, strides=self.strides,
                                  padding=self.padding, output_padding=self.output_padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        pads = self.output_padding or (None,) * self.rank
        spatial = [transpose_output_length(n, k, s, self.padding, p, d) for n, k, s, p, d in zip(
            spatial_dims(input_shape, self.data_format, self.rank), self.kernel_size,
            self.strides, pads, self.dilation_rate, strict=True)]
        return with_spatial(input_shape, self.data_format, spatial, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "output_padding": (None if self.output_padding is None
                                   else list(self.output_padding)),
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer, regularizers),
                "kernel_constraint": None}


class Conv1DTranspose(ConvTranspose):
    """1D transposed convolution over (batch, steps, channels)."""

    rank = 1


class Conv2DTranspose(ConvTranspose):
    """2D transposed convolution over (batch, height, width, channels).

    Example:
        >>> Conv2DTranspose(16, 3, strides=2, padding="same").strides
        (2, 2)
    """

    rank = 2


class Conv3DTranspose(ConvTranspose):
    """3D transposed convolution over (batch, depth, height, width, channels)."""

    rank = 3
