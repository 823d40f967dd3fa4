"""Sequential: a plain stack of layers.

Example:
    >>> from polykeras import Sequential, layers
    >>> model = Sequential([layers.Dense(500, input_shape=(784,)), layers.Activation("tanh")])
    >>> model.add(layers.Dense(10, activation="softmax"))
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

from typing import Any

from polykeras.layers.core import InputLayer
from polykeras.layers.graph import SymbolicTensor
from polykeras.layers.layer import Layer
from polykeras.models.model import Model, check_input_shape


class Sequential(Model):
    """Layers applied one after another; built eagerly once the input shape is known."""

    def __init__(self, layers: list[Layer] | None = None, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_layer: InputLayer | None = None
        self._symbolic_output: SymbolicTensor | None = None
        self._checked_shape: Any = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Any) -> None:
        """Append a layer (or an ``Input(...)`` placeholder as the first entry)."""
        if isinstance(layer, SymbolicTensor) and layer.node is not None:
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Sequential.add expects a Layer instance, received {type(layer).__name__}: "
                f"{layer!r}."
            )
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An Input/InputLayer can only be the first entry of a Sequential model.")
            self._input_layer = layer
            self._checked_shape = None
            self._symbolic_output = layer.output
            return
        if any(existing is layer for existing in self._layers):
            raise ValueError(f"Layer {layer.name!r} is already in model {self.name!r}.")
        self._layers.append(layer)
        if self._symbolic_output is None and len(self._layers) == 1:
            shape = layer._batch_input_shape
            if shape is not None:
                self._input_layer = InputLayer(batch_shape=shape)
                self._checked_shape = None
                self._symbolic_output = self._input_layer.output
        if self._symbolic_output is not None:
            self._symbolic_output = layer(self._symbolic_output)
            self.built = True

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise ValueError(f"Model {self.name!r} has no layers to pop.")
        layer = self._layers.pop()
        self._rebuild_symbolic()
        return layer

    def _rebuild_symbolic(self) -> None:
        if self._input_layer is None:
            return
        out = self._input_layer.output
        for layer in self._layers:
            out = layer(out)
        self._symbolic_output = out

    @property
    def input_shape(self) -> Any:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._build_shapes is not None:
            return self._build_shapes
        raise ValueError(f"Model {self.name!r} has no defined input shape yet.")

    @property
    def output_shape(self) -> Any:
        if self._symbolic_output is not None:
            return self._symbolic_output.shape
        last_shape = getattr(self._layers[-1], "_output_shape", None) if self._layers else None
        if last_shape is not None:
            return last_shape
        raise ValueError(f"Model {self.name!r} has no defined output shape yet.")

    @property
    def inputs(self) -> list[SymbolicTensor] | None:
        layer = self._input_layer or self._ensure_symbolic()
        return [layer.output] if layer is not None else None

    @property
    def outputs(self) -> list[SymbolicTensor] | None:
        self._ensure_symbolic()
        return [self._symbolic_output] if self._symbolic_output is not None else None

    def _ensure_symbolic(self) -> InputLayer | None:
        """A model built by a call on data gets its layer graph on first request, so
        ``layer.output`` and feature extraction work as for a model built from Input.
        Returns the graph's input layer (None when the input shape is unknown)."""
        if self._input_layer is not None:
            return self._input_layer
        shape = self._build_shapes
        if not (self.built and isinstance(shape, tuple) and self._layers):
            return None
        layer = getattr(self, "_graph_input", None)
        if layer is None:
            layer = InputLayer(batch_shape=(None,) + tuple(shape)[1:])
            out = layer.output
            for sub in self._layers:
                out = sub(out)
            self._graph_input = layer
            self._symbolic_output = out
        return layer

    @property
    def output_layers(self) -> list[Layer]:
        return self._layers[-1:]

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Model {self.name!r}: build() needs an input shape.")
        shape = (None,) + tuple(input_shape)[1:]
        self._input_layer = InputLayer(batch_shape=shape)
        self._checked_shape = None
        self._rebuild_symbolic()
        self._build_shapes = shape
        self.built = True

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = inputs
        b = self._backend
        if self._input_layer is not None:
            if b.dtype(x) != self._input_layer.dtype:
                x = b.cast(x, self._input_layer.dtype)
            shape = b.shape(x)
            if shape != self._checked_shape:
                check_input_shape(self, self._input_layer.batch_shape, shape,
                                  self._layers[0] if self._layers else None)
                self._checked_shape = shape
        elif "float" not in b.dtype(x):
            from polykeras.config import floatx

            x = b.cast(x, floatx())
        mask = None
        for layer in self._layers:
            if mask is None and not layer._computes_mask:
                x = layer(x, training=training)
            else:  # a mask travels from layer to layer (Embedding(mask_zero), Masking)
                x, mask = layer.call_with_mask(x, mask, kwargs={"training": training})
        if mask is not None:
            self._output_mask = mask  # read (and cleared) by the loss: masked steps weigh 0
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict[str, Any]:
        from polykeras.saving.graph_config import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        from polykeras.saving.graph_config import sequential_from_config

        return sequential_from_config(cls, config, custom_objects)
