"""Core layers: InputLayer, Dense, Activation, Dropout, Flatten, Reshape.

Example:
    >>> from polykeras import layers
    >>> layers.Dense(10, activation="softmax").units
    10
"""

from __future__ import annotations

import math
from typing import Any

from polykeras import activations, constraints, initializers, ops, regularizers
from polykeras import random as pk_random
from polykeras.layers import logits
from polykeras.layers.graph import Node, SymbolicTensor
from polykeras.layers.layer import Layer
from polykeras.ops import fused


def _serialize(obj: Any, module: Any) -> Any:
    return None if obj is None else module.serialize(obj)


class InputLayer(Layer):
    """The entry of a functional model; ``Input()`` creates one."""

    _batch_input_shape: tuple[int | None, ...]

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None,
                 name: str | None = None, batch_shape: Any = None, **kwargs: Any) -> None:
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input needs `shape=` (without the batch dimension), e.g. Input(shape=(784,)).")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        node = Node(self, (), {})
        node.outputs = SymbolicTensor(self._batch_input_shape, self.dtype, name=self.name,
                                      node=node)
        self._inbound_nodes.append(node)

    @property
    def batch_shape(self) -> tuple[int | None, ...]:
        return self._batch_input_shape

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": False, "name": self.name}


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis.

    Example:
        >>> Dense(500, input_shape=(784,), activation="tanh")  # doctest: +ELLIPSIS
        <Dense ...>
    """

    _constraint_args = ("kernel_constraint", "bias_constraint")
    supports_masking = True

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense expects a positive int `units`, received {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_dim: int | None = None

    def build(self, input_shape: Any) -> None:
        last = input_shape[-1]
        if last is None:
            raise ValueError(
                f"Dense layer {self.name!r} needs a known last input dimension, received "
                f"shape {tuple(input_shape)}."
            )
        self.input_dim = int(last)
        self.kernel = self.add_weight((self.input_dim, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = (self.add_weight((self.units,), self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint, name="bias")
                     if self.use_bias else None)

    def call(self, inputs: Any) -> Any:
        try:
            x = fused.dense(inputs, self.kernel, self.bias)  # matmul + bias, fused if it can
        except Exception:
            # A wrong last dimension is the usual cause: say so in the layer's terms.
            shape = ops.shape(inputs)
            if shape and shape[-1] != self.input_dim:
                hint = " Add Flatten() first." if len(shape) > 2 else ""
                raise ValueError(
                    f"Dense layer {self.name!r} expected input with last dimension "
                    f"{self.input_dim}, received shape {tuple(shape)}.{hint}"
                ) from None
            raise
        if self.activation is not activations.linear and logits.deferred() is not self:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
                "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
                "kernel_constraint": _serialize(self.kernel_constraint, constraints),
                "bias_constraint": _serialize(self.bias_constraint, constraints)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Dense:
        config = dict(config)
        for k in ("kernel_initializer", "bias_initializer"):
            if isinstance(config.get(k), dict):
                config[k] = initializers.deserialize(config[k])
        for k in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if isinstance(config.get(k), dict):
                config[k] = regularizers.deserialize(config[k])
        for k in ("kernel_constraint", "bias_constraint"):
            if isinstance(config.get(k), dict):
                config[k] = constraints.deserialize(config[k])
        return cls(**config)


class Activation(Layer):
    """Applies an activation function by name or callable."""

    supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        if logits.deferred() is self:
            return inputs
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs during training, scaling the rest up."""

    supports_masking = True

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout rate must be in [0, 1], received {rate}.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)
        self.built = True

    def call(self, inputs: Any, training: Any = None) -> Any:
        if training and self.rate > 0:
            return pk_random.dropout(inputs, self.rate, noise_shape=self.noise_shape,
                                     seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape: Any) -> Any:
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)


class Reshape(Layer):
    """Reshapes to ``target_shape`` (batch axis excluded; one -1 allowed)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        try:
            return ops.reshape(inputs, (shape[0],) + self.target_shape)
        except ValueError as exc:
            raise ValueError(
                f"Reshape layer {self.name!r} cannot reshape input of shape {tuple(shape)} "
                f"to (batch,) + {self.target_shape}: sizes differ."
            ) from exc

    def compute_output_shape(self, input_shape: Any) -> Any:
        target: list[Any] = list(self.target_shape)
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            rest = input_shape[1:]
            if any(d is None for d in rest):
                target[target.index(-1)] = None
            else:
                total = math.prod(rest)
                if total % known:
                    raise ValueError(
                        f"Reshape layer {self.name!r}: cannot reshape {tuple(input_shape)} "
                        f"to {self.target_shape}."
                    )
                target[target.index(-1)] = total // known
        elif None not in input_shape[1:] and math.prod(input_shape[1:]) != math.prod(target):
            raise ValueError(
                f"Reshape layer {self.name!r}: input shape {tuple(input_shape)} has "
                f"{math.prod(input_shape[1:])} values per sample, target {self.target_shape} "
                f"needs {math.prod(target)}."
            )
        return (input_shape[0],) + tuple(target)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}
