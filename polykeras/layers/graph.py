"""Symbolic tensors and the layer graph behind functional models.

``polykeras.Input(shape=(3,))`` returns a :class:`SymbolicTensor`; calling a layer on
symbolic tensors records a :class:`Node` and returns new symbolic tensors, so
``Model(inputs, outputs)`` can replay the graph on real data.

Example:
    >>> import polykeras
    >>> x = polykeras.Input(shape=(3,))
    >>> y = polykeras.layers.Dense(4)(x)
    >>> y.shape
    (None, 4)
"""

from __future__ import annotations

import itertools
from typing import Any

from polykeras.backend.dtypes import standardize_dtype
from polykeras.utils.tree import flatten

_ids = itertools.count()


class SymbolicTensor:
    """A placeholder with a shape (None for unknown dims) and a dtype."""

    def __init__(self, shape: tuple[int | None, ...], dtype: str = "float32",
                 name: str | None = None, node: Node | None = None, index: int = 0):
        self.shape = tuple(shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        self.node = node
        self.index = index
        self.id = next(_ids)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self) -> int:
        return self.id

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        return self is other

    # Arithmetic on symbolic tensors becomes a layer, as in Keras.
    def __add__(self, other: Any) -> SymbolicTensor:
        from polykeras.layers.merging import Add

        return Add()([self, other])

    def __radd__(self, other: Any) -> SymbolicTensor:
        return self.__add__(other)


class Node:
    """One call of ``layer`` on symbolic ``args``/``kwargs`` producing ``outputs``."""

    def __init__(self, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs: Any = None

    @property
    def input_tensors(self) -> list[SymbolicTensor]:
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, SymbolicTensor)]

    @property
    def output_tensors(self) -> list[SymbolicTensor]:
        return [t for t in flatten(self.outputs) if isinstance(t, SymbolicTensor)]


def map_structure(fn: Any, structure: Any) -> Any:
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(inputs: Any) -> bool:
    if isinstance(inputs, SymbolicTensor):
        return True
    if isinstance(inputs, (list, tuple)) and inputs:
        return any(isinstance(x, SymbolicTensor) for x in flatten(inputs))
    if isinstance(inputs, dict):
        return any(isinstance(x, SymbolicTensor) for x in flatten(inputs))
    return False


def symbolic_call(layer: Any, inputs: Any, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    """Record ``layer(inputs, *args, **kwargs)`` in the graph; return symbolic outputs."""
    shapes = map_structure(lambda t: t.shape if isinstance(t, SymbolicTensor) else t, inputs)
    layer._maybe_build(shapes)
    try:
        out_shape = layer.compute_output_shape(shapes)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) cannot be called on inputs of "
            f"shape {shapes}: {exc}"
        ) from exc
    node = Node(layer, (inputs,) + tuple(args), dict(kwargs))
    counter = itertools.count()

    def make(shape: Any) -> SymbolicTensor:
        i = next(counter)
        return SymbolicTensor(shape, layer.dtype, name=f"{layer.name}_out{i}", node=node, index=i)

    if isinstance(out_shape, list) and out_shape and isinstance(out_shape[0], (tuple, list)):
        outputs: Any = [make(tuple(s)) for s in out_shape]
    else:
        outputs = make(tuple(out_shape))
    node.outputs = outputs
    layer._inbound_nodes.append(node)
    layer._output_shape = out_shape
    return outputs


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None,
          name: str | None = None, batch_shape: Any = None) -> SymbolicTensor:
    """A symbolic input for functional models (batch dimension excluded from ``shape``).

    Example:
        >>> inputs = Input(shape=(28, 28, 1))
    """
    from polykeras.layers.core import InputLayer

    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape)
    return layer.output
