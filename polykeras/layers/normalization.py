"""BatchNormalization and LayerNormalization.

Example:
    >>> from polykeras import layers
    >>> layers.BatchNormalization(momentum=0.9).momentum
    0.9
"""

from __future__ import annotations

from typing import Any

from polykeras import initializers, ops, regularizers
from polykeras.layers.layer import Layer


def _axes(axis: Any) -> tuple[int, ...]:
    return (axis,) if isinstance(axis, int) else tuple(axis)


class BatchNormalization(Layer):
    """Normalizes with batch statistics in training and moving statistics in inference."""

    supports_masking = True

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        axis = self.axis % rank
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                f"BatchNormalization {self.name!r}: axis {self.axis} of input shape "
                f"{tuple(input_shape)} must be known."
            )
        self._reduce_axes = tuple(i for i in range(rank) if i != axis)
        self._bshape = tuple(dim if i == axis else 1 for i in range(rank))
        self._needs_reshape = axis != rank - 1
        shape = (int(dim),)
        self.gamma = (self.add_weight(shape, self.gamma_initializer, name="gamma",
                                      regularizer=self.gamma_regularizer)
                      if self.scale else None)
        self.beta = (self.add_weight(shape, self.beta_initializer, name="beta",
                                     regularizer=self.beta_regularizer)
                     if self.center else None)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")

    def _b(self, v: Any) -> Any:
        if v is None:
            return None
        return ops.reshape(v, self._bshape) if self._needs_reshape else v

    def call(self, inputs: Any, training: Any = None) -> Any:
        if training and self.trainable:
            mean, var = ops.moments(inputs, axes=self._reduce_axes)
            m = self.momentum
            self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean, m),
                                            ops.multiply(ops.stop_gradient(mean), 1.0 - m)))
            self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance, m),
                                                ops.multiply(ops.stop_gradient(var), 1.0 - m)))
        else:
            mean, var = self.moving_mean.value, self.moving_variance.value
        inv = ops.rsqrt(ops.add(self._b(var), self.epsilon))
        if self.gamma is not None:
            inv = ops.multiply(inv, self._b(self.gamma.value))
        out = ops.multiply(ops.subtract(inputs, self._b(mean)), inv)
        if self.beta is not None:
            out = ops.add(out, self._b(self.beta.value))
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": None, "gamma_regularizer": None,
                "beta_constraint": None, "gamma_constraint": None, "synchronized": False}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BatchNormalization:
        config = dict(config)
        for k in list(config):
            if k.endswith("_initializer") and isinstance(config[k], dict):
                config[k] = initializers.deserialize(config[k])
        return cls(**config)


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (the last by default)."""

    supports_masking = True

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", rms_scaling: bool = False,
                 **kwargs: Any) -> None:
        for k in ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        self._axes = tuple(sorted(a % rank for a in _axes(self.axis)))
        shape = tuple(int(input_shape[a]) for a in self._axes)
        self._bshape = tuple(input_shape[i] if i in self._axes else 1 for i in range(rank))
        self._needs_reshape = self._axes != (rank - 1,)
        self.gamma = (self.add_weight(shape, self.gamma_initializer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape, self.beta_initializer, name="beta")
                     if self.center and not self.rms_scaling else None)

    def _b(self, v: Any) -> Any:
        return ops.reshape(v, self._bshape) if self._needs_reshape else v

    def call(self, inputs: Any) -> Any:
        if self.rms_scaling:
            var = ops.mean(ops.square(inputs), axis=self._axes, keepdims=True)
            out = ops.multiply(inputs, ops.rsqrt(ops.add(var, self.epsilon)))
        else:
            mean, var = ops.moments(inputs, axes=self._axes, keepdims=True)
            out = ops.multiply(ops.subtract(inputs, mean), ops.rsqrt(ops.add(var, self.epsilon)))
        if self.gamma is not None:
            out = ops.multiply(out, self._b(self.gamma.value))
        if self.beta is not None:
            out = ops.add(out, self._b(self.beta.value))
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": None, "gamma_regularizer": None,
                "beta_constraint": None, "gamma_constraint": None}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LayerNormalization:
        config = dict(config)
        for k in list(config):
            if k.endswith("_initializer") and isinstance(config[k], dict):
                config[k] = initializers.deserialize(config[k])
        return cls(**config)
