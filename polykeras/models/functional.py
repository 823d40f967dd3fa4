"""Functional models: a graph of layer calls from ``Input``\\ s to outputs.

Example:
    >>> import polykeras
    >>> inputs = polykeras.Input(shape=(3,))
    >>> x = polykeras.layers.Dense(4, activation=polykeras.activations.relu)(inputs)
    >>> outputs = polykeras.layers.Dense(5, activation=polykeras.activations.softmax)(x)
    >>> model = polykeras.Model(inputs=inputs, outputs=outputs)
    >>> model.output_shape
    (None, 5)
"""

from __future__ import annotations

from typing import Any

from polykeras.layers.core import InputLayer
from polykeras.layers.graph import Node, SymbolicTensor, flatten, map_structure
from polykeras.models.model import Model, check_input_shape


def _topological_nodes(outputs: list[SymbolicTensor]) -> list[Node]:
    order: list[Node] = []
    state: dict[int, int] = {}  # 1 = visiting, 2 = done

    def visit(node: Node) -> None:
        mark = state.get(id(node))
        if mark == 2:
            return
        if mark == 1:
            raise ValueError("The layer graph has a cycle.")
        state[id(node)] = 1
        for t in node.input_tensors:
            if t.node is None:
                raise ValueError(
                    f"The layer graph uses {t!r}, which no layer produced. Build the model "
                    "from polykeras.Input()."
                )
            visit(t.node)
        state[id(node)] = 2
        order.append(node)

    for t in outputs:
        if not isinstance(t, SymbolicTensor) or t.node is None:
            raise ValueError(
                f"Model outputs must be symbolic tensors produced by layers from Input(), "
                f"received {t!r}."
            )
        visit(t.node)
    return order


class Functional(Model):
    """A model defined by ``Model(inputs=..., outputs=...)`` (single or several of each)."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        for t in self.inputs:
            if not isinstance(t, SymbolicTensor) or t.node is None \
                    or not isinstance(t.node.layer, InputLayer):
                raise ValueError(
                    f"Model inputs must come from polykeras.Input(), received {t!r}."
                )
        self._nodes = _topological_nodes(self.outputs)
        reached = {id(n.layer) for n in self._nodes if isinstance(n.layer, InputLayer)}
        for t in self.inputs:
            reached.discard(id(t.node.layer))
        if reached:
            raise ValueError(
                "The model's outputs depend on an Input that is not in `inputs`. Pass every "
                "Input the outputs are computed from."
            )
        from polykeras.saving.graph_config import keras_layer_order

        self._layers = keras_layer_order(self)
        self._run_nodes = [n for n in self._nodes if not isinstance(n.layer, InputLayer)]
        self._checked_shapes: dict[int, Any] = {}
        self.built = True

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self) -> list[str]:
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_layers(self) -> list[Any]:
        return [t.node.layer for t in self.outputs]

    def _flatten_inputs(self, inputs: Any) -> list[Any]:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name!r} expects inputs named {self.input_names}; missing "
                    f"{missing} in the dict received (keys {sorted(inputs)})."
                )
            return [inputs[n] for n in self.input_names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} input(s), received {len(flat)}."
            )
        return flat

    def call(self, inputs: Any, training: Any = None) -> Any:
        b = self._backend
        values: dict[int, Any] = {}
        for t, x in zip(self.inputs, self._flatten_inputs(inputs)):
            if not b.is_tensor(x):
                x = b.convert_to_tensor(x)
            if b.dtype(x) != t.dtype:
                x = b.cast(x, t.dtype)
            shape = b.shape(x)
            if shape != self._checked_shapes.get(t.id):
                first = self._run_nodes[0].layer if self._run_nodes else None
                check_input_shape(self, t.shape, shape, first, t.name)
                self._checked_shapes[t.id] = shape
            values[t.id] = x
        lookup = values.__getitem__

        def resolve(v: Any) -> Any:
            return lookup(v.id) if isinstance(v, SymbolicTensor) else v

        masks: dict[int, Any] = {}
        for node in self._run_nodes:
            args = map_structure(resolve, node.args)
            kwargs = map_structure(resolve, node.kwargs)
            layer = node.layer
            if layer._call_has_training and "training" not in kwargs:
                kwargs["training"] = training
            if not masks and not layer._computes_mask:
                out = layer(*args, **kwargs)
            else:  # masks travel along the graph (Embedding(mask_zero), Masking)
                out = self._call_masked(layer, node, args, kwargs, masks)
            for sym, val in zip(flatten(node.outputs), flatten(out)):
                values[sym.id] = val
        if masks and len(self.outputs) == 1 and self.outputs[0].id in masks:
            self._output_mask = masks[self.outputs[0].id]  # read (and cleared) by the loss
        return map_structure(resolve, self._outputs_struct)

    @staticmethod
    def _call_masked(layer: Any, node: Node, args: Any, kwargs: dict[str, Any],
                     masks: dict[int, Any]) -> Any:
        def mask_of(sym: Any) -> Any:
            if isinstance(sym, SymbolicTensor):
                return masks.get(sym.id)
            if isinstance(sym, (list, tuple)):
                found = [mask_of(s) for s in sym]
                return found if any(m is not None for m in found) else None
            return None

        # Layers with several masked inputs (attention: query, value, key) name them.
        for i, name in enumerate(getattr(layer, "_input_mask_arguments", ())):
            if i < len(node.args) and kwargs.get(name) is None:
                kwargs[name] = mask_of(node.args[i])
        out, out_mask = layer.call_with_mask(args[0], mask_of(node.args[0]), args[1:],
                                             kwargs)
        outputs = flatten(node.outputs)
        out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask]
        for sym, m in zip(outputs, out_masks):
            if m is not None:
                masks[sym.id] = m
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.output_shape

    def get_config(self) -> dict[str, Any]:
        from polykeras.saving.graph_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        from polykeras.saving.graph_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)
