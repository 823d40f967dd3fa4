"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax.

Example:
    >>> from polykeras import layers, ops
    >>> ops.convert_to_numpy(layers.ReLU(max_value=1.0)(ops.convert_to_tensor([-1.0, 3.0])))
    array([0., 1.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras import activations, initializers, ops, regularizers
from polykeras.layers.convolutional import serialize
from polykeras.layers.layer import Layer


class ElementwiseLayer(Layer):
    """A layer whose output has its input's shape."""

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape)


class ReLU(ElementwiseLayer):
    """``max(x, 0)`` with an optional cap (``max_value``), slope below the threshold
    (``negative_slope``) and ``threshold``."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: max_value must be >= 0, received {max_value}.")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"ReLU: negative_slope must be >= 0, received {negative_slope}.")
        if threshold is None:
            raise ValueError("ReLU: threshold must be a number, received None.")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(ElementwiseLayer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: negative_slope must be >= 0, received "
                             f"{negative_slope}.")
        self.negative_slope = float(negative_slope)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(ElementwiseLayer):
    """Leaky ReLU with a learned slope ``alpha`` per input element (shared along
    ``shared_axes``): ``relu(x) - alpha * relu(-x)``.

    Example:
        >>> from polykeras import ops
        >>> PReLU(shared_axes=[1, 2])(ops.ones((1, 4, 4, 3))).shape
        (1, 4, 4, 3)
    """

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes: list[int] | None = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU layer {self.name!r}: shared axis {axis} is not a "
                                 f"non-batch axis of inputs shaped {tuple(input_shape)}.")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU layer {self.name!r} needs known dimensions outside its "
                             f"shared_axes, received input shape {tuple(input_shape)}.")
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, name="alpha")

    def call(self, inputs: Any) -> Any:
        return ops.subtract(ops.relu(inputs),
                            ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": serialize(self.alpha_regularizer, regularizers),
                "alpha_constraint": None, "shared_axes": self.shared_axes}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PReLU:
        config = dict(config)
        if isinstance(config.get("alpha_initializer"), dict):
            config["alpha_initializer"] = initializers.deserialize(config["alpha_initializer"])
        if isinstance(config.get("alpha_regularizer"), dict):
            config["alpha_regularizer"] = regularizers.deserialize(config["alpha_regularizer"])
        return cls(**config)


class ELU(ElementwiseLayer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


def _large_negative(dtype: str) -> float:
    return -3e4 if dtype == "float16" else -1e9


class Softmax(ElementwiseLayer):
    """Softmax over ``axis`` (an int or a tuple). With ``mask``, masked positions get
    probability 0 (positions where the mask is False, or <= 0.5 for a numeric mask).

    Example:
        >>> from polykeras import ops
        >>> x = ops.convert_to_tensor([[1.0, 2.0, 3.0]])
        >>> ops.convert_to_numpy(Softmax()(x, mask=ops.convert_to_tensor([[True, True, False]])))[0, 2]
        np.float32(0.0)
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis) if isinstance(axis, int) else tuple(int(a) for a in axis)
        self.built = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            if ops.dtype(mask) != "bool":
                mask = ops.greater(mask, 0.5)
            inputs = ops.where(mask, inputs, _large_negative(ops.dtype(inputs)))
        axis = self.axis[0] if isinstance(self.axis, tuple) and len(self.axis) == 1 else self.axis
        out = ops.softmax(inputs, axis=axis)
        if mask is not None:
            out = ops.multiply(out, ops.cast(mask, ops.dtype(out)))
        return out

    def get_config(self) -> dict[str, Any]:
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}
