"""Regularization layers that add noise while training: SpatialDropout1D/2D/3D,
GaussianNoise, GaussianDropout, AlphaDropout. Outside training they return the input.

Each layer draws from its own :class:`polykeras.random.SeedGenerator`, whose state
travels through compiled training steps, so runs with the same seed repeat.

Example:
    >>> from polykeras import layers, ops
    >>> x = ops.ones((2, 3))
    >>> ops.convert_to_numpy(layers.GaussianNoise(0.5, seed=1)(x, training=False))[0]
    array([1., 1., 1.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from polykeras import ops
from polykeras import random as pk_random
from polykeras.layers.convolutional import data_format_arg
from polykeras.layers.layer import Layer

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _rate(rate: Any, layer: str) -> float:
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"{layer}: rate must be a number in [0, 1], received {rate!r}.")
    return float(rate)


class NoiseLayer(Layer):
    """Base of the training-only random layers: a seed generator and an identity shape."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


class SpatialDropout(NoiseLayer):
    """Dropout of whole feature maps: one keep/drop decision per (sample, channel)."""

    rank = 2

    def __init__(self, rate: float, data_format: Any = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, type(self).__name__)
        self.data_format = (data_format_arg(data_format, type(self).__name__)
                            if self.rank > 1 else "channels_last")

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or self.rate == 0:
            return inputs
        shape = ops.shape(inputs)
        if len(shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs of rank "
                             f"{self.rank + 2}, received shape {tuple(shape)}.")
        if self.data_format == "channels_last":
            noise = (shape[0],) + (1,) * self.rank + (shape[-1],)
        else:
            noise = (shape[0], shape[1]) + (1,) * self.rank
        return pk_random.dropout(inputs, self.rate, noise_shape=noise, seed=self.seed_generator)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "rate": self.rate}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(SpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs."""

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, None, seed, **kwargs)


class SpatialDropout2D(SpatialDropout):
    """Drops whole channels of (batch, h, w, channels) inputs.

    Example:
        >>> SpatialDropout2D(0.5, seed=0).rate
        0.5
    """

    rank = 2


class SpatialDropout3D(SpatialDropout):
    """Drops whole channels of (batch, d, h, w, channels) inputs."""

    rank = 3


class GaussianNoise(NoiseLayer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        if not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be >= 0, received {stddev!r}.")
        self.stddev = float(stddev)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or self.stddev == 0:
            return inputs
        noise = pk_random.normal(ops.shape(inputs), stddev=self.stddev, dtype=ops.dtype(inputs),
                                 seed=self.seed_generator)
        return ops.add(inputs, noise)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(NoiseLayer):
    """Multiplies by Gaussian noise of mean 1 and variance ``rate / (1 - rate)``."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "GaussianDropout")

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = pk_random.normal(ops.shape(inputs), mean=1.0, stddev=stddev,
                                 dtype=ops.dtype(inputs), seed=self.seed_generator)
        return ops.multiply(inputs, noise)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(NoiseLayer):
    """Dropout that keeps the mean and variance of SELU activations: dropped inputs are
    set to SELU's negative saturation value, then an affine map restores the moments."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        shape = tuple(ops.shape(inputs))
        noise = shape if self.noise_shape is None else tuple(
            s if n is None else n for n, s in zip(self.noise_shape, shape, strict=True))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        u = pk_random.uniform(noise, dtype=ops.dtype(inputs), seed=self.seed_generator)
        kept = ops.cast(ops.greater_equal(u, self.rate), ops.dtype(inputs))
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(ops.subtract(1.0, kept), alpha_p))
        return ops.add(ops.multiply(x, a), b)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}
