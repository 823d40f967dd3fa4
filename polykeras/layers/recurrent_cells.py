"""Recurrent cells: ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell`` and ``StackedRNNCells``.

A cell computes one timestep: ``output, new_states = cell(inputs, states)``. The
built-in cells also split that step in two so :class:`polykeras.layers.RNN` can move the
input half out of the time loop: ``project_inputs`` maps the whole sequence through the
input kernel at once, and ``recurrent_step`` does only the recurrent part per step.
Weights follow Keras 3 (``kernel``, ``recurrent_kernel``, ``bias``; LSTM gates i, f, c,
o; GRU gates z, r, h), so ``set_weights`` from a Keras 3 cell gives the same outputs.

Example:
    >>> from polykeras import layers, ops
    >>> cell = layers.LSTMCell(4)
    >>> out, (h, c) = cell(ops.ones((2, 3)), [ops.zeros((2, 4)), ops.zeros((2, 4))])
    >>> ops.shape(out), [w.shape for w in cell.weights]
    ((2, 4), [(3, 16), (4, 16), (16,)])
"""

from __future__ import annotations

from typing import Any

from polykeras import activations, initializers, ops, regularizers
from polykeras import random as pk_random
from polykeras.layers.layer import Layer


def _serialize(obj: Any, module: Any) -> Any:
    return None if obj is None else module.serialize(obj)


class _UnitForgetBias(initializers.Initializer):
    """LSTM bias: ``bias_initializer`` for the i, c, o gates and ones for f."""

    def __init__(self, base: Any, units: int) -> None:
        self.base, self.units = base, units

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        import numpy as np

        u = self.units
        return np.concatenate([self.base((u,), dtype), np.ones((u,), dtype or "float32"),
                               self.base((2 * u,), dtype)])


class DropoutRNNCell(Layer):
    """Base of the built-in cells: weights, input and recurrent dropout masks.

    Dropout masks are drawn once per sequence (the same units drop at every step), as
    in Keras; :class:`RNN` draws them with :meth:`dropout_masks` before its loop.
    """

    _gates = 1

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"{type(self).__name__} expects a positive int `units`, received {units!r}."
            )
        for what, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= float(rate) < 1.0:
                raise ValueError(
                    f"{type(self).__name__}: `{what}` must be in [0, 1), received {rate!r}."
                )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)

    @property
    def state_size(self) -> Any:
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} needs a known feature dimension, "
                f"received input shape {tuple(input_shape)}."
            )
        width = self._gates * self.units
        self.kernel = self.add_weight((int(dim), width), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, name="recurrent_kernel")
        self.bias = (self.add_weight(self._bias_shape(), self._bias_initializer(),
                                     regularizer=self.bias_regularizer, name="bias")
                     if self.use_bias else None)

    def get_initial_state(self, batch_size: int) -> list[Any]:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), dtype=self.dtype) for s in sizes]

    # ------------------------------------------------------------------ dropout
    def dropout_masks(self, inputs: Any, training: Any) -> tuple[Any, Any]:
        """``(input mask, recurrent mask)`` for a batch whose first step is ``inputs``
        (each None when that dropout is off or not training)."""
        if not training:
            return None, None
        batch = ops.shape(inputs)[0]
        dp = rec = None
        if self.dropout > 0:
            dp = pk_random.dropout(ops.ones((batch, ops.shape(inputs)[-1]), self.dtype),
                                   self.dropout, seed=self.seed_generator)
        if self.recurrent_dropout > 0:
            rec = pk_random.dropout(ops.ones((batch, self.units), self.dtype),
                                    self.recurrent_dropout, seed=self.seed_generator)
        return dp, rec

    # ------------------------------------------------------------------ stepping
    def project_inputs(self, inputs: Any, input_mask: Any = None) -> Any:
        """``inputs`` (any leading axes) through the input kernel (and input bias)."""
        if input_mask is not None:
            mask = input_mask if len(ops.shape(inputs)) == 2 else ops.expand_dims(input_mask, 1)
            inputs = ops.multiply(inputs, mask)
        x = ops.matmul(inputs, self.kernel)
        bias = self._input_bias()
        return x if bias is None else ops.add(x, bias)

    def _input_bias(self) -> Any:
        return self.bias

    def recurrent_step(self, projected: Any, states: list[Any], recurrent_mask: Any = None
                       ) -> tuple[Any, list[Any]]:
        raise NotImplementedError

    #: The :func:`polykeras.ops.fused.rnn` kind of this cell with default activations.
    _fused_kind: str | None = None

    def fused_kind(self) -> str | None:
        """The fused-kernel kind this cell can run as, or None (other activations)."""
        if self._fused_kind is None or self.activation is not activations.tanh:
            return None
        rec = getattr(self, "recurrent_activation", activations.sigmoid)
        return self._fused_kind if rec is activations.sigmoid else None

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Any, list[Any]]:
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        dp, rec = self.dropout_masks(inputs, training)
        return self.recurrent_step(self.project_inputs(inputs, dp), states, rec)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
                "recurrent_regularizer": _serialize(self.recurrent_regularizer, regularizers),
                "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
                "kernel_constraint": None, "recurrent_constraint": None,
                "bias_constraint": None, "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**deserialize_cell_config(config))


def deserialize_cell_config(config: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments from a cell/layer config (initializer and regularizer dicts
    turned back into objects)."""
    config = dict(config)
    for k in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        if isinstance(config.get(k), dict):
            config[k] = initializers.deserialize(config[k])
    for k in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "activity_regularizer"):
        if isinstance(config.get(k), dict):
            config[k] = regularizers.deserialize(config[k])
    return config


class SimpleRNNCell(DropoutRNNCell):
    """``h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)``.

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.SimpleRNNCell(3)(ops.ones((2, 5)), [ops.zeros((2, 3))])[0])
        (2, 3)
    """

    _fused_kind = "simple_rnn"

    def recurrent_step(self, projected: Any, states: list[Any], recurrent_mask: Any = None
                       ) -> tuple[Any, list[Any]]:
        h = states[0]
        if recurrent_mask is not None:
            h = ops.multiply(h, recurrent_mask)
        out = self.activation(ops.add(projected, ops.matmul(h, self.recurrent_kernel)))
        return out, [out]


class LSTMCell(DropoutRNNCell):
    """Long short-term memory cell (gates i, f, c, o in one ``4 * units`` kernel).

    Example:
        >>> from polykeras import layers
        >>> layers.LSTMCell(8).state_size
        [8, 8]
    """

    _gates = 4
    _fused_kind = "lstm"

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self) -> Any:
        return [self.units, self.units]

    def _bias_initializer(self) -> Any:
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def recurrent_step(self, projected: Any, states: list[Any], recurrent_mask: Any = None
                       ) -> tuple[Any, list[Any]]:
        h, c = states[0], states[1]
        if recurrent_mask is not None:
            h = ops.multiply(h, recurrent_mask)
        z = ops.add(projected, ops.matmul(h, self.recurrent_kernel))
        zi, zf, zc, zo = ops.split(z, 4, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        c = ops.add(ops.multiply(rec(zf), c), ops.multiply(rec(zi), act(zc)))
        h = ops.multiply(rec(zo), act(c))
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(DropoutRNNCell):
    """Gated recurrent unit (gates z, r, h). ``reset_after=True`` (the default, as
    Keras 3 and cuDNN) applies the reset gate after the recurrent matmul and keeps
    separate input and recurrent biases, ``bias`` of shape ``(2, 3 * units)``.

    Example:
        >>> from polykeras import layers, ops
        >>> cell = layers.GRUCell(2)
        >>> _ = cell(ops.ones((1, 3)), [ops.zeros((1, 2))])
        >>> [w.shape for w in cell.weights]
        [(3, 6), (2, 6), (2, 6)]
    """

    _gates = 3
    _fused_kind = "gru"

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self) -> Any:
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def recurrent_step(self, projected: Any, states: list[Any], recurrent_mask: Any = None
                       ) -> tuple[Any, list[Any]]:
        h_prev = states[0]
        h = h_prev if recurrent_mask is None else ops.multiply(h_prev, recurrent_mask)
        xz, xr, xh = ops.split(projected, 3, axis=-1)
        u = self.units
        act, rec = self.activation, self.recurrent_activation
        if self.reset_after:
            inner = ops.matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                inner = ops.add(inner, self.bias[1])
            rz, rr, rh = ops.split(inner, 3, axis=-1)
            z = rec(ops.add(xz, rz))
            r = rec(ops.add(xr, rr))
            hh = act(ops.add(xh, ops.multiply(r, rh)))
        else:
            inner = ops.matmul(h, self.recurrent_kernel[:, : 2 * u])
            rz, rr = ops.split(inner, 2, axis=-1)
            z = rec(ops.add(xz, rz))
            r = rec(ops.add(xr, rr))
            hh = act(ops.add(xh, ops.matmul(ops.multiply(r, h), self.recurrent_kernel[:, 2 * u:])))
        out = ops.add(ops.multiply(z, h_prev), ops.multiply(ops.subtract(1.0, z), hh))
        return out, [out]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds one cell's output to the next.

    Example:
        >>> from polykeras import layers
        >>> layers.StackedRNNCells([layers.LSTMCell(4), layers.GRUCell(3)]).state_size
        [[4, 4], 3]
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(
                    "StackedRNNCells expects cells with a `call` method and a `state_size`, "
                    f"received {cell!r}."
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            size = last.state_size[0] if isinstance(last.state_size, (list, tuple)) else last.state_size
        return int(size)

    def get_initial_state(self, batch_size: int) -> list[Any]:
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                out.append([ops.zeros((batch_size, s), dtype=self.dtype) for s in sizes])
        return out

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(shape)
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
            shape = shape[:-1] + (int(size),)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Any, list[Any]]:
        new_states = []
        x = inputs
        for cell, state in zip(self.cells, states):
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            x, s = cell(x, state, **kwargs)
            new_states.append(list(s) if isinstance(s, (list, tuple)) else [s])
        return x, new_states

    def get_config(self) -> dict[str, Any]:
        from polykeras.layers.wrappers import serialize_inner

        return {**super().get_config(), "cells": [serialize_inner(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StackedRNNCells:
        from polykeras.saving.serialization import deserialize_object

        config = dict(config)
        config["cells"] = [deserialize_object(c) for c in config["cells"]]
        return cls(**config)
