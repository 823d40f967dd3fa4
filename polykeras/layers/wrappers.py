"""Layer wrappers: ``Bidirectional`` (an RNN run both ways) and ``TimeDistributed``.

Example:
    >>> from polykeras import layers, ops
    >>> bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    >>> ops.shape(bi(ops.ones((2, 4, 5))))
    (2, 4, 6)
    >>> ops.shape(layers.TimeDistributed(layers.Dense(7))(ops.ones((2, 4, 5))))
    (2, 4, 7)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.layers.layer import Layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def serialize_inner(layer: Any) -> dict[str, Any]:
    """The config of a layer nested in another's config (a wrapped layer, an RNN cell),
    without its build state, so a config reads the same before and after building."""
    from polykeras.saving.serialization import serialize_object

    config = dict(serialize_object(layer))
    config.pop("build_config", None)
    return config


def _copy_layer(layer: Any, **changes: Any) -> Any:
    config = {**layer.get_config(), **changes}
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards, merging their outputs.

    Args:
        layer: a recurrent layer (``RNN``, ``LSTM``, ``GRU`` ...).
        merge_mode: "concat" (default), "sum", "mul", "ave", or None for a list
            ``[forward, backward]``.
        backward_layer: the backward layer to use instead of a copy of ``layer``
            (it must have ``go_backwards`` opposite to ``layer``'s).

    Weights are the forward layer's, then the backward layer's (as Keras 3).

    Example:
        >>> from polykeras import layers, ops
        >>> bi = layers.Bidirectional(layers.GRU(2), merge_mode="sum")
        >>> ops.shape(bi(ops.ones((3, 4, 5))))
        (3, 2)
    """

    supports_masking = True

    def __init__(self, layer: Any, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(
                "Bidirectional expects a recurrent layer (RNN, LSTM, GRU, SimpleRNN), "
                f"received {layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: invalid merge_mode {merge_mode!r}. Expected one of "
                f"{_MERGE_MODES}."
            )
        super().__init__(**kwargs)
        name = layer.name.removeprefix("forward_")
        self.forward_layer = _copy_layer(layer, name=f"forward_{name}")
        if backward_layer is None:
            self.backward_layer = _copy_layer(layer, name=f"backward_{name}",
                                              go_backwards=not layer.go_backwards)
        else:
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "Bidirectional: backward_layer.go_backwards must be the opposite of "
                    f"layer.go_backwards; both are {layer.go_backwards}."
                )
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(
                        f"Bidirectional: backward_layer.{attr} must equal layer.{attr} "
                        f"({getattr(layer, attr)})."
                    )
            self.backward_layer = backward_layer
        # Bidirectional sequences line up step by step: masked steps output zeros.
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences: bool = self.forward_layer.return_sequences
        self.return_state: bool = self.forward_layer.return_state
        self._initial_weights_bi = weights

    def build(self, input_shape: Any) -> None:
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        if self._initial_weights_bi is not None:
            self.set_weights(self._initial_weights_bi)
            self._initial_weights_bi = None

    def _merge(self, fwd: Any, bwd: Any) -> Any:
        mode = self.merge_mode
        if mode == "concat":
            return ops.concatenate([fwd, bwd], axis=-1)
        if mode == "sum":
            return ops.add(fwd, bwd)
        if mode == "ave":
            return ops.multiply(ops.add(fwd, bwd), 0.5)
        if mode == "mul":
            return ops.multiply(fwd, bwd)
        return [fwd, bwd]

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        fwd_state = bwd_state = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ValueError(
                    f"Bidirectional {self.name!r}: initial_state needs the forward states "
                    f"then the backward states (an even number), received {len(states)}."
                )
            half = len(states) // 2
            fwd_state, bwd_state = states[:half], states[half:]
        fwd = self.forward_layer(sequences, initial_state=fwd_state, mask=mask,
                                 training=training)
        bwd = self.backward_layer(sequences, initial_state=bwd_state, mask=mask,
                                  training=training)
        if self.return_state:
            fwd, fwd_states = fwd[0], list(fwd[1:])
            bwd, bwd_states = bwd[0], list(bwd[1:])
        if self.return_sequences:
            bwd = ops.flip(bwd, 1)
        out = self._merge(fwd, bwd)
        if self.return_state:
            outs = out if isinstance(out, list) else [out]
            return outs + fwd_states + bwd_states
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shape[0], shape[1:]) if self.return_state else (shape, [])
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (out[-1] * 2,)
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [tuple(s) for s in states] * 2
        return outs if self.merge_mode is None else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(self.forward_layer._flat_state_sizes()) * 2
            return outs + [None] * n
        return outs if self.merge_mode is None else out

    def reset_states(self) -> None:
        for layer in (self.forward_layer, self.backward_layer):
            layer.reset_states()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_inner(self.forward_layer),
                "backward_layer": serialize_inner(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Bidirectional:
        from polykeras.saving.serialization import deserialize_object

        config = dict(config)
        config["layer"] = deserialize_object(config["layer"], kind="layers")
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_object(config["backward_layer"],
                                                          kind="layers")
        return cls(**config)


class TimeDistributed(Layer):
    """Applies ``layer`` to every timestep (axis 1) of its input independently.

    Example:
        >>> from polykeras import layers, ops
        >>> td = layers.TimeDistributed(layers.Dense(3))
        >>> ops.shape(td(ops.ones((2, 5, 4))))
        (2, 5, 3)
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed expects a Layer, received {layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def _check(self, shape: tuple[Any, ...]) -> None:
        if len(shape) < 3:
            raise ValueError(
                f"TimeDistributed {self.name!r} expects input of rank >= 3 (batch, "
                f"timesteps, ...), received shape {shape}."
            )

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._check(shape)
        self.layer._maybe_build((None,) + shape[2:])

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        inner = self.layer.compute_output_shape((None,) + shape[2:])
        return (shape[0], shape[1]) + tuple(inner[1:])

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        shape = tuple(ops.shape(inputs))
        self._check(shape)
        flat = ops.reshape(inputs, (shape[0] * shape[1],) + shape[2:])
        kwargs = {"training": training} if self.layer._call_has_training else {}
        out = self.layer(flat, **kwargs)
        out_shape = tuple(ops.shape(out))
        return ops.reshape(out, (shape[0], shape[1]) + out_shape[1:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize_inner(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TimeDistributed:
        from polykeras.saving.serialization import deserialize_object

        config = dict(config)
        config["layer"] = deserialize_object(config["layer"], kind="layers")
        return cls(**config)
