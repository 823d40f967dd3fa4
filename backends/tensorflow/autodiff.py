"""Gradients (``tf.GradientTape``) and compilation (``tf.function``).

Example:
    >>> from polykeras.backends.tensorflow import autodiff
    >>> g = autodiff.value_and_grad(lambda p: tf.reduce_sum(p["w"] ** 2))
    >>> value, grads = g({"w": tf.constant([1.0, 2.0])})
    >>> grads["w"].numpy()
    array([2., 4.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf
from polykeras.backends.tensorflow.compiled import CompiledFunction
from polykeras.backends.tensorflow.core import Tensor, convert_to_tensor

__all__ = ["value_and_grad", "jit", "stop_gradient"]

_ZERO = tf.UnconnectedGradients.ZERO


def stop_gradient(x: Any) -> Tensor:
    return tf.stop_gradient(x if isinstance(x, Tensor) else convert_to_tensor(x))


def _detach(tree: Any) -> Any:
    return tf.nest.map_structure(
        lambda v: tf.stop_gradient(v) if isinstance(v, Tensor) else v, tree
    )


def _dense(g: Any) -> Any:
    return tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g


def value_and_grad(fn: Callable[..., Any], has_aux: bool = False) -> Callable[..., Any]:
    """``g(params, *args) -> (value, grads)`` (``((value, aux), grads)`` with
    ``has_aux``), like ``jax.value_and_grad``: ``params`` is a pytree of float tensors,
    ``grads`` has its structure with zeros for leaves ``value`` does not depend on.
    Works eagerly and inside ``tf.function``.
    """

    def wrapped(params: Any, *args: Any, **kwargs: Any) -> Any:
        leaves = [
            leaf if leaf is None or isinstance(leaf, Tensor) else convert_to_tensor(leaf)
            for leaf in tf.nest.flatten(params)
        ]
        params = tf.nest.pack_sequence_as(params, leaves)
        sources = [leaf for leaf in leaves if leaf is not None]
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            for leaf in sources:
                tape.watch(leaf)
            out = fn(params, *args, **kwargs)
            if has_aux:
                if not isinstance(out, (tuple, list)) or len(out) != 2:
                    raise ValueError(
                        "value_and_grad(has_aux=True) expects fn to return (value, aux); "
                        f"received {type(out).__name__}."
                    )
                value, aux = out
            else:
                value, aux = out, None
            value = value if isinstance(value, Tensor) else convert_to_tensor(value)
        found = iter(tape.gradient(value, sources, unconnected_gradients=_ZERO))
        grads = tf.nest.pack_sequence_as(
            params, [None if leaf is None else _dense(next(found)) for leaf in leaves]
        )
        value = tf.stop_gradient(value)
        if has_aux:
            return (value, _detach(aux)), grads
        return value, grads

    return wrapped


def jit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """``fn`` compiled with ``tf.function`` (XLA with ``jit_compile=True``).

    Only the arguments a call passes are traced inputs: ``fn``'s own defaults stay
    Python values, as with ``jax.jit``. Shapes stay static (one trace per input
    signature), and a call after the first runs its concrete function directly
    (:class:`~polykeras.backends.tensorflow.compiled.CompiledFunction`).
    ``donate_argnums`` and ``compile`` are accepted and ignored.

    Example:
        >>> double = jit(lambda x: x * 2.0)
        >>> double(tf.constant([1.0])).numpy()
        array([2.], dtype=float32)
    """
    return CompiledFunction(fn, jit_compile=bool(options.get("jit_compile", False)))
