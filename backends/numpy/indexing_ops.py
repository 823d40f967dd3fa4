"""Indexing with gradients: slice, getitem, take (Embedding), take_along_axis, scatter.

Gradients of gathers scatter-add into zeros, so repeated indices accumulate.

Example:
    >>> import numpy as np
    >>> take(np.arange(6.0).reshape(3, 2), np.array([2, 0]), axis=0)
    array([[4., 5.],
           [0., 1.]])
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .autodiff import Node, record, zeros_like_shape
from .conversion import unwrap
from .tracing import Tracer, call

_pyslice = builtins.slice
_BASIC = (int, _pyslice, type(None), type(Ellipsis), np.integer)


def _slice_key(start_indices: Any, shape: Any) -> tuple[Any, ...]:
    return tuple(_pyslice(int(s), int(s) + int(k)) for s, k in zip(start_indices, shape, strict=True))


def _assign_vjp(shape: tuple[int, ...], key: Any) -> Any:
    def vjp(g):
        gx = zeros_like_shape(shape, g)
        gx[key] = g
        return (gx,)

    return vjp


def _add_at_vjp(shape: tuple[int, ...], key: Any) -> Any:
    def vjp(g):
        gx = zeros_like_shape(shape, g)
        np.add.at(gx, key, g)
        return (gx,)

    return vjp


def slice(x: Any, start_indices: Any, shape: Any) -> Any:
    """The block of ``shape`` starting at ``start_indices`` (static)."""
    a, n = unwrap(x)
    key = _slice_key(start_indices, shape)
    out = a[key]
    if n is None:
        return out
    return record(out, (n,), _assign_vjp(a.shape, key))


def _index_part(k: Any) -> Any:
    t = type(k)
    if t is Node:
        return k.value
    if t in (int, bool, _pyslice) or k is None or k is Ellipsis:
        return k
    if isinstance(k, (list, np.ndarray, np.generic, Tracer)):
        return k
    conv = getattr(k, "__polykeras_tensor__", None)
    if conv is not None:
        return _index_part(conv())
    return np.asarray(k) if hasattr(k, "__array__") else k


def _normalize_key(key: Any) -> tuple[Any, bool]:
    """The key with traced/tensor parts unwrapped, and whether it is basic indexing."""
    if isinstance(key, tuple):
        parts = tuple(_index_part(k) for k in key)
    else:
        parts = (_index_part(key),)
    basic = True
    for p in parts:
        if isinstance(p, bool) or not isinstance(p, _BASIC):
            basic = False
            break
    return (parts if isinstance(key, tuple) else parts[0]), basic


def getitem(x: Any, key: Any) -> Any:
    """``x[key]``: ints, slices, ``None``, ``Ellipsis``, integer and boolean arrays."""
    a, n = unwrap(x)
    key, basic = _normalize_key(key)
    out = a[key]
    if n is None:
        return out
    return record(out, (n,), _assign_vjp(a.shape, key) if basic else _add_at_vjp(a.shape, key))


def _int_indices(indices: Any) -> np.ndarray:
    idx = unwrap(indices)[0]
    if not isinstance(idx, (np.ndarray, Tracer)):
        idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        idx = idx.astype(np.int64)
    return idx


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """Gather along ``axis`` (flattened when ``None``); the Embedding lookup.

    The gradient scatter-adds into zeros, so repeated indices accumulate.
    """
    a, n = unwrap(x)
    idx = _int_indices(indices)
    if type(idx) is Tracer and type(a) is not Tracer:  # NumPy dispatches on ``a`` only
        return call(np.take, (a, idx), {"axis": axis})
    out = np.take(a, idx, axis=axis)
    if n is None:
        return out
    shape = a.shape

    ax = None if axis is None else axis % a.ndim
    lead = 0 if ax is None else ax

    def vjp(g):
        if ax is None:
            flat = zeros_like_shape((a.size,), g)
            np.add.at(flat, _normalize_rows(idx.reshape(-1), a.size), g.reshape(-1))
            return (flat.reshape(shape),)
        # rows of the gathered axis, each a flat vector of everything else
        gm = np.moveaxis(g, tuple(range(lead, lead + idx.ndim)), tuple(range(idx.ndim)))
        rest = gm.shape[idx.ndim:]
        width = int(np.prod(rest, dtype=np.int64))
        gx = zeros_like_shape((shape[ax], width), g)
        _rows_add(gx, _normalize_rows(idx.reshape(-1), shape[ax]), gm.reshape(idx.size, width))
        return (np.moveaxis(gx.reshape((shape[ax],) + rest), 0, ax),)

    return record(out, (n,), vjp)


def _normalize_rows(rows: np.ndarray, n: int) -> np.ndarray:
    rows = rows.astype(np.intp, copy=False)
    return np.where(rows < 0, rows + n, rows) if rows.size and rows.min() < 0 else rows


def _rows_add(target: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``target[rows] += values`` for a C-contiguous 2-D ``target``, repeats accumulated.

    Scatter-adds through flat element indices: NumPy's 1-D ``np.add.at`` is several
    times faster than the row-wise form.
    """
    if rows.size == 0 or target.shape[1] == 0:
        return
    width = target.shape[1]
    flat = (rows[:, None] * width + np.arange(width, dtype=np.intp)).reshape(-1)
    np.add.at(target.reshape(-1), flat, values.reshape(-1))


def _along_axis_key(shape: tuple[int, ...], idx: np.ndarray, axis: int) -> tuple:
    nd = len(shape)
    key = []
    for i in range(nd):
        if i == axis:
            key.append(idx)
        else:
            view = [1] * nd
            view[i] = shape[i]
            key.append(np.arange(shape[i]).reshape(view))
    return tuple(key)


def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Any:
    """Gather values at ``indices`` along ``axis`` (NumPy ``take_along_axis``)."""
    a, n = unwrap(x)
    idx = _int_indices(indices)
    if axis is None:
        if n is not None:
            from .shape_ops import reshape

            return take_along_axis(reshape(x, (-1,)), idx, 0)
        a, axis = a.reshape(-1), 0
    ax = axis % a.ndim
    if idx.ndim != a.ndim:
        raise ValueError(
            f"take_along_axis: indices must have the same rank as x; received x of shape "
            f"{a.shape} and indices of shape {idx.shape}. Add length-1 axes to indices."
        )
    bshape = tuple(max(s, t) if i != ax else t
                   for i, (s, t) in enumerate(zip(a.shape, idx.shape, strict=True)))
    idx_b = np.broadcast_to(idx, bshape)
    a_b = np.broadcast_to(a, tuple(s if i == ax else bshape[i] for i, s in enumerate(a.shape)))
    out = np.take_along_axis(a_b, idx_b, ax)
    if n is None:
        return out
    shape = a.shape
    key = _along_axis_key(a_b.shape, np.where(idx_b < 0, idx_b + shape[ax], idx_b), ax)

    def vjp(g):
        gx = zeros_like_shape(a_b.shape, g)
        np.add.at(gx, key, g)
        return (gx,)

    return record(out, (n,), vjp)


def scatter(indices: Any, values: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``indices`` (shape ``(..., rank)``).

    Differentiable with respect to ``values``.
    """
    idx = _int_indices(indices)
    v, n = unwrap(values)
    rank = idx.shape[-1]
    flat_idx = idx.reshape(-1, rank)
    key = tuple(flat_idx.T)
    tail = tuple(shape[rank:])
    vflat = np.reshape(v, (flat_idx.shape[0],) + tail)
    out = zeros_like_shape(tuple(shape), v)
    np.add.at(out, key, vflat)
    if n is None:
        return out
    vshape = v.shape
    return record(out, (n,), lambda g: (g[key].reshape(vshape),))
