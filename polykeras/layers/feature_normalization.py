"""Normalization over features: ``RMSNormalization``, ``GroupNormalization`` and
``UnitNormalization`` (Keras 3 weights and defaults).

Example:
    >>> from polykeras import layers, ops
    >>> out = layers.UnitNormalization()(ops.convert_to_tensor([[3.0, 4.0]]))
    >>> ops.convert_to_numpy(out).round(3).tolist()
    [[0.6, 0.8]]
"""

from __future__ import annotations

from typing import Any

from polykeras import initializers, ops, regularizers
from polykeras.layers.layer import Layer


def _axes(axis: Any, rank: int, layer: Layer) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"{type(layer).__name__} {layer.name!r}: axis {a} is out of range for inputs "
                f"of rank {rank}."
            )
    return tuple(a % rank for a in axes)


class RMSNormalization(Layer):
    """``x * rsqrt(mean(x**2, axis) + epsilon) * scale`` with a learned ``scale``.

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.RMSNormalization()(ops.ones((2, 3))))
        (2, 3)
    """

    supports_masking = True

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)

    def build(self, input_shape: Any) -> None:
        axes = _axes(self.axis, len(input_shape), self)
        shape = tuple(int(input_shape[a]) for a in axes)
        self.scale = self.add_weight(shape, "ones", name="scale")

    def call(self, inputs: Any) -> Any:
        axes = _axes(self.axis, len(ops.shape(inputs)), self)
        ms = ops.mean(ops.square(inputs), axis=axes, keepdims=True)
        x = ops.multiply(inputs, ops.rsqrt(ops.add(ms, self.epsilon)))
        rank = len(ops.shape(inputs))
        scale = self.scale
        if axes != tuple(range(rank - len(axes), rank)):
            shape = [1] * rank
            for a in axes:
                shape[a] = ops.shape(inputs)[a]
            scale = ops.reshape(scale, tuple(shape))
        return ops.multiply(x, scale)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class GroupNormalization(Layer):
    """Normalizes groups of channels (``groups`` of them along ``axis``) per sample, then
    scales by ``gamma`` and shifts by ``beta`` (weights in that order).

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.GroupNormalization(groups=2)(ops.ones((2, 5, 4))))
        (2, 5, 4)
    """

    supports_masking = True

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape: Any) -> None:
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"GroupNormalization {self.name!r}: axis {self.axis} of the input needs a "
                f"known size, received shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = int(dim)
        if dim < self.groups or dim % self.groups:
            raise ValueError(
                f"GroupNormalization {self.name!r}: {dim} channels cannot be split into "
                f"{self.groups} equal groups. Use a number of groups that divides {dim}."
            )
        self.gamma = (self.add_weight((int(dim),), self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight((int(dim),), self.beta_initializer,
                                     regularizer=self.beta_regularizer, name="beta")
                     if self.center else None)

    def call(self, inputs: Any) -> Any:
        shape = tuple(ops.shape(inputs))
        rank = len(shape)
        axis = self.axis % rank
        grouped = shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1:]
        x = ops.reshape(inputs, grouped)
        reduce = tuple(a for a in range(1, rank + 1) if a != axis)
        mean, var = ops.moments(x, axes=reduce, keepdims=True)
        x = ops.reshape(ops.multiply(ops.subtract(x, mean), ops.rsqrt(ops.add(var, self.epsilon))),
                        shape)
        bshape = [1] * rank
        bshape[axis] = shape[axis]
        if self.gamma is not None:
            x = ops.multiply(x, ops.reshape(self.gamma, tuple(bshape)))
        if self.beta is not None:
            x = ops.add(x, ops.reshape(self.beta, tuple(bshape)))
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": None, "gamma_regularizer": None,
                "beta_constraint": None, "gamma_constraint": None}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> GroupNormalization:
        config = dict(config)
        for k in ("beta_initializer", "gamma_initializer"):
            if isinstance(config.get(k), dict):
                config[k] = initializers.deserialize(config[k])
        return cls(**config)


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis``.

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.UnitNormalization(axis=1)(ops.ones((2, 3))))
        (2, 3)
    """

    supports_masking = True

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, inputs: Any) -> Any:
        axes = _axes(self.axis, len(ops.shape(inputs)), self)
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        return ops.multiply(inputs, ops.rsqrt(ops.maximum(square_sum, 1e-12)))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        axis = self.axis if isinstance(self.axis, int) else list(self.axis)
        return {**super().get_config(), "axis": axis}
