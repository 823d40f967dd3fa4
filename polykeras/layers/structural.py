"""Layers that wrap a function or rearrange axes: Lambda, Identity, RepeatVector, Permute.

``Lambda`` saves its function by reference (a named function's module and name, never
its code), and loading a ``Lambda`` layer is refused in safe mode, as Keras does; with
``safe_mode=False`` the function is found through ``custom_objects`` or the
registration decorator.

Example:
    >>> from polykeras import layers, ops
    >>> layers.RepeatVector(3)(ops.ones((2, 4))).shape
    (2, 3, 4)
    >>> layers.Permute((2, 1))(ops.ones((2, 4, 5))).shape
    (2, 5, 4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from polykeras import ops
from polykeras.layers.layer import Layer


class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights).

    Args:
        function: the function to call on the inputs.
        output_shape: the output shape (without batch), or a function of the input
            shape; inferred by running the function when omitted.
        mask: accepted for compatibility, unused.
        arguments: extra keyword arguments passed to ``function``.

    Example:
        >>> from polykeras import ops
        >>> Lambda(lambda x: x * 2)(ops.ones((1, 2))).shape
        (1, 2)
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a callable `function`, received {function!r}.")
        self.function = function
        self.output_shape_arg = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_shape_arg is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape_arg):
            return self.output_shape_arg(input_shape)
        return (input_shape[0], *self.output_shape_arg)

    def get_config(self) -> dict[str, Any]:
        output_shape = self.output_shape_arg
        if isinstance(output_shape, tuple):
            output_shape = list(output_shape)
        return {**super().get_config(), "function": self.function,
                "output_shape": output_shape, "arguments": self.arguments}


class RepeatVector(Layer):
    """Repeats a (batch, features) input ``n`` times: (batch, n, features)."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"RepeatVector expects a positive int `n`, received {n!r}.")
        self.n = n
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = ops.shape(inputs)
        if len(shape) != 2:
            raise ValueError(f"RepeatVector layer {self.name!r} expects inputs of rank 2 "
                             f"(batch, features), received shape {tuple(shape)}.")
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of 1..rank-1."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..{len(self.dims)} "
                             f"(the batch axis 0 stays first), received {dims!r}.")
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute layer {self.name!r} with dims {self.dims} expects "
                             f"inputs of rank {len(self.dims) + 1}, received shape "
                             f"{tuple(input_shape)}.")
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}
