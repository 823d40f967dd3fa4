"""EinsumDense: a dense layer whose contraction is an einsum equation.

``EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")`` maps
``(batch, steps, c)`` to ``(batch, steps, 4, 8)`` with a ``(c, 4, 8)`` kernel and a
``(4, 8)`` bias: the projection inside :class:`MultiHeadAttention`. Weight shapes and
order follow Keras 3.

Example:
    >>> from polykeras import layers, ops
    >>> layer = layers.EinsumDense("ab,bc->ac", output_shape=5, bias_axes="c")
    >>> ops.shape(layer(ops.ones((2, 3)))), [w.shape for w in layer.weights]
    ((2, 5), [(3, 5), (5,)])
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from polykeras import activations, initializers, ops, regularizers
from polykeras.layers.layer import Layer

_EQUATION = re.compile(r"^(\.\.\.)?([a-zA-Z]+),([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)$")


def _serialize(obj: Any, module: Any) -> Any:
    return None if obj is None else module.serialize(obj)


def analyze_equation(equation: str, bias_axes: str | None, input_shape: tuple[Any, ...],
                     output_shape: Any) -> tuple[tuple[int, ...], tuple[int, ...] | None,
                                                 tuple[Any, ...]]:
    """``(kernel shape, bias shape or None, full output shape)`` for an EinsumDense.

    ``output_shape`` excludes the batch axis (and the axes an ellipsis stands for).

    Example:
        >>> analyze_equation("abc,cd->abd", "d", (None, 7, 3), (None, 4))
        ((3, 4), (4,), (None, 7, 4))
    """
    eq = equation.replace(" ", "")
    match = _EQUATION.match(eq)
    if match is None or bool(match.group(1)) != bool(match.group(4)):
        raise ValueError(
            f"EinsumDense: invalid equation {equation!r}. Expected 'ab,bc->ac' (input, "
            "kernel -> output), optionally with a leading '...' on the input and output."
        )
    in_spec, w_spec, out_spec = match.group(2), match.group(3), match.group(5)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided and not match.group(1)):
        raise ValueError(
            f"EinsumDense: equation {equation!r} expects inputs of rank {len(in_spec)}, "
            f"received shape {tuple(input_shape)}."
        )
    outs = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    if elided:
        full_out = list(input_shape[:elided]) + outs
        in_dims = dict(zip(in_spec, input_shape[elided:]))
        out_offset = elided
    else:
        full_out = [input_shape[0]] + outs
        in_dims = dict(zip(in_spec, input_shape))
        out_offset = 0
    if len(full_out) != len(out_spec) + out_offset:
        raise ValueError(
            f"EinsumDense: output_shape {tuple(outs)} does not fit the output spec "
            f"{out_spec!r} of equation {equation!r} (the batch axis is excluded)."
        )
    out_dims = dict(zip(out_spec, full_out[out_offset:]))
    for d, size in in_dims.items():
        if d in out_dims and out_dims[d] is None:
            out_dims[d] = size
            full_out[out_offset + out_spec.index(d)] = size
        elif d in out_dims and size is not None and out_dims[d] != size:
            raise ValueError(
                f"EinsumDense: input and output disagree at shared axis {d!r}: input "
                f"{size}, output {out_dims[d]}."
            )
    kernel = []
    for d in w_spec:
        size = in_dims.get(d, out_dims.get(d))
        if size is None:
            raise ValueError(
                f"EinsumDense: kernel axis {d!r} of {equation!r} has an unknown size; give "
                "it in output_shape or in the input shape."
            )
        kernel.append(int(size))
    bias = None
    if bias_axes:
        for d in bias_axes:
            if d not in out_spec:
                raise ValueError(
                    f"EinsumDense: bias axis {d!r} is not in the output spec {out_spec!r}."
                )
        first = min(out_spec.index(d) for d in bias_axes)
        bias = tuple(int(out_dims[d]) if d in bias_axes else 1 for d in out_spec[first:])
    return tuple(kernel), bias, tuple(full_out)


def _matmul_plan(equation: str, kernel: tuple[int, ...]) -> tuple[int, tuple[int, ...]] | None:
    """``(number of contracted input axes, kept kernel dims)`` when ``equation`` is
    ``P C, C K -> P K`` (trailing input axes C contracted with the leading kernel axes),
    which a reshape and one matmul compute; else None."""
    match = _EQUATION.match(equation.replace(" ", ""))
    if match is None:
        return None
    in_spec, w_spec, out_spec = match.group(2), match.group(3), match.group(5)
    for n in range(1, len(w_spec) + 1):
        c, k = w_spec[:n], w_spec[n:]
        prefix = in_spec[: len(in_spec) - n]
        if in_spec.endswith(c) and out_spec == prefix + k and not set(c) & set(prefix + k) \
                and not set(prefix) & set(k):
            return n, kernel[n:]
    return None


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: "input,kernel->output" with one letter per axis, e.g. "abc,cd->abd".
        output_shape: the output shape without the batch axis (None for axes that
            come from the input).
        bias_axes: output axes that get a bias, e.g. "d"; None for no bias.
    """

    supports_masking = True

    def __init__(self, equation: str, output_shape: Any, activation: Any = None,
                 bias_axes: str | None = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.full_output_shape: tuple[Any, ...] | None = None

    def build(self, input_shape: Any) -> None:
        kernel, bias, full = analyze_equation(self.equation, self.bias_axes,
                                              tuple(input_shape), self.partial_output_shape)
        self.full_output_shape = full
        self._matmul_plan = _matmul_plan(self.equation, kernel)
        self.kernel = self.add_weight(kernel, self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.bias = (self.add_weight(bias, self.bias_initializer,
                                     regularizer=self.bias_regularizer, name="bias")
                     if bias is not None else None)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return analyze_equation(self.equation, self.bias_axes, tuple(input_shape),
                                self.partial_output_shape)[2]

    def call(self, inputs: Any) -> Any:
        plan = getattr(self, "_matmul_plan", None)
        if plan is not None:  # a plain contraction of trailing axes: one matmul
            contracted, kept = plan
            shape = tuple(ops.shape(inputs))
            lead = shape[: len(shape) - contracted]
            flat_in = ops.reshape(inputs, lead + (-1,)) if contracted != 1 else inputs
            w = self.kernel.value
            flat_w = ops.reshape(w, (-1, int(np.prod(kept)))) if len(kept) != 1 or \
                contracted != 1 else w
            x = ops.matmul(flat_in, flat_w)
            if len(kept) != 1:
                x = ops.reshape(x, lead + kept)
        else:
            x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def get_config(self) -> dict[str, Any]:
        out = self.partial_output_shape
        return {**super().get_config(), "equation": self.equation,
                "output_shape": out if isinstance(out, int) else list(out),
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
                "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
                "kernel_constraint": None, "bias_constraint": None}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EinsumDense:
        from polykeras.layers.recurrent_cells import deserialize_cell_config

        return cls(**deserialize_cell_config(config))
