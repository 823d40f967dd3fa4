"""Convolution layers: Conv1D, Conv2D, Conv3D, and the helpers every convolution and
pooling layer shares (argument checks, channels_last/channels_first layout, output shapes).

Example:
    >>> from polykeras import layers
    >>> layers.Conv2D(32, 3, activation="relu").kernel_size
    (3, 3)
"""

from __future__ import annotations

from typing import Any

from polykeras import activations, initializers, ops, regularizers
from polykeras.backend.conv_geometry import output_length
from polykeras.config import image_data_format
from polykeras.layers import logits
from polykeras.layers.layer import Layer


# ------------------------------------------------------------------------ arguments
def conv_tuple(value: Any, n: int, name: str, layer: str, allow_zero: bool = False
               ) -> tuple[int, ...]:
    """An int or ``n`` ints (``kernel_size``, ``strides``, ...) as an n-tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        out: tuple[int, ...] = (value,) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"{layer}: `{name}` must be an int or a tuple of {n} ints, "
                            f"received {value!r}.") from None
        if len(out) != n:
            raise ValueError(f"{layer}: `{name}` must be an int or a tuple of {n} ints, "
                             f"received {value!r}.")
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        raise ValueError(f"{layer}: `{name}` values must be >= {low}, received {value!r}.")
    return out


def padding_arg(value: Any, layer: str, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    p = str(value).lower()
    if p not in allowed:
        raise ValueError(f"{layer}: padding must be one of {', '.join(map(repr, allowed))}, "
                         f"received {value!r}.")
    return p


def data_format_arg(value: Any, layer: str) -> str:
    """``"channels_last"`` or ``"channels_first"`` (None: the configured default)."""
    if value is None:
        return image_data_format()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', "
                         f"received {value!r}.")
    return str(value)


def spatial_dims(shape: Any, data_format: str, rank: int) -> list[Any]:
    """The spatial dimensions of a (batch, ...) shape."""
    return list(shape[1:1 + rank] if data_format == "channels_last" else shape[2:2 + rank])


def channels_of(shape: Any, data_format: str) -> Any:
    return shape[-1] if data_format == "channels_last" else shape[1]


def with_spatial(shape: Any, data_format: str, spatial: list[Any], channels: Any
                 ) -> tuple[Any, ...]:
    """A (batch, ...) shape with new spatial dims and channels, in ``data_format``."""
    if data_format == "channels_last":
        return (shape[0], *spatial, channels)
    return (shape[0], channels, *spatial)


def check_rank(layer: Layer, shape: Any, rank: int, data_format: str) -> None:
    if len(shape) != rank + 2:
        layout = ("(batch, " + "spatial, " * rank + "channels)" if data_format == "channels_last"
                  else "(batch, channels" + ", spatial" * rank + ")")
        hint = (" Add a channels axis, e.g. Reshape((28, 28, 1))."
                if len(shape) == rank + 1 else "")
        raise ValueError(
            f"{type(layer).__name__} layer {layer.name!r} expects inputs of rank {rank + 2} "
            f"{layout}, received shape {tuple(shape)}.{hint}"
        )


def add_bias(x: Any, bias: Any, data_format: str, rank: int) -> Any:
    if data_format == "channels_last":
        return ops.add(x, bias)
    return ops.add(x, ops.reshape(bias, (-1,) + (1,) * rank))


def serialize(obj: Any, module: Any) -> Any:
    return None if obj is None else module.serialize(obj)


def deserialize_config(config: dict[str, Any], initializer_keys: tuple[str, ...],
                       regularizer_keys: tuple[str, ...]) -> dict[str, Any]:
    config = dict(config)
    for k in initializer_keys:
        if isinstance(config.get(k), dict):
            config[k] = initializers.deserialize(config[k])
    for k in regularizer_keys:
        if isinstance(config.get(k), dict):
            config[k] = regularizers.deserialize(config[k])
    return config


# --------------------------------------------------------------------- the base class
class BaseConv(Layer):
    """What convolution layers share: kernel geometry, activation, bias, layout.

    Subclasses set ``rank`` and implement ``build`` and ``_convolve``.
    """

    rank = 2
    allowed_padding: tuple[str, ...] = ("valid", "same")

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Any = None, dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, bias_initializer: Any = "zeros",
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.kernel_size = conv_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = conv_tuple(strides, self.rank, "strides", cls)
        self.padding = padding_arg(padding, cls, self.allowed_padding)
        self.data_format = data_format_arg(data_format, cls)
        self.dilation_rate = conv_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{cls}: strides > 1 together with dilation_rate > 1 is not supported (as "
                f"in Keras), received strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias: Any = None

    def _input_channels(self, input_shape: Any) -> int:
        check_rank(self, input_shape, self.rank, self.data_format)
        channels = channels_of(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} needs a known "
                             f"channels dimension, received shape {tuple(input_shape)}.")
        return int(channels)

    def _add_bias_weight(self, size: int) -> None:
        if self.use_bias:
            self.bias = self.add_weight((size,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")

    def _convolve(self, inputs: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        if len(shape) != self.rank + 2:
            check_rank(self, shape, self.rank, self.data_format)
        x = self._convolve(inputs)
        if self.bias is not None:
            x = add_bias(x, self.bias, self.data_format, self.rank)
        if self.activation is not activations.linear and logits.deferred() is not self:
            x = self.activation(x)
        return x

    def _spatial_out(self, input_shape: Any) -> list[Any]:
        return [output_length(n, k, s, self.padding, d) for n, k, s, d in zip(
            spatial_dims(input_shape, self.data_format, self.rank), self.kernel_size,
            self.strides, self.dilation_rate, strict=True)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": serialize(self.bias_regularizer, regularizers),
                "activity_regularizer": serialize(self.activity_regularizer, regularizers),
                "bias_constraint": None}

    #: Config keys holding initializers and regularizers (deserialized by from_config).
    initializer_keys: tuple[str, ...] = ("kernel_initializer", "bias_initializer")
    regularizer_keys: tuple[str, ...] = ("kernel_regularizer", "bias_regularizer",
                                         "activity_regularizer")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BaseConv:
        return cls(**deserialize_config(config, cls.initializer_keys, cls.regularizer_keys))


# ---------------------------------------------------------------------- convolutions
class Conv(BaseConv):
    """N-d convolution with ``filters`` outputs; ``groups`` splits the channels."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: Any = None, dilation_rate: Any = 1,
                 groups: int = 1, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        if self.rank == 1:
            self.allowed_padding = ("valid", "same", "causal")
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls} expects a positive int `filters`, received {filters!r}.")
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f"{cls}: `groups` must be a positive int dividing filters="
                             f"{filters}, received groups={groups!r}.")
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_shape: Any) -> None:
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r}: the input's {channels} channels "
                f"are not divisible by groups={self.groups}."
            )
        self.in_channels = channels
        self.kernel = self.add_weight(
            self.kernel_size + (channels // self.groups, self.filters), self.kernel_initializer,
            regularizer=self.kernel_regularizer, name="kernel")
        self._add_bias_weight(self.filters)

    def _convolve(self, inputs: Any) -> Any:
        return ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return with_spatial(input_shape, self.data_format, self._spatial_out(input_shape),
                            self.filters)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer, regularizers),
                "kernel_constraint": None}


class Conv1D(Conv):
    """1D convolution over (batch, steps, channels); ``padding`` may be "causal".

    Example:
        >>> Conv1D(8, 3, padding="causal").padding
        'causal'
    """

    rank = 1


class Conv2D(Conv):
    """2D convolution over (batch, height, width, channels).

    Example:
        >>> Conv2D(32, (3, 3), padding="same").padding
        'same'
    """

    rank = 2


class Conv3D(Conv):
    """3D convolution over (batch, depth, height, width, channels).

    Example:
        >>> Conv3D(4, 3).kernel_size
        (3, 3, 3)
    """

    rank = 3
