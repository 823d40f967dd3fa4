"""Configs of Sequential and functional models in the Keras 3 layout, and rebuilding
models from them.

A functional config lists each layer with the calls (``inbound_nodes``) that connect it,
each input named ``[layer name, node index, tensor index]``; ``input_layers`` and
``output_layers`` name the model's inputs and outputs the same way. Layers are listed in
the order Keras 3 uses (by depth from the inputs, then by first visit from the outputs),
which also fixes the weight paths in ``model.weights.h5``.

Example:
    >>> import polykeras
    >>> x = polykeras.Input(shape=(3,), name="x")
    >>> model = polykeras.Model(x, polykeras.layers.Dense(2, name="d")(x))
    >>> functional_config(model)["output_layers"]
    ['d', 0, 0]
"""

from __future__ import annotations

from typing import Any

from polykeras.layers.graph import Node, SymbolicTensor, flatten, map_structure


# ------------------------------------------------------------------ layer order
def keras_layer_order(model: Any) -> list[Any]:
    """The layers of a functional model in Keras 3's order (inputs first).

    Nodes are ranked by depth (the longest path to an output) and, within one depth,
    layers by the order a depth-first walk from the outputs first reaches them.
    """
    own = {id(n) for n in model._nodes}
    order: list[Node] = []           # post-order: inputs -> outputs
    first_visit: dict[int, int] = {}  # id(layer) -> traversal index
    done: set[int] = set()
    layers: dict[int, Any] = {}

    def visit(tensor: SymbolicTensor) -> None:
        node = tensor.node
        if node is None or id(node) in done:
            return
        layer = node.layer
        layers[id(layer)] = layer
        first_visit.setdefault(id(layer), len(first_visit))
        for t in node.input_tensors:
            visit(t)
        done.add(id(node))
        order.append(node)

    for t in model.outputs:
        visit(t)
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for t in node.input_tensors:
            parent = t.node
            if parent is None or id(parent) not in own:
                continue
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in model.inputs:
        layer = t.node.layer
        if id(layer) not in layer_depth:
            layers[id(layer)] = layer
            layer_depth[id(layer)] = 0
            first_visit[id(layer)] = -1
    ids = sorted(layer_depth, key=lambda i: (-layer_depth[i], first_visit[i]))
    return [layers[i] for i in ids]


# ------------------------------------------------------------------ serialize
def _layer_entry(layer: Any) -> dict[str, Any]:
    from polykeras.saving.serialization import serialize_object

    entry = serialize_object(layer)
    config = entry.get("config")
    if isinstance(config, dict):
        # The model's InputLayer carries the input shape; Keras 3 layers refuse this key.
        config.pop("batch_input_shape", None)
    return entry


def _kept_nodes(layer: Any, own: set[int]) -> list[Node]:
    return [n for n in layer._inbound_nodes if id(n) in own]


def functional_config(model: Any) -> dict[str, Any]:
    """The Keras 3 config of a functional model (``get_config`` of Functional)."""
    from polykeras.saving.serialization import serialize_object

    own = {id(n) for n in model._nodes}
    order = keras_layer_order(model)
    index: dict[int, int] = {}
    for layer in order:
        for i, node in enumerate(_kept_nodes(layer, own)):
            index[id(node)] = i

    def history(t: SymbolicTensor) -> list[Any]:
        if t.node is None or id(t.node) not in index:
            raise ValueError(
                f"Model {model.name!r}: tensor {t.name!r} comes from a layer call outside "
                "the model; it cannot be saved."
            )
        return [t.node.layer.name, index[id(t.node)], t.index]

    def tensor_entry(value: Any) -> Any:
        if isinstance(value, SymbolicTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": history(value)}}
        return serialize_object(value)

    names = [layer.name for layer in order]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"Model {model.name!r} has several layers named {duplicates}; saved models "
            "refer to layers by name. Give each layer a unique name."
        )
    entries = []
    for layer in order:
        entry = _layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": map_structure(tensor_entry, list(node.args)),
             "kwargs": map_structure(tensor_entry, dict(node.kwargs))}
            for node in _kept_nodes(layer, own) if node.input_tensors
        ]
        entries.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": entries,
        "input_layers": map_structure(history, model._inputs_struct),
        "output_layers": map_structure(history, model._outputs_struct),
    }


def sequential_config(model: Any) -> dict[str, Any]:
    """The Keras 3 config of a Sequential model (``get_config`` of Sequential)."""
    from polykeras.saving.serialization import _shape_list

    entries = []
    if model._input_layer is not None:
        entries.append(_layer_entry(model._input_layer))
    entries.extend(_layer_entry(layer) for layer in model.layers)
    config: dict[str, Any] = {"name": model.name, "trainable": model.trainable,
                              "dtype": model.dtype, "layers": entries}
    if model.built:
        try:
            config["build_input_shape"] = _shape_list(model.input_shape)
        except ValueError:
            pass
    return config


# ------------------------------------------------------------------ deserialize
class _NotReady(Exception):
    """A node's inputs come from a layer call not rebuilt yet."""


def _is_history(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _output_of(created: dict[str, Any], name: str, node_index: int, tensor_index: int,
               strict: bool) -> SymbolicTensor:
    layer = created.get(name)
    if layer is None:
        raise ValueError(f"Invalid functional config: it refers to an unknown layer {name!r}.")
    if node_index >= len(layer._inbound_nodes):
        if strict:
            raise ValueError(
                f"Invalid functional config: layer {name!r} has no call number {node_index}."
            )
        raise _NotReady
    outputs = flatten(layer._inbound_nodes[node_index].outputs)
    if not 0 <= tensor_index < len(outputs):
        raise ValueError(
            f"Invalid functional config: layer {name!r} call {node_index} has "
            f"{len(outputs)} output(s), the config asks for output {tensor_index}."
        )
    return outputs[tensor_index]


def _node_arguments(data: Any, created: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    from polykeras.saving.serialization import deserialize_object

    if not isinstance(data, dict) or "args" not in data:
        raise ValueError(
            f"Invalid functional config: an inbound node must be {{'args', 'kwargs'}}, "
            f"received {data!r}."
        )

    def convert(value: Any) -> Any:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            hist: Any = (value.get("config") or {}).get("keras_history")
            if not _is_history(hist):
                raise ValueError(f"Invalid tensor entry in a functional config: {value!r}.")
            return _output_of(created, hist[0], hist[1], hist[2], strict=False)
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, dict) and "class_name" not in value:
            return {k: convert(v) for k, v in value.items()}
        return deserialize_object(value)

    args = convert(list(data.get("args") or []))
    kwargs = convert(dict(data.get("kwargs") or {}))
    return args, kwargs


def _call_kwargs(layer: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments ``layer.call`` takes; unset Keras-only ones dropped."""
    import inspect

    try:
        params = inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kwargs
    out = {}
    for key, value in kwargs.items():
        if key in params:
            out[key] = value
        elif key == "training" or value is None or value is False:
            continue
        else:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) was called with "
                f"{key}={value!r} in the saved model, but its call() takes no `{key}`."
            )
    return out


def functional_from_config(cls: type, config: dict[str, Any],
                           custom_objects: Any = None) -> Any:
    """Rebuild a functional model of class ``cls`` from :func:`functional_config` output.

    Example:
        >>> clone = functional_from_config(Functional, model.get_config())  # doctest: +SKIP
    """
    from polykeras.saving.serialization import loading_context

    with loading_context(custom_objects):
        return _functional_from_config(cls, config)


def _functional_from_config(cls: type, config: dict[str, Any]) -> Any:
    from polykeras.saving.keras_compat import constructor_config
    from polykeras.saving.serialization import deserialize_object

    config = dict(config)
    try:
        layer_entries = list(config.pop("layers"))
        input_spec = config.pop("input_layers")
        output_spec = config.pop("output_layers")
    except (KeyError, TypeError) as exc:
        raise ValueError(f"Invalid functional config: missing {exc}.") from None
    created: dict[str, Any] = {}
    pending: dict[str, list[Any]] = {}
    for entry in layer_entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError(f"Invalid functional config: bad layer entry {entry!r}.")
        name = entry["name"]
        if name in created:
            raise ValueError(f"Invalid functional config: two layers are named {name!r}.")
        spec = {k: v for k, v in entry.items()
                if k not in ("name", "inbound_nodes", "build_config")}
        created[name] = deserialize_object(spec, kind="layers", build=False)
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f"Invalid functional config: inbound_nodes of {name!r}.")
        if nodes:
            pending[name] = list(nodes)
    while pending:
        progressed = False
        for entry in layer_entries:
            name = entry["name"]
            queue = pending.get(name)
            if not queue:
                continue
            layer = created[name]
            while queue:
                try:
                    args, kwargs = _node_arguments(queue[0], created)
                except _NotReady:
                    break
                if not args:
                    raise ValueError(
                        f"Invalid functional config: a call of layer {name!r} has no inputs."
                    )
                layer(*args, **_call_kwargs(layer, kwargs))
                queue.pop(0)
                progressed = True
            if not queue:
                del pending[name]
        if not progressed:
            raise ValueError(
                "Invalid functional config: the layer graph has a cycle or refers to "
                f"calls that do not exist (unresolved layers: {sorted(pending)})."
            )

    def tensors(spec: Any) -> Any:
        if _is_history(spec):
            return _output_of(created, spec[0], spec[1], spec[2], strict=True)
        if isinstance(spec, dict):
            return {k: tensors(v) for k, v in spec.items()}
        if isinstance(spec, (list, tuple)):
            return [tensors(v) for v in spec]
        raise ValueError(f"Invalid functional config: bad input/output entry {spec!r}.")

    inputs, outputs = tensors(input_spec), tensors(output_spec)
    name = config.pop("name", None)
    trainable = config.pop("trainable", True)
    extra = constructor_config(cls, config)
    model = cls(inputs=inputs, outputs=outputs, name=name, **extra)
    if trainable is False:
        model.trainable = False
    return model


def sequential_from_config(cls: type, config: dict[str, Any],
                           custom_objects: Any = None) -> Any:
    """Rebuild a Sequential model of class ``cls`` from :func:`sequential_config` output.

    Example:
        >>> clone = sequential_from_config(Sequential, model.get_config())  # doctest: +SKIP
    """
    from polykeras.saving.serialization import loading_context

    with loading_context(custom_objects):
        return _sequential_from_config(cls, config)


def _sequential_from_config(cls: type, config: dict[str, Any]) -> Any:
    from polykeras.saving.keras_compat import constructor_config
    from polykeras.saving.serialization import deserialize_object, to_shape

    config = dict(config)
    entries = config.pop("layers")
    if not isinstance(entries, list):
        raise ValueError(
            f"Invalid Sequential config: 'layers' must be a list, received {entries!r}."
        )
    build_shape = config.pop("build_input_shape", None)
    trainable = config.pop("trainable", True)
    model = cls(**constructor_config(cls, config))
    for entry in entries:
        spec = {k: v for k, v in entry.items() if k != "build_config"} \
            if isinstance(entry, dict) else entry
        model.add(deserialize_object(spec, kind="layers", build=False))
    if not model.built and isinstance(build_shape, (list, tuple)):
        model.build(to_shape(build_shape))
    if trainable is False:
        model.trainable = False
    return model
