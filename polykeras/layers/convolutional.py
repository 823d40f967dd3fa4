"""Convolution and pooling layers (channels_last): Conv1D, Conv2D, MaxPooling1D/2D,
AveragePooling1D/2D, GlobalAveragePooling1D/2D, GlobalMaxPooling2D.

Example:
    >>> from polykeras import layers
    >>> layers.Conv2D(32, 3, activation="relu").kernel_size
    (3, 3)
"""

from __future__ import annotations

from typing import Any

from polykeras import activations, initializers, ops, regularizers
from polykeras.layers import logits
from polykeras.layers.layer import Layer


def _tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"`{name}` must be an int or a tuple of {n} ints, received {value}.")
    return value


def _padding(value: str) -> str:
    p = str(value).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', received {value!r}.")
    return p


def _data_format(value: Any) -> None:
    if value not in (None, "channels_last"):
        raise ValueError(
            f"data_format {value!r} is not supported; polykeras layers are channels_last."
        )


def _out_len(size: int | None, window: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    span = (window - 1) * dilation + 1
    return max(0, (size - span) // stride + 1)


class _Conv(Layer):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: Any = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, groups: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{type(self).__name__} expects positive int `filters`, received {filters!r}.")
        _data_format(data_format)
        if groups != 1:
            raise ValueError("Grouped convolutions (groups != 1) are not supported.")
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.padding = _padding(padding)
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank "
                f"{self.rank + 2} (batch, {'spatial, ' * self.rank}channels), received shape "
                f"{tuple(input_shape)}." + (" Add a channels axis, e.g. Reshape((28, 28, 1))."
                                            if len(input_shape) == self.rank + 1 else "")
            )
        self.in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(self.kernel_size + (self.in_channels, self.filters),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.bias = (self.add_weight((self.filters,), self.bias_initializer,
                                     regularizer=self.bias_regularizer, name="bias")
                     if self.use_bias else None)

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        if len(shape) != self.rank + 2 or shape[-1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expected input of rank "
                f"{self.rank + 2} with {self.in_channels} channels, received shape {tuple(shape)}."
            )
        x = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                     dilation_rate=self.dilation_rate)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not activations.linear and logits.deferred_layer is not self:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [
            _out_len(input_shape[1 + i], self.kernel_size[i], self.strides[i], self.padding,
                     self.dilation_rate[i])
            for i in range(self.rank)
        ]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": list(self.dilation_rate), "groups": 1,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": None if self.kernel_regularizer is None else regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": None if self.bias_regularizer is None else regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> _Conv:
        config = dict(config)
        for k in ("kernel_initializer", "bias_initializer"):
            if isinstance(config.get(k), dict):
                config[k] = initializers.deserialize(config[k])
        for k in ("kernel_regularizer", "bias_regularizer"):
            if isinstance(config.get(k), dict):
                config[k] = regularizers.deserialize(config[k])
        return cls(**config)


class Conv1D(_Conv):
    """1D convolution over (batch, steps, channels)."""

    rank = 1


class Conv2D(_Conv):
    """2D convolution over (batch, height, width, channels).

    Example:
        >>> Conv2D(32, (3, 3), padding="same").padding
        'same'
    """

    rank = 2


class _Pool(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _data_format(data_format)
        self.pool_size = _tuple(pool_size, self.rank, "pool_size")
        self.strides = _tuple(strides, self.rank, "strides") if strides is not None else self.pool_size
        self.padding = _padding(padding)
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        if len(shape) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank "
                f"{self.rank + 2}, received shape {tuple(shape)}."
            )
        fn = ops.max_pool if self.kind == "max" else ops.average_pool
        return fn(inputs, self.pool_size, strides=self.strides, padding=self.padding)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [_out_len(input_shape[1 + i], self.pool_size[i], self.strides[i], self.padding)
                   for i in range(self.rank)]
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": "channels_last"}


class MaxPooling1D(_Pool):
    rank, kind = 1, "max"


class MaxPooling2D(_Pool):
    """Max over ``pool_size`` windows. Example: ``MaxPooling2D((2, 2))``."""

    rank, kind = 2, "max"


class AveragePooling1D(_Pool):
    rank, kind = 1, "average"


class AveragePooling2D(_Pool):
    rank, kind = 2, "average"


class _GlobalPool(Layer):
    rank = 2
    kind = "average"

    def __init__(self, data_format: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _data_format(data_format)
        self.keepdims = keepdims
        self.built = True

    def call(self, inputs: Any) -> Any:
        axes = tuple(range(1, self.rank + 1))
        fn = ops.mean if self.kind == "average" else ops.max
        return fn(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPool):
    rank, kind = 1, "average"


class GlobalAveragePooling2D(_GlobalPool):
    """Mean over the spatial axes: (batch, h, w, c) -> (batch, c)."""

    rank, kind = 2, "average"


class GlobalMaxPooling1D(_GlobalPool):
    rank, kind = 1, "max"


class GlobalMaxPooling2D(_GlobalPool):
    rank, kind = 2, "max"
