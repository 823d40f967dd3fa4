"""Fused kernels: dropout, Dense and the SGD/Adam updates in a few NumPy calls each.

The frontend composes these from several ops when a backend lacks them; on NumPy every
op is a Python call, so fusing them is what keeps a training step close to hand-written
code. Each kernel is pure: inputs are never modified, new buffers are updated in place.

Example:
    >>> import numpy as np
    >>> w, g = [np.ones(2, np.float32)], [np.ones(2, np.float32)]
    >>> new_w, _ = sgd_update(w, g, None, np.float32(0.5), 0.0, False)
    >>> new_w[0]
    array([0.5, 0.5], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .autodiff import record
from .conversion import unwrap
from .linalg_ops import matmul
from .math_ops import add
from .random_ops import random_uniform

_ndarray = np.ndarray


def _plain(x: Any) -> Any:
    """The array behind a tensor-like (optimizer updates are never differentiated)."""
    return x if type(x) is _ndarray else unwrap(x)[0]


def dropout(x: Any, rate: float, key: Any) -> Any:
    """Inverted dropout: ``x / (1 - rate)`` where a uniform draw from ``key`` is below
    ``1 - rate``, else 0 (the draw of ``random_uniform(x.shape, 0, 1, x.dtype, key)``).

    Example:
        >>> from polykeras.backends.numpy.random_ops import rng_key
        >>> dropout(np.ones((2, 2), np.float32), 0.5, rng_key(0)).dtype
        dtype('float32')
    """
    a, node = unwrap(x)
    d = a.dtype
    keep = 1.0 - rate
    scale = (random_uniform(a.shape, 0.0, 1.0, d, key) < keep).astype(d)
    scale *= d.type(1.0 / keep)
    out = a * scale
    if node is None:
        return out
    return record(out, (node,), lambda g: (g * scale,))


def dense(x: Any, kernel: Any, bias: Any = None) -> Any:
    """``matmul(x, kernel) + bias`` as one traced op (``bias`` may be None).

    Example:
        >>> dense(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)).shape
        (2, 4)
    """
    a, na = unwrap(x)
    w, nw = unwrap(kernel)
    if bias is None:
        return matmul(x, kernel)
    c, nc = unwrap(bias)
    d = w.dtype
    if (a.dtype is not d or c.dtype is not d or d.kind != "f" or a.ndim < 2 or w.ndim != 2
            or c.shape != w.shape[1:]):
        return add(matmul(x, kernel), bias)  # promotions and broadcasting: compose
    out = a @ w
    out += c
    if na is None and nw is None and nc is None:
        return out

    def vjp(g: Any) -> tuple[Any, Any, Any]:
        flat = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        ga = g @ w.T if na is not None else None
        if nw is None:
            gw = None
        elif a.ndim == 2:
            gw = a.T @ flat
        else:
            gw = a.reshape(-1, a.shape[-1]).T @ flat
        gb = flat.sum(axis=0) if nc is not None else None
        return ga, gw, gb

    return record(out, (na, nw, nc), vjp)


def sgd_update(variables: Sequence[Any], gradients: Sequence[Any],
               momentums: Sequence[Any] | None, learning_rate: Any, momentum: float,
               nesterov: bool) -> tuple[list[Any], list[Any] | None]:
    """One SGD step (see ``FusedKernels.sgd_update`` in the backend protocol)."""
    lr = _plain(learning_rate)
    new_vars = []
    if momentums is None:
        for w, g in zip(variables, gradients, strict=True):
            new_vars.append(_plain(w) - _plain(g) * lr)
        return new_vars, None
    new_moms = []
    for w, g, m in zip(variables, gradients, momentums, strict=True):
        step = _plain(g) * lr
        m_new = _plain(m) * momentum
        m_new -= step
        if nesterov:
            w_new = m_new * momentum
            w_new -= step
            w_new += _plain(w)
        else:
            w_new = _plain(w) + m_new
        new_vars.append(w_new)
        new_moms.append(m_new)
    return new_vars, new_moms


def adam_update(variables: Sequence[Any], gradients: Sequence[Any],
                momentums: Sequence[Any], velocities: Sequence[Any], step_size: Any,
                beta_1: float, beta_2: float, epsilon: float
                ) -> tuple[list[Any], list[Any], list[Any]]:
    """One Adam step (see ``FusedKernels.adam_update`` in the backend protocol)."""
    alpha = _plain(step_size)
    one_minus_b1, one_minus_b2 = 1.0 - beta_1, 1.0 - beta_2
    new_vars, new_ms, new_vs = [], [], []
    for w, g, m, v in zip(variables, gradients, momentums, velocities, strict=True):
        g, m, v = _plain(g), _plain(m), _plain(v)
        m_new = g - m
        m_new *= one_minus_b1
        m_new += m
        v_new = g * g
        v_new -= v
        v_new *= one_minus_b2
        v_new += v
        denom = np.sqrt(v_new)
        denom += epsilon
        update = m_new * alpha
        update /= denom
        new_vars.append(_plain(w) - update)
        new_ms.append(m_new)
        new_vs.append(v_new)
    return new_vars, new_ms, new_vs


__all__ = ["dropout", "dense", "sgd_update", "adam_update"]
