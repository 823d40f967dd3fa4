"""Reverse-mode automatic differentiation for NumPy arrays.

While :func:`value_and_grad` runs a function, its float parameters are wrapped in
:class:`Node` objects. Every op of this backend unwraps its inputs, computes the forward
value with NumPy and, only when an input is a :class:`Node`, returns a new :class:`Node`
that remembers its parents and a vector-Jacobian product (VJP) closure. Untraced calls
record nothing, so inference costs exactly one NumPy call per op.

Nodes created during a call are appended to that call's tape; backward walks the tape
in reverse (creation order is a topological order) and accumulates gradients. Gradients
of broadcast inputs are reduced to the input's shape in one place, :func:`fit_shape`.

Example:
    >>> import numpy as np
    >>> from polykeras.backends.numpy import NumpyBackend
    >>> b = NumpyBackend()
    >>> loss, grads = b.value_and_grad(lambda p: b.sum(b.square(p["w"])))(
    ...     {"w": np.array([1.0, 2.0], np.float32)})
    >>> grads["w"]
    array([2., 4.], dtype=float32)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .tracing import Tracer

_ndarray = np.ndarray
_add_reduce = np.add.reduce

class _TraceState(threading.local):
    """Per-thread recording state: the tape of the running ``value_and_grad`` call."""

    tape: list | None = None


_state = _TraceState()


class Node:
    """A traced value: a NumPy array plus how to send gradients back to its parents.

    ``parents`` is a tuple of :class:`Node` or ``None`` (untraced inputs); ``vjp(g)``
    returns one gradient (or ``None``) per parent. Leaves have ``vjp=None``.
    """

    __slots__ = ("value", "parents", "vjp", "grad")
    __array_ufunc__ = None
    __array_priority__ = 1000.0

    def __init__(self, value: Any, parents: tuple = (), vjp: Callable | None = None):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.grad = None

    # Array-like attributes (arithmetic operators are installed by `operators`).
    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    def __len__(self) -> int:
        return len(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        return int(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        value = np.asarray(self.value)
        return value.astype(dtype) if dtype is not None else value

    def numpy(self) -> np.ndarray:
        return np.asarray(self.value)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Node({self.value!r})"


_new_node = object.__new__


def record(value: Any, parents: tuple, vjp: Callable) -> Node:
    """A new traced node (ops call this only when some input is traced)."""
    node = _new_node(Node)
    node.value = value
    node.parents = parents
    node.vjp = vjp
    node.grad = None
    tape = _state.tape
    if tape is not None:
        tape.append(node)
    return node


def zeros_like_shape(shape: tuple[int, ...], like: Any, dtype: Any = None) -> Any:
    """Zeros of ``shape`` in ``like``'s dtype (or ``dtype``), as a buffer to write
    gradients into: recorded as part of the program when ``like`` is being recorded.

    Example:
        >>> zeros_like_shape((2,), np.ones(3, np.float32))
        array([0., 0.], dtype=float32)
    """
    if type(like) is _ndarray:
        return np.zeros(shape, like.dtype if dtype is None else dtype)
    return np.zeros_like(like, shape=shape, dtype=dtype)


def fit_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """``g`` summed over broadcast axes (or broadcast up) to exactly ``shape``.

    Example:
        >>> fit_shape(np.ones((4, 3)), (3,))
        array([4., 4., 4.])
    """
    g = np.asarray(g) if not isinstance(g, (_ndarray, np.generic, Tracer)) else g
    lead = g.ndim - len(shape)
    if lead > 0 and g.shape[lead:] == shape and g.dtype.kind == "f":  # a bias: sum leading axes
        return _add_reduce(g, axis=0 if lead == 1 else tuple(range(lead)))
    if lead >= 0:
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1
        )
        if axes:
            g = g.sum(axis=axes, keepdims=True)
            if lead:
                g = g.reshape(g.shape[lead:])
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    return g


def backward(tape: list[Node], root: Node, seed: Any) -> None:
    """Propagate ``seed`` (the gradient of ``root``) back through ``tape``.

    ``tape`` holds the recorded nodes in creation order. Leaves keep their accumulated
    ``grad``; intermediate gradients are released as soon as they are used.
    """
    root.grad = seed
    for n in reversed(tape):
        g = n.grad
        if g is None:
            continue
        n.grad = None
        grads = n.vjp(g)
        for p, pg in zip(n.parents, grads, strict=True):
            if p is not None and pg is not None:
                value = p.value  # accumulate, fitted to the parent's shape and dtype
                if pg.shape != value.shape:
                    pg = fit_shape(pg, value.shape)
                if pg.dtype != value.dtype:
                    pg = pg.astype(value.dtype)
                old = p.grad
                p.grad = pg if old is None else old + pg


# ----------------------------------------------------------------------------- pytrees
_LEAF = object()


def tree_flatten(tree: Any) -> tuple[list[Any], Any]:
    """Leaves of nested lists/tuples/dicts (``None`` is an empty subtree) and a spec."""
    leaves: list[Any] = []

    def walk(x: Any) -> Any:
        if x is None:
            return None
        if isinstance(x, (list, tuple)):
            return (type(x), [walk(i) for i in x])
        if isinstance(x, dict):
            keys = list(x)
            return (type(x), keys, [walk(x[k]) for k in keys])
        leaves.append(x)
        return _LEAF

    return leaves, walk(tree)


def tree_unflatten(spec: Any, leaves: list[Any]) -> Any:
    """Inverse of :func:`tree_flatten`."""
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s is _LEAF:
            return next(it)
        if s is None:
            return None
        if len(s) == 3:
            t, keys, parts = s
            items = [build(p) for p in parts]
            return t(zip(keys, items, strict=True)) if t is not dict else dict(zip(keys, items, strict=True))
        t, parts = s
        items = [build(p) for p in parts]
        if t is list or t is tuple:
            return t(items)
        if hasattr(t, "_fields"):  # namedtuple
            return t(*items)
        return t(items)

    return build(spec)


def tree_unwrap(tree: Any) -> Any:
    """``tree`` with every :class:`Node` replaced by its plain value."""
    t = type(tree)
    if t is Node:
        return tree.value
    if t is _ndarray or tree is None:
        return tree
    if t is list or t is tuple:
        return t([x.value if type(x) is Node else (x if type(x) is _ndarray else tree_unwrap(x))
                  for x in tree])
    if isinstance(tree, (list, tuple, dict)):
        leaves, spec = tree_flatten(tree)
        return tree_unflatten(spec, [x.value if type(x) is Node else x for x in leaves])
    return tree


# ---------------------------------------------------------------------------- gradients
def _param_array(x: Any) -> Any:
    if type(x) is _ndarray or type(x) is Tracer or isinstance(x, np.generic):
        return x
    if isinstance(x, Node):
        return x.value
    conv = getattr(x, "__polykeras_tensor__", None)
    if conv is not None:
        return _param_array(conv())
    if isinstance(x, float):
        from polykeras.config import floatx

        return np.asarray(x, dtype=floatx())
    return np.asarray(x)


def _is_float(a: Any) -> bool:
    kind = a.dtype.kind
    return kind == "f" or (kind == "V" and a.dtype.name == "bfloat16")


def _plain_grad(g: Any, like: Any) -> np.ndarray:
    if type(g) is Tracer:  # recorded by jit
        return g if g.flags.writeable else g.copy()
    if type(g) is not _ndarray or not g.flags.writeable:
        g = np.array(g, dtype=like.dtype)
    return g


def is_tracing() -> bool:
    """True while a function runs under :func:`value_and_grad`."""
    return _state.tape is not None


def value_and_grad(fn: Callable[..., Any], has_aux: bool = False) -> Callable[..., Any]:
    """``g(params, *args) -> (value, grads)`` (``((value, aux), grads)`` with ``has_aux``).

    Like ``jax.value_and_grad`` with ``argnums=0``: ``grads`` mirrors the ``params``
    pytree, with zeros for leaves ``value`` does not depend on.

    Example:
        >>> g = value_and_grad(lambda p, x: (p * x).sum())
    """

    def wrapped(params: Any, *args: Any, **kwargs: Any) -> Any:
        if _state.tape is not None:
            raise NotImplementedError(
                "The numpy backend does not support nested value_and_grad (gradients of "
                "gradients). Compute higher-order derivatives with the jax, torch or "
                "tensorflow backend (POLYKERAS_BACKEND=jax)."
            )
        flat = type(params) is list
        if flat:  # a plain list of arrays needs no pytree handling
            for x in params:
                if type(x) is not _ndarray:
                    flat = False
                    break
        if flat:
            arrays = params
            inputs = [Node(a) if a.dtype.kind == "f" or _is_float(a) else a for a in arrays]
            fn_params: Any = list(inputs)
        else:
            leaves, spec = tree_flatten(params)
            arrays = [_param_array(x) for x in leaves]
            inputs = [Node(a) if _is_float(a) else a for a in arrays]
            fn_params = tree_unflatten(spec, inputs)
        tape: list[Node] = []
        _state.tape = tape
        try:
            out = fn(fn_params, *args, **kwargs)
        finally:
            _state.tape = None
        if has_aux:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(
                    "value_and_grad(fn, has_aux=True) expects fn to return a pair "
                    f"(value, aux); received {type(out).__name__}. Return (loss, aux) or "
                    "use has_aux=False."
                )
            value, aux = out
        else:
            value, aux = out, None
        if type(value) is Node and value.vjp is not None:
            v = value.value
            backward(tape, value, np.ones(v.shape, dtype=v.dtype))
            value = v
        elif type(value) is Node:  # the value is one of the parameters itself
            value.grad = np.ones(value.shape, dtype=value.dtype)
            value = value.value
        grads = []
        for a, n in zip(arrays, inputs, strict=True):
            if type(n) is Node:
                g = n.grad
                n.grad = None
            else:
                g = None
            if g is None:
                g = np.zeros(a.shape, dtype=a.dtype)
            elif type(g) is not _ndarray or not g.flags.writeable:
                g = _plain_grad(g, a)
            grads.append(g)
        grads_tree = grads if flat else tree_unflatten(spec, grads)
        value = tree_unwrap(value)
        if has_aux:
            return (value, tree_unwrap(aux)), grads_tree
        return value, grads_tree

    return wrapped

