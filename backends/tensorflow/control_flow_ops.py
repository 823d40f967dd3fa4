"""Native loops for the TensorFlow adapter on ``tf.while_loop``, ``tf.cond`` and
``tf.switch_case``: inside ``tf.function`` a loop is one graph op whatever its length,
and ``tf.GradientTape`` differentiates it. Signatures follow
:mod:`polykeras.ops.control_flow`, which has already checked the arguments.

Example:
    >>> carry, ys = scan(lambda c, x: (c + x, c), tf.constant(0.0), tf.range(3.0), 3,
    ...                  False, 1)
    >>> float(carry), ys.numpy().tolist()
    (3.0, [0.0, 0.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

__all__ = ["scan", "fori_loop", "while_loop", "cond", "switch", "vectorized_map"]


def _as_tensor(x: Any) -> Any:
    return x if isinstance(x, (tf.Tensor, tf.Variable)) else tf.convert_to_tensor(x)


def scan(f: Callable[[Any, Any], Any], init: Any, xs: Any, length: int, reverse: bool,
         unroll: int | bool) -> tuple[Any, Any]:
    """``lax.scan`` semantics on one ``tf.while_loop`` writing the outputs to
    ``TensorArray``\\ s; the first step runs before the loop to learn their structure."""
    xs_flat = [] if xs is None else [_as_tensor(x) for x in tf.nest.flatten(xs)]

    def slice_at(i: Any) -> Any:
        return None if xs is None else tf.nest.pack_sequence_as(xs, [x[i] for x in xs_flat])

    if length == 0:
        return init, None
    first = length - 1 if reverse else 0
    carry, y = f(init, slice_at(first))
    carry = tf.nest.map_structure(_as_tensor, carry)
    if y is None:
        def body_none(i: Any, c: Any) -> Any:
            idx = length - 1 - i if reverse else i
            return i + 1, tf.nest.map_structure(_as_tensor, f(c, slice_at(idx))[0])

        _, carry = tf.while_loop(lambda i, c: i < length, body_none, (tf.constant(1), carry))
        return carry, None
    y_flat = [_as_tensor(v) for v in tf.nest.flatten(y)]
    arrays = [tf.TensorArray(v.dtype, size=length, element_shape=v.shape).write(first, v)
              for v in y_flat]

    def body(i: Any, c: Any, tas: Any) -> Any:
        idx = length - 1 - i if reverse else i
        c, out = f(c, slice_at(idx))
        flat = [_as_tensor(v) for v in tf.nest.flatten(out)]
        return (i + 1, tf.nest.map_structure(_as_tensor, c),
                [ta.write(idx, v) for ta, v in zip(tas, flat)])

    _, carry, arrays = tf.while_loop(lambda i, c, tas: i < length, body,
                                     (tf.constant(1), carry, arrays),
                                     parallel_iterations=1)
    return carry, tf.nest.pack_sequence_as(y, [ta.stack() for ta in arrays])


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
              init_val: Any) -> Any:
    """``body_fun(i, val)`` for ``i`` from ``lower`` to ``upper`` (int32 counter)."""
    lower = tf.cast(_as_tensor(lower), tf.int32)
    _, val = tf.while_loop(lambda i, v: i < tf.cast(upper, tf.int32),
                           lambda i, v: (i + 1, body_fun(i, v)), (lower, init_val))
    return val


def while_loop(cond: Callable[..., Any], body: Callable[..., Any],
               loop_vars: tuple[Any, ...], maximum_iterations: int | None) -> Any:
    """``tf.while_loop`` with the loop variables unpacked into ``cond`` and ``body``."""
    return tf.while_loop(cond, body, loop_vars, maximum_iterations=maximum_iterations)


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``tf.cond`` (only the taken branch runs eagerly)."""
    return tf.cond(tf.reshape(_as_tensor(pred), ()), true_fn, false_fn)


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``tf.switch_case`` with ``index`` clamped to the branches."""
    index = tf.clip_by_value(tf.cast(tf.reshape(_as_tensor(index), ()), tf.int32), 0,
                             len(branches) - 1)
    return tf.switch_case(index, [lambda fn=fn: fn(*operands) for fn in branches])


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """``tf.vectorized_map`` (falls back to a while loop for ops without a converter)."""
    return tf.vectorized_map(function, elements)
