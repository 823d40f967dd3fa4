"""Recurrent layers: ``RNN(cell)`` and ``SimpleRNN``, ``LSTM``, ``GRU``.

The time loop is :func:`polykeras.ops.scan` (``lax.scan`` on jax, one
``tf.while_loop`` on tensorflow, a Python loop on the eager backends); ``unroll=True``
writes the steps out instead. Built-in cells project the whole input sequence through
their input kernel before the loop, so each step does only the recurrent matmul. Where
the adapter has an ``rnn`` kernel (see :func:`polykeras.ops.fused.rnn`: torch's native
LSTM/GRU, a NumPy loop with a hand-derived backward), an unmasked built-in recurrence
runs in it whole.

Masks (``(batch, timesteps)`` bools, from ``Masking`` or ``Embedding(mask_zero=True)``)
hold the state and the output of masked steps, as Keras 3.

Example:
    >>> from polykeras import layers, ops
    >>> lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    >>> seq, h, c = lstm(ops.ones((2, 5, 3)))
    >>> ops.shape(seq), ops.shape(h), ops.shape(c)
    ((2, 5, 4), (2, 4), (2, 4))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras import ops
from polykeras.layers.layer import Layer
from polykeras.layers.recurrent_cells import (
    DropoutRNNCell,
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    deserialize_cell_config,
)
from polykeras.ops import fused
from polykeras.utils import tree
from polykeras.utils.naming import to_snake_case


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _output_size(cell: Any) -> int:
    size = getattr(cell, "output_size", None)
    if size is None:
        state = cell.state_size
        size = state[0] if isinstance(state, (list, tuple)) else state
    return int(size)


class RNN(Layer):
    """Runs a cell over the time axis of ``(batch, timesteps, features)`` inputs.

    Args:
        cell: a cell (``call(inputs, states) -> (output, new_states)`` and a
            ``state_size``), or a list of cells (stacked).
        return_sequences: return every step's output, not only the last.
        return_state: also return the final states.
        go_backwards: process the sequence in reverse (outputs in processing order).
        stateful: carry the final states of one batch into the next (needs a fixed
            batch size); :meth:`reset_states` zeroes them.
        unroll: write out the time loop instead of a symbolic loop.
        zero_output_for_mask: masked steps output zeros instead of the last output.

    Example:
        >>> from polykeras import layers, ops
        >>> rnn = layers.RNN([layers.SimpleRNNCell(3), layers.SimpleRNNCell(2)])
        >>> ops.shape(rnn(ops.ones((4, 6, 5))))
        (4, 2)
    """

    supports_masking = True

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        if not hasattr(cell, "call") or getattr(cell, "state_size", None) is None:
            raise ValueError(
                "RNN expects a cell with a `call(inputs, states)` method and a `state_size` "
                f"attribute, received {cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states: list[Any] | None = None

    # ------------------------------------------------------------------ shapes
    @property
    def _state_sizes(self) -> list[Any]:
        return _as_list(self.cell.state_size)

    def _flat_state_sizes(self) -> list[int]:
        return [int(s) for s in tree.flatten(self._state_sizes)]

    def compute_output_shape(self, input_shape: Any, initial_state_shape: Any = None) -> Any:
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        batch, steps = input_shape[0], input_shape[1]
        units = _output_size(self.cell)
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if not self.return_state:
            return out
        return [out] + [(batch, s) for s in self._flat_state_sizes()]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self._flat_state_sizes())
        return out

    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        self._check_rank(input_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build((input_shape[0],) + input_shape[2:])
        if self.stateful:
            batch = input_shape[0]
            if batch is None:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r} has stateful=True but its batch size "
                    f"is not fixed (input shape {input_shape}). Pass batch_size= to Input() "
                    "or batch_input_shape= to the first layer."
                )
            from polykeras.backend import selection
            from polykeras.variables import Variable

            self.states = []
            with selection.use(self._backend):
                for i, size in enumerate(self._flat_state_sizes()):
                    var = Variable(np.zeros((int(batch), size)), dtype=self.dtype,
                                   trainable=False, name=f"rnn_state_{i}")
                    var.path = f"{self.name}/{var.name}"
                    self.states.append(var)
            # States travel through compiled steps like random-generator states: they
            # are not weights (never saved or trained), as in Keras.
            self._rng_variables.extend(self.states)

    def _check_rank(self, shape: tuple[Any, ...]) -> None:
        if len(shape) < 3:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects input of rank 3 "
                f"(batch, timesteps, features), received shape {shape}. Reshape the data or "
                "add an Embedding/Reshape layer first."
            )

    def reset_states(self, states: Any = None) -> None:
        """Zero the states of a stateful layer (or set them to ``states``)."""
        if not self.stateful or self.states is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: reset_states() needs stateful=True "
                "and a built layer."
            )
        values = [None] * len(self.states) if states is None else _as_list(states)
        if len(values) != len(self.states):
            raise ValueError(
                f"{self.name!r} has {len(self.states)} states, received {len(values)} values."
            )
        for var, value in zip(self.states, values):
            var.assign(ops.zeros(var.shape, var.dtype) if value is None
                       else ops.convert_to_tensor(value, var.dtype))

    reset_state = reset_states

    def get_initial_state(self, batch_size: int) -> list[Any]:
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            return _as_list(fn(batch_size))
        return [ops.zeros((batch_size, int(s)), dtype=self.dtype) for s in self._state_sizes]

    # ------------------------------------------------------------------ calling
    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        shape = tuple(ops.shape(sequences))
        self._check_rank(shape)
        batch, steps = shape[0], shape[1]
        if mask is not None:
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
            if tuple(ops.shape(mask)) != (batch, steps):
                raise ValueError(
                    f"{type(self).__name__} layer {self.name!r} received a mask of shape "
                    f"{tuple(ops.shape(mask))}; expected (batch, timesteps) = {(batch, steps)}."
                )
            if ops.dtype(mask) != "bool":
                mask = ops.cast(mask, "bool")
        if initial_state is None:
            if self.stateful and self.states is not None:
                if self.states[0].shape[0] != batch:
                    raise ValueError(
                        f"Stateful {type(self).__name__} {self.name!r} was built for batch "
                        f"size {self.states[0].shape[0]}, received a batch of {batch}."
                    )
                initial_state = tree.pack_sequence_as(
                    self._state_sizes, [v.value for v in self.states])
            else:
                initial_state = self.get_initial_state(batch)
        else:
            initial_state = self._check_initial_state(initial_state, batch)
        last, outputs, states = self._run(sequences, initial_state, mask, training)
        if self.stateful and self.states is not None:
            for var, value in zip(self.states, tree.flatten(states)):
                var.assign(value)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + tree.flatten(states)
        return output

    def _check_initial_state(self, initial_state: Any, batch: int) -> list[Any]:
        flat = tree.flatten(initial_state)
        sizes = self._flat_state_sizes()
        shapes = [tuple(ops.shape(s)) for s in flat]
        if shapes != [(batch, s) for s in sizes]:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects initial_state shapes "
                f"{[(batch, s) for s in sizes]}, received {shapes}."
            )
        return tree.pack_sequence_as(self._state_sizes, flat)

    def _run(self, sequences: Any, initial_state: list[Any], mask: Any, training: Any
             ) -> tuple[Any, Any, list[Any]]:
        """``(last output, all outputs (batch, time, units) or None, final states)``."""
        cell = self.cell
        builtin = isinstance(cell, DropoutRNNCell)
        if builtin:
            dp, rec = cell.dropout_masks(sequences[:, 0], training)
            kind = cell.fused_kind()
            if kind is not None and mask is None and rec is None and not self.unroll:
                x = sequences if dp is None else ops.multiply(sequences, ops.expand_dims(dp, 1))
                bias = None if cell.bias is None else cell.bias.value
                out = fused.rnn(kind, x, tree.flatten(initial_state), cell.kernel.value,
                                cell.recurrent_kernel.value, bias, self.go_backwards)
                if out is not None:
                    last, outputs, states = out
                    return last, outputs if self.return_sequences else None, states
            xs = cell.project_inputs(sequences, dp)

            def step_fn(x: Any, states: Any) -> tuple[Any, Any]:
                return cell.recurrent_step(x, states, rec)
        else:
            xs = sequences
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}

            def step_fn(x: Any, states: Any) -> tuple[Any, Any]:
                out, new = cell(x, states, **kwargs)
                return out, new if isinstance(new, (list, tuple)) else [new]

        return run_recurrence(step_fn, xs, initial_state, mask, _output_size(cell),
                              go_backwards=self.go_backwards, unroll=self.unroll,
                              zero_output_for_mask=self.zero_output_for_mask,
                              return_sequences=self.return_sequences)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        from polykeras.layers.wrappers import serialize_inner

        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "zero_output_for_mask": self.zero_output_for_mask}
        if type(self) is RNN:
            config["cell"] = serialize_inner(self.cell)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        from polykeras.saving.serialization import deserialize_object

        config = dict(config)
        config["cell"] = deserialize_object(config["cell"], kind="layers")
        return cls(**config)


def run_recurrence(step_fn: Any, xs: Any, initial_state: Any, mask: Any, units: int,
                   go_backwards: bool = False, unroll: bool = False,
                   zero_output_for_mask: bool = False, return_sequences: bool = True
                   ) -> tuple[Any, Any, Any]:
    """The time loop of every recurrent layer.

    ``step_fn(x_t, states) -> (output, new_states)`` runs over axis 1 of ``xs``
    (``(batch, time, ...)``); masked steps keep the previous states and output (or
    output zeros with ``zero_output_for_mask``). Returns ``(last output, outputs
    (batch, time, units) or None, final states)``; with ``go_backwards`` the steps run
    from the end and ``outputs`` is in processing order.
    """
    batch = ops.shape(xs)[0]
    if go_backwards:
        xs = ops.flip(xs, 1)
        mask = None if mask is None else ops.flip(mask, 1)
    xs_t = ops.swapaxes(xs, 0, 1)
    zeros = ops.zeros((batch, units), dtype=ops.dtype(xs_t))
    if mask is None:
        def step(carry: Any, x: Any) -> Any:
            out, new = step_fn(x, carry[0])
            return (new, out), out
        seq_in: Any = xs_t
    else:
        def step(carry: Any, x: Any) -> Any:
            x, m = x
            states, prev = carry
            out, new = step_fn(x, states)
            new = tree.map_structure(lambda n, s: ops.where(m, n, s), new, states)
            keep = ops.where(m, out, prev)
            emitted = ops.where(m, out, zeros) if zero_output_for_mask else keep
            return (new, keep), emitted
        seq_in = (xs_t, ops.expand_dims(ops.swapaxes(mask, 0, 1), -1))
    init = (initial_state, zeros)
    if unroll:
        steps = ops.shape(xs_t)[0]
        carry, outs = init, []
        for t in range(steps):
            x = tree.map_structure(lambda a, t=t: a[t], seq_in)
            carry, y = step(carry, x)
            outs.append(y)
        ys = ops.stack(outs, 0) if return_sequences else None
    else:
        carry, ys = ops.scan(step, init, seq_in)
    states, last = carry
    outputs = ops.swapaxes(ys, 0, 1) if (return_sequences and ys is not None) else None
    return last, outputs, states


class _CellLayer(RNN):
    """A recurrent layer owning one built-in cell; its config is the cell's, flattened."""

    _cell_class: type = DropoutRNNCell
    _cell_args: tuple[str, ...] = ()

    def __init__(self, units: int, *, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, activity_regularizer: Any = None,
                 **kwargs: Any) -> None:
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in self._cell_args}
        dtype = kwargs.get("dtype")
        cell = self._cell_class(units, name=to_snake_case(self._cell_class.__name__),
                                dtype=dtype, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # units, activation, dropout ... are the cell's, as in Keras.
        if name in type(self)._cell_args or name == "units":
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> dict[str, Any]:
        cell_config = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cell_config.pop(k, None)
        return {**super().get_config(), **cell_config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**deserialize_cell_config(config))


_COMMON_CELL_ARGS = (
    "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed",
)


class SimpleRNN(_CellLayer):
    """Fully connected RNN: ``h_t = activation(x_t W + h_{t-1} U + b)``.

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.SimpleRNN(4)(ops.ones((2, 3, 5))))
        (2, 4)
    """

    _cell_class = SimpleRNNCell
    _cell_args = _COMMON_CELL_ARGS


class LSTM(_CellLayer):
    """Long short-term memory layer (Keras 3 defaults: ``recurrent_activation="sigmoid"``,
    ``unit_forget_bias=True``; weights kernel, recurrent_kernel, bias with gates i, f, c, o).

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.LSTM(4)(ops.ones((2, 3, 5))))
        (2, 4)
    """

    _cell_class = LSTMCell
    _cell_args = _COMMON_CELL_ARGS + ("recurrent_activation", "unit_forget_bias")


class GRU(_CellLayer):
    """Gated recurrent unit layer (Keras 3 defaults: ``reset_after=True``,
    ``recurrent_activation="sigmoid"``; gates z, r, h).

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.GRU(4, return_sequences=True)(ops.ones((2, 3, 5))))
        (2, 3, 4)
    """

    _cell_class = GRUCell
    _cell_args = _COMMON_CELL_ARGS + ("recurrent_activation", "reset_after")
