"""``model_to_dot`` and ``plot_model``: a model's layer graph as Graphviz (through pydot),
as ``keras.utils.plot_model``.

``model_to_dot`` needs only pydot; rendering an image with ``plot_model`` also needs the
Graphviz programs (``dot``). ``plot_model(model, "model.dot")`` writes the Graphviz
source without them.

Example:
    >>> import polykeras
    >>> model = polykeras.Sequential([polykeras.layers.Input((3,)),
    ...                               polykeras.layers.Dense(2, name="out")])
    >>> dot = model_to_dot(model, show_shapes=True)  # doctest: +SKIP
    >>> "out (Dense)" in dot.to_string()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from polykeras.models.summary import _shape_text

INSTALL_PYDOT = "pip install pydot"
INSTALL_GRAPHVIZ = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
                    "`brew install graphviz` (macOS), `conda install graphviz`, or see "
                    "https://graphviz.org/download/")


def _pydot() -> Any:
    try:
        import pydot
    except ImportError:
        raise ImportError(
            f"model_to_dot and plot_model need pydot: {INSTALL_PYDOT} (and, to render "
            f"images, {INSTALL_GRAPHVIZ})."
        ) from None
    return pydot


def _graph_edges(model: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """(layers in order, edges between them) of a model."""
    nodes = getattr(model, "_nodes", None)
    if nodes:
        layers, edges, seen = [], [], set()
        for node in nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
            for t in node.input_tensors:
                if t.node is not None:
                    edges.append((t.node.layer, node.layer))
        return layers, edges
    layers = list(getattr(model, "layers", []))
    return layers, list(zip(layers, layers[1:]))


def _label(layer: Any, show_shapes: bool, show_dtype: bool, show_layer_names: bool,
           show_layer_activations: bool, show_trainable: bool) -> str:
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_layer_names else kind]
    act = getattr(layer, "activation", None)
    if show_layer_activations and act is not None:
        lines.append(f"activation: {getattr(act, '__name__', str(act))}")
    if show_shapes:
        lines.append(f"output: {_shape_text(layer)}")
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'dtype', '?')}")
    if show_trainable:
        lines.append(f"trainable: {getattr(layer, 'trainable', True)}")
    return "\\n".join(lines)


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False,
                 splines: str = "ortho", **kwargs: Any) -> Any:
    """A ``pydot.Dot`` graph with one box per layer and an arrow per connection; nested
    models are one box, or a cluster of their own layers with ``expand_nested``."""
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_args = (show_shapes, show_dtype, show_layer_names, show_layer_activations,
                  show_trainable)
    layers, edges = _graph_edges(model)
    entry: dict[int, list[str]] = {}  # a nested model's first and last boxes
    leave: dict[int, list[str]] = {}
    for layer in layers:
        if expand_nested and hasattr(layer, "layers") and getattr(layer, "layers", None):
            inner = model_to_dot(layer, *label_args[:3], rankdir, True, dpi, True,
                                 *label_args[3:], splines)
            dot.add_subgraph(inner)
            inner_layers, inner_edges = _graph_edges(layer)
            has_in = {id(b) for _, b in inner_edges}
            has_out = {id(a) for a, _ in inner_edges}
            entry[id(layer)] = [str(id(v)) for v in inner_layers if id(v) not in has_in]
            leave[id(layer)] = [str(id(v)) for v in inner_layers if id(v) not in has_out]
            continue
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, *label_args)))
    for a, b in edges:
        for src in leave.get(id(a), [str(id(a))]):
            for dst in entry.get(id(b), [str(id(b))]):
                dot.add_edge(pydot.Edge(src, dst))
    return dot


def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False,
               splines: str = "ortho", **kwargs: Any) -> Any:
    """Draw the model into ``to_file`` (format from its extension: png, svg, pdf ...;
    ``.dot`` writes the Graphviz source). Returns the ``pydot.Dot`` graph.

    Raises:
        ImportError: pydot, or (for images) the Graphviz programs, are missing; the
            message gives the install command.

    Example:
        >>> plot_model(model, "model.png", show_shapes=True)  # doctest: +SKIP
    """
    from polykeras.utils.files import atomic_write

    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    ext = os.path.splitext(os.fspath(to_file))[1].lstrip(".").lower() or "png"
    if ext in ("dot", "gv"):
        with atomic_write(os.fspath(to_file)) as f:
            f.write(dot.to_string().encode())
        return dot
    if shutil.which("dot") is None:
        raise ImportError(
            f"plot_model needs the Graphviz programs to render {to_file!r}, and `dot` is not "
            f"on PATH: {INSTALL_GRAPHVIZ}. Or write the Graphviz source with "
            "to_file='model.dot'."
        )
    data = dot.create(format=ext)
    with atomic_write(os.fspath(to_file)) as f:
        f.write(data)
    return dot
