"""Shape manipulation with gradients: reshape, transpose, concatenate, split, tile, pad...

Example:
    >>> import numpy as np
    >>> concatenate([np.zeros((1, 2)), np.ones((1, 2))], axis=0).shape
    (2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .autodiff import record, zeros_like_shape
from .conversion import unwrap, unwrap_many


def reshape(x: Any, newshape: tuple[int, ...]) -> Any:
    """``x`` with a new shape (at most one ``-1``)."""
    a, n = unwrap(x)
    out = np.reshape(a, newshape)
    if n is None:
        return out
    shape = a.shape
    return record(out, (n,), lambda g: (np.reshape(g, shape),))


def transpose(x: Any, axes: tuple[int, ...] | None = None) -> Any:
    """Permute axes (reverse them when ``axes`` is ``None``)."""
    a, n = unwrap(x)
    out = np.transpose(a, axes)
    if n is None:
        return out
    if axes is None:
        return record(out, (n,), lambda g: (np.transpose(g),))
    inverse = tuple(np.argsort([ax % a.ndim for ax in axes]))
    return record(out, (n,), lambda g: (np.transpose(g, inverse),))


def expand_dims(x: Any, axis: int | tuple[int, ...]) -> Any:
    """Insert length-1 axes at ``axis``."""
    a, n = unwrap(x)
    out = np.expand_dims(a, axis)
    if n is None:
        return out
    shape = a.shape
    return record(out, (n,), lambda g: (np.reshape(g, shape),))


def squeeze(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """Remove length-1 axes (all of them when ``axis`` is ``None``)."""
    a, n = unwrap(x)
    out = np.squeeze(a, axis)
    if n is None:
        return out
    shape = a.shape
    return record(out, (n,), lambda g: (np.reshape(g, shape),))


def concatenate(xs: Sequence[Any], axis: int | None = 0) -> Any:
    """Join tensors along an existing axis (flattened first when ``axis`` is ``None``)."""
    arrays, nodes = unwrap_many(xs)
    if axis is None:
        arrays = [a.reshape(-1) for a in arrays]
        axis = 0
    out = np.concatenate(arrays, axis=axis)
    if all(n is None for n in nodes):
        return out
    shapes = [a.shape for a in arrays]
    originals = [unwrap(x)[0].shape for x in xs]
    bounds = np.cumsum([s[axis] for s in shapes])[:-1]

    def vjp(g):
        parts = np.split(g, bounds, axis=axis)
        return tuple(p.reshape(s) if n is not None else None
                     for p, s, n in zip(parts, originals, nodes, strict=True))

    return record(out, tuple(nodes), vjp)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors of one shape along a new axis."""
    arrays, nodes = unwrap_many(xs)
    out = np.stack(arrays, axis=axis)
    if all(n is None for n in nodes):
        return out
    ax = axis % out.ndim
    lead = (slice(None),) * ax

    def vjp(g):
        return tuple(g[lead + (i,)] if n is not None else None for i, n in enumerate(nodes))

    return record(out, tuple(nodes), vjp)


def _split_bounds(size: int, indices_or_sections: Any, axis: int) -> list[int]:
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or size % k:
            raise ValueError(
                f"split: an axis of size {size} (axis {axis}) cannot be split into {k} "
                "equal sections. Pass a number of sections that divides it, or a list of "
                "split indices."
            )
        step = size // k
        return [step * i for i in range(1, k)]
    return [int(i) for i in indices_or_sections]


def split(x: Any, indices_or_sections: int | list[int], axis: int = 0) -> list[Any]:
    """Split along ``axis`` into equal sections or at the given indices (NumPy rules)."""
    a, n = unwrap(x)
    axis = axis % a.ndim
    size = a.shape[axis]
    bounds = _split_bounds(size, indices_or_sections, axis)
    starts = [0] + bounds
    stops = bounds + [size]
    outs = []
    lead = (slice(None),) * axis
    for start, stop in zip(starts, stops, strict=True):
        key = lead + (slice(start, stop),)
        piece = a[key]
        if n is not None:
            piece = record(piece, (n,), _slice_vjp(a.shape, key))
        outs.append(piece)
    return outs


def _slice_vjp(shape: tuple[int, ...], key: Any) -> Any:
    def vjp(g):
        gx = zeros_like_shape(shape, g)
        gx[key] = g
        return (gx,)

    return vjp


def tile(x: Any, repeats: Sequence[int]) -> Any:
    """Repeat the whole tensor ``repeats[i]`` times along each axis (NumPy ``tile``)."""
    a, n = unwrap(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    out = np.tile(a, repeats)
    if n is None:
        return out
    d = max(len(repeats), a.ndim)
    reps = (1,) * (d - len(repeats)) + repeats
    base = (1,) * (d - a.ndim) + a.shape
    shape = a.shape

    def vjp(g):
        inter = []
        for r, s in zip(reps, base, strict=True):
            inter += [r, s]
        summed = g.reshape(inter).sum(axis=tuple(range(0, 2 * d, 2)))
        return (summed.reshape(shape),)

    return record(out, (n,), vjp)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times along ``axis`` (flattened when ``None``)."""
    a, n = unwrap(x)
    reps = unwrap(repeats)[0] if not isinstance(repeats, int) else repeats
    out = np.repeat(a, reps, axis=axis)
    if n is None:
        return out
    shape = a.shape
    src = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis % a.ndim
    reps_arr = np.asarray(reps).reshape(-1)

    def vjp(g):
        size = src.shape[ax]
        if reps_arr.size == 1:
            r = int(reps_arr[0])
            gs = g.reshape(src.shape[:ax] + (size, r) + src.shape[ax + 1:]).sum(axis=ax + 1)
        else:
            ends = np.cumsum(reps_arr)
            starts = ends - reps_arr
            if g.shape[ax] == 0:
                gs = np.zeros(src.shape, g.dtype)
            else:
                gs = np.add.reduceat(g, np.minimum(starts, g.shape[ax] - 1), axis=ax)
                empty = reps_arr == 0
                if empty.any():
                    gs[(slice(None),) * ax + (empty,)] = 0
        return (gs.reshape(shape),)

    return record(out, (n,), vjp)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` broadcast to ``shape`` (a read-only view, as in NumPy)."""
    a, n = unwrap(x)
    out = np.broadcast_to(a, shape)
    if n is None:
        return out
    return record(out, (n,), lambda g: (g,))


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Any:
    """Pad with ``mode`` "constant", "reflect" or "symmetric" (NumPy semantics)."""
    a, n = unwrap(x)
    pad_width = tuple(tuple(int(v) for v in p) for p in np.broadcast_to(
        np.asarray(pad_width, dtype=np.int64).reshape(-1, 2), (a.ndim, 2)))
    if mode == "constant":
        cv = unwrap(constant_values)[0] if not isinstance(constant_values, (int, float)) \
            else constant_values
        out = np.pad(a, pad_width, mode="constant", constant_values=cv)
    elif mode in ("reflect", "symmetric"):
        out = np.pad(a, pad_width, mode=mode)
    else:
        raise ValueError(
            f"pad: unsupported mode {mode!r}; expected 'constant', 'reflect' or 'symmetric'."
        )
    if out.dtype != a.dtype:
        out = out.astype(a.dtype)
    if n is None:
        return out
    shape = a.shape
    if mode == "constant":
        key = tuple(slice(lo, lo + s) for (lo, _), s in zip(pad_width, shape, strict=True))
        return record(out, (n,), lambda g: (g[key],))

    def vjp(g):
        source = np.pad(np.arange(a.size).reshape(shape), pad_width, mode=mode)
        gx = np.bincount(source.reshape(-1), weights=g.reshape(-1), minlength=a.size)
        return (gx.reshape(shape).astype(g.dtype),)

    return record(out, (n,), vjp)


def flip(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """Reverse the order of elements along ``axis`` (all axes when ``None``)."""
    a, n = unwrap(x)
    out = np.flip(a, axis)
    if n is None:
        return out
    return record(out, (n,), lambda g: (np.flip(g, axis),))
