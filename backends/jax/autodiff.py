"""Gradients and compilation for the JAX adapter: thin wrappers of ``jax``'s own.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> value, grads = b.value_and_grad(lambda p: (p["w"] ** 2).sum())({"w": b.ones((2,))})
    >>> float(value), grads["w"].tolist()
    (2.0, [2.0, 2.0])
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import jax

#: ``jit`` options passed through to ``jax.jit``; others (``compile``) are ignored.
_JIT_OPTIONS = ("donate_argnums", "donate_argnames", "static_argnums", "static_argnames")


class _TraceState(threading.local):
    depth = 0


_trace_state = _TraceState()


def compiling() -> bool:
    """True while a function compiled by this adapter's ``jit`` is being traced: loops
    then become ``lax`` primitives; eager calls run them step by step instead of
    compiling a new loop body on every call."""
    return _trace_state.depth > 0


class Autodiff:
    """``value_and_grad`` and ``jit``."""

    def value_and_grad(self, fn: Callable[..., Any],
                       has_aux: bool = False) -> Callable[..., Any]:
        """``g(params, *args) -> (value, grads)`` (``((value, aux), grads)`` with
        ``has_aux``); ``grads`` mirrors the ``params`` pytree, zeros for unused leaves."""
        return jax.value_and_grad(fn, argnums=0, has_aux=has_aux)

    def jit(self, fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        """``jax.jit(fn)``; ``donate_argnums`` (and static/donate argnames) pass through.

        Example:
            >>> f = JaxBackend().jit(lambda x: x * 2)
            >>> f(JaxBackend().ones((2,))).tolist()
            [2.0, 2.0]
        """
        kwargs = {name: options[name] for name in _JIT_OPTIONS if name in options}
        kwargs.setdefault("donate_argnums", ())

        @functools.wraps(fn)
        def traced(*args: Any, **kw: Any) -> Any:
            _trace_state.depth += 1
            try:
                return fn(*args, **kw)
            finally:
                _trace_state.depth -= 1

        return jax.jit(traced, **kwargs)
