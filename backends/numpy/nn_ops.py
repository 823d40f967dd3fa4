"""Softmax family and crossentropies with fused gradients (``keras.ops`` signatures).

Crossentropies return per-sample losses (no reduction). Probabilities (``from_logits=
False``) are clipped to ``[epsilon, 1 - epsilon]`` as Keras does.

Example:
    >>> import numpy as np
    >>> softmax(np.zeros((1, 4), np.float32))
    array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras import config

from .autodiff import record, zeros_like_shape
from .conversion import is_float_dtype, np_dtype, unwrap, unwrap2, unwrap_float
from .math_ops import _sigmoid_forward


def _stable_shift(a: np.ndarray, axis: Any) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    if not np.isfinite(m).all():
        m = np.where(np.isfinite(m), m, 0)
    return a - m


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably."""
    a, n = unwrap_float(x)
    e = _stable_shift(a, axis)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    out = e
    if n is None:
        return out

    def vjp(g):
        gs = g * out
        gs -= out * gs.sum(axis=axis, keepdims=True)
        return (gs,)

    return record(out, (n,), vjp)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``."""
    a, n = unwrap_float(x)
    z = _stable_shift(a, axis)
    z -= np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    out = z
    if n is None:
        return out

    def vjp(g):
        return (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),)

    return record(out, (n,), vjp)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    a, n = unwrap_float(x)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    kd = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    out = kd if keepdims else (np.squeeze(kd, axis=axis) if axis is not None
                               else kd.reshape(()))
    if n is None:
        return out

    def vjp(g):
        gk = g if keepdims else np.reshape(g, kd.shape)
        return (gk * np.exp(a - kd),)

    return record(out, (n,), vjp)


def _float_target(t: Any, like: np.ndarray) -> Any:
    if not hasattr(t, "dtype"):
        return np.asarray(t, like.dtype)
    return t if t.dtype == like.dtype else t.astype(like.dtype)


def _check_same_shape(t: Any, o: np.ndarray, name: str) -> None:
    tshape = np.shape(t)
    if tshape != o.shape:
        raise ValueError(
            f"{name}: `target` and `output` must have the same shape; received target "
            f"{tshape} and output {o.shape}."
        )


def _probabilities(o: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised, clipped probabilities: (sum, normalised, clipped)."""
    eps = config.epsilon()
    s = o.sum(axis=axis, keepdims=True)
    p = o / s
    return s, p, np.clip(p, eps, 1.0 - eps)


def _through_normalise(dp: np.ndarray, p: np.ndarray, s: np.ndarray, axis: int) -> Any:
    """Gradient w.r.t. ``o`` given the gradient w.r.t. ``p = clip(o / sum(o))``."""
    eps = config.epsilon()
    dp = dp * ((p >= eps) & (p <= 1.0 - eps))
    return (dp - (dp * p).sum(axis=axis, keepdims=True)) / s


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> Any:
    """``-sum(target * log(probabilities), axis)`` per sample.

    Example:
        >>> categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))
        array([0.69314718])
    """
    t, o, nt, no = unwrap2(target, output)
    if not is_float_dtype(o.dtype):
        o = o.astype(np_dtype(config.floatx()))
    t = _float_target(t, o)
    _check_same_shape(t, o, "categorical_crossentropy")
    if from_logits:
        z = _stable_shift(o, axis)
        e = np.exp(z)
        sum_e = e.sum(axis=axis, keepdims=True)
        logp = z - np.log(sum_e)
    else:
        s, p, pc = _probabilities(o, axis)
        logp = np.log(pc)
    out = -(t * logp).sum(axis=axis)
    if nt is None and no is None:
        return out

    def vjp(g):
        gk = np.expand_dims(g, axis)
        go = gt = None
        if no is not None:
            if from_logits:
                go = gk * (e / sum_e * t.sum(axis=axis, keepdims=True) - t)
            else:
                go = _through_normalise(-gk * t / pc, p, s, axis)
        if nt is not None:
            gt = -gk * logp
        return gt, go

    return record(out, (nt, no), vjp)


def _class_index(t: np.ndarray, ndim: int, ax: int) -> Any:
    """An index selecting, for every sample, its target class along ``ax``."""
    if ndim == 2 and ax == 1:
        return (np.arange(t.shape[0]), t)
    if ndim == 1:
        return (t,)
    key = []
    for i in range(ndim):
        if i == ax:
            key.append(t)
        else:
            j = i if i < ax else i - 1  # where o's axis i sits among t's axes
            view = [1] * (ndim - 1)
            view[j] = t.shape[j]
            key.append(np.arange(t.shape[j]).reshape(view))
    return tuple(key)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Any:
    """Crossentropy with integer class ``target`` (shape of ``output`` without ``axis``).

    Example:
        >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]]))
        array([0.69314718])
    """
    t = unwrap(target)[0]
    o, no = unwrap_float(output)
    if t.ndim == o.ndim and t.shape[-1] == 1:
        t = t.reshape(t.shape[:-1])
    ax = axis % o.ndim
    expected = o.shape[:ax] + o.shape[ax + 1:]
    if t.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: `target` must have the shape of `output` "
            f"without the class axis, {expected}; received target {t.shape} and output "
            f"{o.shape}."
        )
    if t.dtype.kind not in "iu":
        t = t.astype(np.int64)
    pick = _class_index(t, o.ndim, ax)
    if from_logits:
        z = _stable_shift(o, ax)
        e = np.exp(z)
        sum_e = np.sum(e, axis=ax, keepdims=True)
        out = np.log(np.squeeze(sum_e, ax)) - z[pick]
    else:
        s, p, pc = _probabilities(o, ax)
        out = -np.log(pc[pick])
    if no is None:
        return out

    def vjp(g):
        if from_logits:
            go = e / sum_e
            go[pick] -= 1
            go *= np.expand_dims(g, ax)
            return (go,)
        dp = zeros_like_shape(o.shape, o)
        dp[pick] = -g / pc[pick]
        return (_through_normalise(dp, p, s, ax),)

    return record(out, (no,), vjp)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """Elementwise ``-(t log(p) + (1 - t) log(1 - p))`` (no reduction).

    Example:
        >>> binary_crossentropy(np.array([1.0]), np.array([0.0]), from_logits=True)
        array([0.69314718])
    """
    t, o, nt, no = unwrap2(target, output)
    if not is_float_dtype(o.dtype):
        o = o.astype(np_dtype(config.floatx()))
    t = _float_target(t, o)
    _check_same_shape(t, o, "binary_crossentropy")
    if from_logits:
        out = np.maximum(o, 0) - o * t + np.log1p(np.exp(-np.abs(o)))
    else:
        eps = config.epsilon()
        oc = np.clip(o, eps, 1.0 - eps)
        log_p, log_q = np.log(oc), np.log1p(-oc)
        out = -(t * log_p + (1 - t) * log_q)
    if nt is None and no is None:
        return out

    def vjp(g):
        go = gt = None
        if from_logits:
            if no is not None:
                go = g * (_sigmoid_forward(o) - t)
            if nt is not None:
                gt = -g * o
        else:
            if no is not None:
                inside = (o >= eps) & (o <= 1.0 - eps)
                go = g * ((1 - t) / (1 - oc) - t / oc) * inside
            if nt is not None:
                gt = -g * (log_p - log_q)
        return gt, go

    return record(out, (nt, no), vjp)
