"""Native loops for the JAX adapter: ``lax.scan``, ``lax.while_loop``, ``lax.cond`` ...

Inside this adapter's ``jit`` each keeps a loop one primitive of the traced program,
so it compiles once whatever its length and ``jax.grad`` differentiates it
(``while_loop`` is forward-differentiable only, as in JAX itself). Called eagerly, the
loops return ``NotImplemented`` and the frontend runs them step by step: an eager
``lax.scan`` would compile its body again on every call. Signatures follow :mod:`polykeras.ops.control_flow`, which has already
checked the arguments and converted the initial values to arrays.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> scan = b.jit(lambda xs: b.scan(lambda c, x: (c + x, c), 0.0, xs, 3, False, 1))
    >>> carry, ys = scan(b.arange(0, 3, 1, "float32"))
    >>> float(carry), ys.tolist()
    (3.0, [0.0, 0.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from .autodiff import compiling

__all__ = ["ControlFlowOps"]


class ControlFlowOps:
    """``scan``, ``fori_loop``, ``while_loop``, ``cond``, ``switch``,
    ``associative_scan`` and ``vectorized_map`` on ``jax.lax``."""

    def scan(self, f: Callable[[Any, Any], Any], init: Any, xs: Any, length: int,
             reverse: bool, unroll: int | bool) -> tuple[Any, Any]:
        if not compiling():
            return NotImplemented
        return lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)

    def fori_loop(self, lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
                  init_val: Any) -> Any:
        if not compiling():
            return NotImplemented
        return lax.fori_loop(lower, upper, body_fun, init_val)

    def while_loop(self, cond: Callable[..., Any], body: Callable[..., Any],
                   loop_vars: tuple[Any, ...], maximum_iterations: int | None) -> Any:
        if not compiling():
            return NotImplemented
        if maximum_iterations is None:
            return lax.while_loop(lambda v: cond(*v), lambda v: body(*v), loop_vars)
        limit = int(maximum_iterations)
        out = lax.while_loop(
            lambda v: jnp.logical_and(cond(*v[0]), v[1] < limit),
            lambda v: (body(*v[0]), v[1] + 1),
            (loop_vars, jnp.asarray(0, jnp.int32)),
        )
        return out[0]

    def cond(self, pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
        if not compiling():
            return NotImplemented
        return lax.cond(jnp.asarray(pred).reshape(()), true_fn, false_fn)

    def switch(self, index: Any, branches: Sequence[Callable[..., Any]],
               *operands: Any) -> Any:
        if not compiling():
            return NotImplemented
        return lax.switch(jnp.asarray(index, jnp.int32).reshape(()), list(branches),
                          *operands)

    def associative_scan(self, f: Callable[[Any, Any], Any], elems: Any, reverse: bool,
                         axis: int) -> Any:
        return lax.associative_scan(f, elems, reverse=reverse, axis=axis)

    def vectorized_map(self, function: Callable[[Any], Any], elements: Any) -> Any:
        return jax.vmap(function)(elements)
