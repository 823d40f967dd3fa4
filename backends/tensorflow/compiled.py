"""``tf.function`` with a lean call path: one concrete function per input signature.

Calling a ``tf.function`` costs far more in Python than running its graph when the graph
is small: every call builds a trace type for each argument, matches it against the
cache, binds the arguments to the function type and casts each one back to a tensor.
:class:`CompiledFunction` does that work once per input signature instead. It keys calls
on their structure (lists, tuples, dicts), the dtype and shape of each tensor or NumPy
array and the value of each Python constant, traces one concrete function per key
whose inputs are the flat tensors in a fixed order, and afterwards calls it directly
with those tensors. Calls it cannot key (keyword arguments, other leaf or container
types, graph mode) and outputs it cannot flatten go through the ``tf.function`` as
before, so results are the same either way.

Example:
    >>> f = CompiledFunction(lambda p, x: [p[0] * x, None])
    >>> out = f([tf.constant(2.0)], np.ones(3, "float32"))
    >>> out[0].numpy(), out[1]
    (array([2., 2., 2.], dtype=float32), None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

__all__ = ["CompiledFunction"]

_EAGER_TENSOR = type(tf.constant(0.0))
#: An eager tensor's shape as a plain tuple, without building a ``tf.TensorShape``.
_shape_tuple: Callable[[Any], tuple[int, ...]] = getattr(
    _EAGER_TENSOR, "_shape_tuple", lambda t: tuple(t.shape.as_list()))
#: Leaves that are part of the key by value and are not inputs of the graph, as with
#: ``tf.function`` (a new value is a new trace).
_CONSTANTS = (type(None), bool, int, float, str)
#: Node tags of a call key.
_TENSOR, _ARRAY, _CONSTANT, _LIST, _TUPLE, _DICT = "T", "A", "C", "L", "U", "D"


class _Unkeyable(Exception):
    """A value the lean path does not key; the call goes through ``tf.function``."""


def _key(obj: Any, leaves: list[Any]) -> Any:
    """The signature node of ``obj``; appends its tensor and array leaves to ``leaves``."""
    t = type(obj)
    if t is _EAGER_TENSOR:
        leaves.append(obj)
        return (_TENSOR, obj.dtype, _shape_tuple(obj))
    if t is np.ndarray:
        leaves.append(obj)
        return (_ARRAY, obj.dtype, obj.shape)
    if t is list:
        return (_LIST, *[_key(item, leaves) for item in obj])
    if t is tuple:
        return (_TUPLE, *[_key(item, leaves) for item in obj])
    if t is dict:
        return (_DICT, tuple(obj), *[_key(item, leaves) for item in obj.values()])
    if t in _CONSTANTS:
        return (_CONSTANT, t, obj)
    raise _Unkeyable(t)


def _rebuild(node: Any, leaves: Iterator[Any]) -> Any:
    """The structure that :func:`_key` described, with the next ``leaves`` in it."""
    tag = node[0]
    if tag is _TENSOR or tag is _ARRAY:
        return next(leaves)
    if tag is _CONSTANT:
        return node[2]
    if tag is _LIST:
        return [_rebuild(child, leaves) for child in node[1:]]
    if tag is _TUPLE:
        return tuple(_rebuild(child, leaves) for child in node[1:])
    return dict(zip(node[1], [_rebuild(child, leaves) for child in node[2:]]))


def _output_key(obj: Any, tensors: list[Any]) -> Any:
    """Like :func:`_key` for a traced output: symbolic tensors become graph outputs,
    plain values are returned as they are."""
    if isinstance(obj, tf.Tensor):
        tensors.append(obj)
        return (_TENSOR,)
    t = type(obj)
    if t is list:
        return (_LIST, *[_output_key(item, tensors) for item in obj])
    if t is tuple:
        return (_TUPLE, *[_output_key(item, tensors) for item in obj])
    if t is dict:
        return (_DICT, tuple(obj), *[_output_key(item, tensors) for item in obj.values()])
    if t in _CONSTANTS or isinstance(obj, (np.ndarray, np.generic)):
        return (_CONSTANT, t, obj)
    raise _Unkeyable(t)


class _Entry:
    """One traced signature: the concrete function and how to rebuild its output."""

    __slots__ = ("concrete", "flat_call", "output")

    def __init__(self, concrete: Any, output: Any) -> None:
        self.concrete = concrete
        # The call ``ConcreteFunction.__call__`` itself ends in, once it has bound and
        # flattened its arguments; absent, the public call on positional tensors.
        self.flat_call = getattr(concrete, "_call_flat", None)
        self.output = output

    def __call__(self, tensors: list[Any]) -> Any:
        concrete = self.concrete
        if self.flat_call is not None:
            flat = self.flat_call(tensors, concrete.captured_inputs)
        else:
            flat = concrete(*tensors)
        return _rebuild(self.output, iter(flat or ()))


class CompiledFunction:
    """``fn`` compiled with ``tf.function``, called through one concrete function per
    input signature (see the module docstring).

    Args:
        fn: a function of tensors, NumPy arrays, Python constants and lists, tuples and
            dicts of them.
        jit_compile: compile with XLA.

    Example:
        >>> double = CompiledFunction(lambda x: x * 2.0)
        >>> double(tf.constant([1.0])).numpy()
        array([2.], dtype=float32)
    """

    def __init__(self, fn: Callable[..., Any], jit_compile: bool = False) -> None:
        self._fn = fn
        self._jit_compile = jit_compile
        self._entries: dict[Any, _Entry | None] = {}

        def traced(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        traced.__name__ = getattr(fn, "__name__", "traced")
        self.__name__ = traced.__name__
        # autograph=False: polykeras code is plain Python over static shapes; converting
        # its control flow would change its meaning.
        self._function = tf.function(traced, jit_compile=jit_compile, autograph=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or not tf.executing_eagerly():
            return self._function(*args, **kwargs)
        leaves: list[Any] = []
        try:
            key = _key(args, leaves)
        except _Unkeyable:
            return self._function(*args)
        try:
            entry = self._entries[key]
        except KeyError:
            entry = self._entries[key] = self._trace(key)
        if entry is None:
            return self._function(*args)
        tensors = [leaf if type(leaf) is _EAGER_TENSOR else tf.constant(leaf)
                   for leaf in leaves]
        return entry(tensors)

    def _trace(self, key: Any) -> _Entry | None:
        """The concrete function for ``key`` (None when its output cannot be flattened)."""
        fn = self._fn
        output: list[Any] = []

        def flat_fn(*tensors: Any) -> list[Any]:
            args = _rebuild(key, iter(tensors))
            out = fn(*args)
            graph_outputs: list[Any] = []
            try:
                output.append(_output_key(out, graph_outputs))
            except _Unkeyable:
                output.append(None)
            return graph_outputs

        flat_fn.__name__ = self.__name__
        specs = [tf.TensorSpec(node[2], tf.as_dtype(node[1])) for node in _leaf_nodes(key)]
        concrete = tf.function(flat_fn, jit_compile=self._jit_compile,
                               autograph=False).get_concrete_function(*specs)
        if not output or output[-1] is None:
            return None
        return _Entry(concrete, output[-1])


def _leaf_nodes(node: Any) -> Iterator[Any]:
    """The tensor and array nodes of a key, in leaf order."""
    tag = node[0]
    if tag is _TENSOR or tag is _ARRAY:
        yield node
    elif tag is _LIST or tag is _TUPLE:
        for child in node[1:]:
            yield from _leaf_nodes(child)
    elif tag is _DICT:
        for child in node[2:]:
            yield from _leaf_nodes(child)
