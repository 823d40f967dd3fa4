"""Control flow: ``scan``, ``fori_loop``, ``while_loop``, ``cond``, ``switch``, ``map``,
``associative_scan`` and ``vectorized_map``, with ``keras.ops`` semantics.

An adapter that compiles (jax, tensorflow) defines the loop primitives natively
(``lax.scan``, ``tf.while_loop`` ...) so a loop stays one node of the compiled graph
and is differentiated by the framework; without them (or when the adapter's method
returns ``NotImplemented``, e.g. an eager call on jax) the loops below run in Python,
which eager backends (and the NumPy tape) differentiate step by step.

Example:
    >>> from polykeras import ops
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, ops.arange(1.0, 4.0))
    >>> ops.convert_to_numpy(carry), ops.convert_to_numpy(ys)
    (array(6., dtype=float32), array([0., 2., 9.], dtype=float32))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from polykeras.backend.selection import current as _backend
from polykeras.utils import tree

__all__ = [
    "scan", "fori_loop", "while_loop", "cond", "switch", "map", "associative_scan",
    "vectorized_map",
]


def _check_callable(fn: Any, what: str, op: str) -> None:
    if not callable(fn):
        raise TypeError(f"{op}: `{what}` must be a callable, received {fn!r}.")


def _tensors(b: Any, structure: Any) -> Any:
    return tree.map_structure(lambda x: x if b.is_tensor(x) else b.convert_to_tensor(x),
                              structure)


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False, unroll: int | bool = 1
         ) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    Returns the final carry and the ``y``\\ s stacked along a new leading axis (in the
    order of ``xs``, also with ``reverse=True``). ``xs`` and ``init`` may be nested
    structures; with ``xs=None``, ``length`` gives the number of steps and ``f``
    receives ``None``.

    Example:
        >>> from polykeras import ops
        >>> int(ops.scan(lambda c, x: (c + 1, None), 0, length=3)[0])
        3
    """
    _check_callable(f, "f", "scan")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(
            f"scan: `unroll` must be a positive integer or a boolean, received {unroll!r}."
        )
    if xs is None and length is None:
        raise ValueError("scan: received no `xs` to scan over and no `length`. Pass one.")
    b = _backend()
    init = _tensors(b, init)
    xs_flat = [] if xs is None else [x if b.is_tensor(x) else b.convert_to_tensor(x)
                                     for x in tree.flatten(xs)]
    n = int(length) if length is not None else int(b.shape(xs_flat[0])[0])
    for x in xs_flat:
        if not b.shape(x) or b.shape(x)[0] != n:
            raise ValueError(
                f"scan: every leaf of `xs` needs a leading axis of length {n}, received "
                f"shapes {[b.shape(x) for x in xs_flat]}."
            )
    if xs is not None:
        xs = tree.pack_sequence_as(xs, xs_flat)
    fast = getattr(b, "scan", None)
    if fast is not None:
        out = fast(f, init, xs, n, bool(reverse), unroll)
        if out is not NotImplemented:
            return out
    carry, ys = init, []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else tree.pack_sequence_as(
            xs, [b.getitem(leaf, i) for leaf in xs_flat])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or all(leaf is None for leaf in tree.flatten(ys[0])):
        return carry, None
    stacked = [b.stack([_tensors(b, leaf) for leaf in leaves], 0)
               for leaves in zip(*(tree.flatten(y) for y in ys))]
    return carry, tree.pack_sequence_as(ys[0], stacked)


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
              init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``.

    Example:
        >>> from polykeras import ops
        >>> int(ops.fori_loop(0, 4, lambda i, v: v + i, 0))
        6
    """
    _check_callable(body_fun, "body_fun", "fori_loop")
    b = _backend()
    init_val = _tensors(b, init_val)
    fast = getattr(b, "fori_loop", None)
    if fast is not None:
        out = fast(lower, upper, body_fun, init_val)
        if out is not NotImplemented:
            return out
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times). A tuple/list of loop variables is unpacked into the
    calls and returned as a tuple; a single tensor is passed and returned as is.

    Not reverse-differentiable on jax (as ``lax.while_loop``); use ``scan`` or
    ``fori_loop`` with static bounds when you need gradients there.

    Example:
        >>> from polykeras import ops
        >>> i, s = ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1.0))
        >>> int(i), float(s)
        (3, 8.0)
    """
    _check_callable(cond, "cond", "while_loop")
    _check_callable(body, "body", "while_loop")
    if maximum_iterations is not None and int(maximum_iterations) < 0:
        raise ValueError(
            "while_loop: `maximum_iterations` must be None or non-negative, received "
            f"{maximum_iterations!r}."
        )
    b = _backend()
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(_tensors(b, tuple(loop_vars) if is_tuple else (loop_vars,)))

    def step(*args: Any) -> tuple[Any, ...]:
        out = body(*args)
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(state):
            raise ValueError(
                f"while_loop: `body` returned {len(out)} values for {len(state)} loop "
                "variables. Return one value per loop variable."
            )
        return tuple(_tensors(b, out))

    fast = getattr(b, "while_loop", None)
    out = NotImplemented if fast is None else fast(cond, step, state, maximum_iterations)
    if out is not NotImplemented:
        state = tuple(out)
    else:
        count = 0
        while (maximum_iterations is None or count < int(maximum_iterations)) \
                and bool(cond(*state)):
            state = step(*state)
            count += 1
    return state if is_tuple else state[0]


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``; inside a compiled function both
    branches are traced and must return the same structure, shapes and dtypes.

    Example:
        >>> from polykeras import ops
        >>> float(ops.cond(ops.convert_to_tensor(False), lambda: 1.0, lambda: 2.0))
        2.0
    """
    _check_callable(true_fn, "true_fn", "cond")
    _check_callable(false_fn, "false_fn", "cond")
    b = _backend()
    fast = getattr(b, "cond", None)
    if fast is not None:
        out = fast(pred, true_fn, false_fn)
        if out is not NotImplemented:
            return out
    return true_fn() if bool(pred) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, with ``index`` clamped to the valid range.

    Example:
        >>> from polykeras import ops
        >>> float(ops.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0))
        20.0
    """
    branches = list(branches)
    if not branches:
        raise ValueError("switch: `branches` is empty. Pass at least one callable.")
    for fn in branches:
        _check_callable(fn, "branches", "switch")
    b = _backend()
    fast = getattr(b, "switch", None)
    if fast is not None:
        out = fast(index, branches, *operands)
        if out is not NotImplemented:
            return out
    i = int(index)
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def map(f: Callable[[Any], Any], xs: Any) -> Any:
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.map(lambda x: x * x, ops.arange(3.0))).tolist()
        [0.0, 1.0, 4.0]
    """
    _check_callable(f, "f", "map")
    return scan(lambda carry, x: (carry, f(x)), (), xs)[1]


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False,
                     axis: int = 0) -> Any:
    """Inclusive prefix scan of ``elems`` along ``axis`` with the associative ``f``.

    ``f(a, b)`` combines two structures like ``elems`` whose leaves have the scanned
    axis (of any length), elementwise.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.associative_scan(ops.add, ops.arange(1.0, 5.0))).tolist()
        [1.0, 3.0, 6.0, 10.0]
    """
    _check_callable(f, "f", "associative_scan")
    b = _backend()
    leaves = [x if b.is_tensor(x) else b.convert_to_tensor(x) for x in tree.flatten(elems)]
    if not leaves:
        raise ValueError("associative_scan: `elems` has no tensors.")
    ndim = len(b.shape(leaves[0]))
    ax = axis + ndim if axis < 0 else axis
    if not 0 <= ax < ndim:
        raise ValueError(
            f"associative_scan: axis {axis} is out of range for elems of rank {ndim}."
        )
    n = b.shape(leaves[0])[ax]
    if any(b.shape(x)[ax] != n for x in leaves):
        raise ValueError(
            f"associative_scan: every leaf needs the same length {n} along axis {axis}, "
            f"received shapes {[b.shape(x) for x in leaves]}."
        )
    elems = tree.pack_sequence_as(elems, leaves)
    fast = getattr(b, "associative_scan", None)
    if fast is not None:
        out = fast(f, elems, bool(reverse), ax)
        if out is not NotImplemented:
            return out

    def part(i: int) -> Any:
        key = (slice(None),) * ax + (slice(i, i + 1),)
        return tree.pack_sequence_as(elems, [b.getitem(x, key) for x in leaves])

    order = range(n - 1, -1, -1) if reverse else range(n)
    acc = None
    outs = []
    for i in order:
        acc = part(i) if acc is None else f(acc, part(i))
        outs.append(tree.flatten(acc))
    if reverse:
        outs.reverse()
    joined = [b.concatenate(list(parts), ax) for parts in zip(*outs)]
    return tree.pack_sequence_as(elems, joined)


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """``function`` applied to each slice of ``elements`` along the leading axis, as if
    batched (``jax.vmap``, ``tf.vectorized_map``), results stacked.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.vectorized_map(ops.sum, ops.ones((2, 3)))).tolist()
        [3.0, 3.0]
    """
    _check_callable(function, "function", "vectorized_map")
    b = _backend()
    leaves = [x if b.is_tensor(x) else b.convert_to_tensor(x) for x in tree.flatten(elements)]
    elements = tree.pack_sequence_as(elements, leaves)
    fast = getattr(b, "vectorized_map", None)
    if fast is not None:
        out = fast(function, elements)
        if out is not NotImplemented:
            return out
    n = b.shape(leaves[0])[0]
    outs = [function(tree.pack_sequence_as(elements, [b.getitem(x, i) for x in leaves]))
            for i in range(n)]
    stacked = [b.stack([_tensors(b, leaf) for leaf in group], 0)
               for group in zip(*(tree.flatten(o) for o in outs))]
    return tree.pack_sequence_as(outs[0], stacked)


