"""Shape manipulation, indexing and gather/scatter on TensorFlow tensors, with NumPy
semantics (negative axes and indices, ``split`` by sections or indices, advanced
indexing in ``getitem``).

Example:
    >>> from polykeras.backends.tensorflow import shape_ops
    >>> x = tf.reshape(tf.range(6), (2, 3))
    >>> shape_ops.getitem(x, (Ellipsis, [2, 0])).numpy()
    array([[2, 0],
           [5, 3]], dtype=int32)
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from polykeras.backends.tensorflow.core import (
    INDEX_DTYPES,
    Tensor,
    convert_to_tensor,
    promote_all,
)

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split",
    "tile", "repeat", "broadcast_to", "pad", "flip", "slice", "getitem", "take",
    "take_along_axis", "scatter",
]

_PAD_MODES = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _norm_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ValueError(
            f"axis {axis} is out of bounds for a tensor of rank {rank}; expected an axis "
            f"in [{-rank}, {rank - 1}]."
        )
    return axis + rank if axis < 0 else axis


# ------------------------------------------------------------------------ shapes
def reshape(x: Any, newshape: Any) -> Tensor:
    """Example: ``reshape(x, (2, -1))``."""
    if isinstance(newshape, int):
        newshape = (newshape,)
    return tf.reshape(_t(x), newshape)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Reverse the axes, or permute them by ``axes`` (negative entries allowed)."""
    x = _t(x)
    if axes is None:
        return tf.transpose(x)
    rank = x.shape.rank
    return tf.transpose(x, [a + rank if a < 0 else a for a in axes])


def expand_dims(x: Any, axis: int | tuple[int, ...]) -> Tensor:
    """Insert size-1 axes; ``axis`` counts in the result, as in NumPy."""
    x = _t(x)
    if isinstance(axis, int):
        return tf.expand_dims(x, axis)
    out_rank = x.shape.rank + len(axis)
    for a in sorted(_norm_axis(a, out_rank) for a in axis):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x: Any, axis: Any = None) -> Tensor:
    x = _t(x)
    if axis is None:
        return tf.squeeze(x)
    if isinstance(axis, int):
        axis = (axis,)
    return tf.squeeze(x, list(axis))


def concatenate(xs: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join along ``axis`` (``None`` flattens first); dtypes are promoted together."""
    parts = promote_all(xs)
    if axis is None:
        parts = [tf.reshape(p, [-1]) for p in parts]
        axis = 0
    return tf.concat(parts, axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    return tf.stack(promote_all(xs), axis)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """NumPy ``split``: ``n`` equal sections, or the pieces between sorted indices.

    Example:
        >>> [p.shape[0] for p in split(tf.zeros(5), [2, 3], 0)]
        [2, 1, 2]
    """
    x = _t(x)
    axis = _norm_axis(axis, x.shape.rank)
    dim = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if dim is not None and dim % indices_or_sections:
            raise ValueError(
                f"split: {indices_or_sections} sections do not divide axis {axis} of size "
                f"{dim} evenly. Pass a list of split indices instead."
            )
        return tf.split(x, indices_or_sections, axis=axis)
    if dim is None:
        raise ValueError("split by indices needs a statically known size along the axis.")
    bounds = [0]
    for i in indices_or_sections:
        i = int(i)
        bounds.append(builtins.min(builtins.max(i + dim if i < 0 else i, 0), dim))
    bounds.append(dim)
    pairs = list(zip(bounds[:-1], bounds[1:], strict=True))
    if builtins.all(a <= b for a, b in pairs):
        return tf.split(x, [b - a for a, b in pairs], axis=axis)
    lead = (builtins.slice(None),) * axis
    return [x[lead + (builtins.slice(a, builtins.max(a, b)),)] for a, b in pairs]


def tile(x: Any, repeats: int | Sequence[int]) -> Tensor:
    """NumPy ``tile``: ``repeats`` shorter than the rank is padded with leading 1s;
    longer adds leading axes to ``x``."""
    x = _t(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    rank = x.shape.rank
    if len(reps) < rank:
        reps = [1] * (rank - len(reps)) + reps
    elif len(reps) > rank:
        x = tf.reshape(x, [1] * (len(reps) - rank) + list(_dims(x)))
    return tf.tile(x, reps)


def _dims(x: Tensor) -> list[Any]:
    dims = x.shape.as_list()
    if None in dims:
        dynamic = tf.shape(x)
        return [dynamic[i] if d is None else d for i, d in enumerate(dims)]
    return dims


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """NumPy ``repeat``; ``axis=None`` flattens first."""
    x = _t(x)
    if axis is None:
        x = tf.reshape(x, [-1])
        axis = 0
    return tf.repeat(x, repeats, axis=axis)


def broadcast_to(x: Any, shape: Sequence[Any]) -> Tensor:
    return tf.broadcast_to(_t(x), shape)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """NumPy ``pad`` with modes "constant", "reflect" and "symmetric".

    Example:
        >>> pad(tf.constant([1, 2, 3]), ((2, 1),), "reflect", None).numpy()
        array([3, 2, 1, 2, 3, 2], dtype=int32)
    """
    x = _t(x)
    tf_mode = _PAD_MODES.get(mode)
    if tf_mode is None:
        raise ValueError(
            f"pad: unsupported mode {mode!r}. Expected one of {', '.join(_PAD_MODES)}."
        )
    rank = x.shape.rank
    widths = np.asarray(pad_width, dtype=np.int64)
    if widths.ndim < 2:
        widths = np.broadcast_to(widths.reshape(-1)[:2] if widths.size > 1 else widths,
                                 (rank, 2))
    elif widths.shape[0] == 1 and rank != 1:
        widths = np.broadcast_to(widths, (rank, 2))
    paddings = widths.tolist()
    if tf_mode == "CONSTANT":
        value = 0 if constant_values is None else constant_values
        if isinstance(value, Tensor):
            value = tf.cast(value, x.dtype)
        elif x.dtype == tf.bool:
            value = bool(value)
        return tf.pad(x, paddings, mode="CONSTANT", constant_values=value)
    return tf.pad(x, paddings, mode=tf_mode)


def flip(x: Any, axis: Any = None) -> Tensor:
    x = _t(x)
    if axis is None:
        axis = list(range(x.shape.rank))
    elif isinstance(axis, int):
        axis = [axis]
    return tf.reverse(x, list(axis))


def slice(x: Any, start_indices: Sequence[Any], shape: Sequence[Any]) -> Tensor:
    """Static slice of ``shape`` starting at ``start_indices``."""
    return tf.slice(_t(x), start_indices, shape)


# ---------------------------------------------------------------------- indexing
_BASIC_KEYS = frozenset((int, builtins.slice, type(None), type(Ellipsis)))


def _normalize_key_item(k: Any) -> Any:
    """Python lists and NumPy arrays to arrays; 0-d integer arrays to ints."""
    conv = getattr(k, "__polykeras_tensor__", None)
    if conv is not None:
        k = conv()
    if isinstance(k, (list, np.ndarray)):
        arr = np.asarray(k)
        if arr.ndim == 0 and arr.dtype.kind in "iu":
            return int(arr)
        if arr.dtype.kind not in "iub" and arr.size:
            raise IndexError(
                f"Index arrays must be integers or booleans; received dtype {arr.dtype}."
            )
        return arr.astype(np.int64) if arr.dtype.kind != "b" and arr.size == 0 else arr
    return k


def _is_array_index(k: Any) -> bool:
    if isinstance(k, np.ndarray):
        return True
    return isinstance(k, Tensor) and k.shape.rank != 0


def getitem(x: Any, key: Any) -> Tensor:
    """NumPy indexing: ints, slices, ``None``, ``Ellipsis``, integer and boolean arrays.

    Example:
        >>> getitem(tf.range(5), [-1, 0]).numpy()
        array([4, 0], dtype=int32)
    """
    x = _t(x)
    if type(key) in _BASIC_KEYS:
        return x[key]
    if type(key) is tuple and builtins.all(type(k) in _BASIC_KEYS for k in key):
        return x[key]
    items = key if isinstance(key, tuple) else (key,)
    items = tuple(_normalize_key_item(k) for k in items)
    if not builtins.any(_is_array_index(k) for k in items):
        return x[items if len(items) != 1 else items[0]]
    return _advanced_getitem(x, items)


def _expand_booleans(items: tuple) -> list[Any]:
    out: list[Any] = []
    for k in items:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            out.extend(np.nonzero(k))
        elif isinstance(k, Tensor) and k.dtype == tf.bool:
            coords = tf.where(k)
            out.extend(coords[:, i] for i in range(k.shape.rank))
        else:
            out.append(k)
    return out


def _expand_ellipsis(items: list[Any], rank: int) -> list[Any]:
    n_ellipsis = builtins.sum(1 for k in items if k is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("An index can only have a single ellipsis ('...').")
    used = builtins.sum(1 for k in items if k is not None and k is not Ellipsis)
    if used > rank:
        raise IndexError(
            f"Too many indices: the tensor has rank {rank} but {used} axes were indexed."
        )
    fill = [builtins.slice(None)] * (rank - used)
    if n_ellipsis == 0:
        return items + fill
    i = next(j for j, k in enumerate(items) if k is Ellipsis)
    return items[:i] + fill + items[i + 1:]


def _index_tensor(idx: Any, dim: Any) -> Tensor:
    """A non-negative integer index tensor for an axis of size ``dim``."""
    if isinstance(idx, Tensor):
        if not idx.dtype.is_integer:
            idx = tf.cast(idx, tf.int32)
        if idx.dtype.is_unsigned:
            return tf.cast(idx, tf.int64)
        return tf.where(idx < 0, idx + tf.cast(dim, idx.dtype), idx)
    arr = np.asarray(idx)
    if isinstance(dim, int):
        arr = np.where(arr < 0, arr + dim, arr)
        big = arr.size and (arr.max() > 2**31 - 1)
        return tf.constant(arr, tf.int64 if big else tf.int32)
    t = tf.constant(arr, tf.int64)
    return tf.where(t < 0, t + tf.cast(dim, tf.int64), t)


def _advanced_getitem(x: Tensor, items: tuple) -> Tensor:
    expanded = _expand_ellipsis(_expand_booleans(items), x.shape.rank)
    basic: list[Any] = []
    advanced: list[tuple[int, Any]] = []
    for k in expanded:
        if k is None or isinstance(k, builtins.slice):
            basic.append(k)
        else:  # ints and arrays are all advanced once any array is present
            advanced.append((len(basic), k))
            basic.append(builtins.slice(None))
    if builtins.any(k is None or k != builtins.slice(None) for k in basic):
        x = x[tuple(basic)]
    dims = _dims(x)
    axes = [a for a, _ in advanced]
    indices = [_index_tensor(k, dims[a]) for a, k in advanced]
    if len(indices) == 1:
        return tf.gather(x, indices[0], axis=axes[0])
    if builtins.any(i.dtype == tf.int64 for i in indices):
        indices = [tf.cast(i, tf.int64) for i in indices]
    shapes = [i.shape for i in indices]
    if builtins.all(s.is_fully_defined() for s in shapes):
        bshape = np.broadcast_shapes(*[tuple(s.as_list()) for s in shapes])
    else:
        bshape = tf.shape(indices[0])
        for i in indices[1:]:
            bshape = tf.broadcast_dynamic_shape(bshape, tf.shape(i))
    coords = tf.stack([tf.broadcast_to(i, bshape) for i in indices], axis=-1)
    rank = x.shape.rank
    rest = [a for a in range(rank) if a not in axes]
    perm = axes + rest
    if perm != list(range(rank)):
        x = tf.transpose(x, perm)
    out = tf.gather_nd(x, coords)
    contiguous = axes == list(range(axes[0], axes[0] + len(axes)))
    if contiguous and axes[0] > 0:
        n_b = coords.shape.rank - 1
        first = axes[0]
        order = (list(range(n_b, n_b + first)) + list(range(n_b))
                 + list(range(n_b + first, out.shape.rank)))
        out = tf.transpose(out, order)
    return out


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Gather along ``axis`` (``None`` flattens ``x``); negative indices count from the
    end. Differentiable in ``x``.

    Example:
        >>> take(tf.constant([[1, 2], [3, 4]]), [-1], None).numpy()
        array([4], dtype=int32)
    """
    x = _t(x)
    if axis is None:
        x = tf.reshape(x, [-1])
        axis = 0
    conv = getattr(indices, "__polykeras_tensor__", None)
    if conv is not None:
        indices = conv()
    dim = x.shape[axis]
    if dim is None:
        dim = tf.shape(x)[axis]
    return tf.gather(x, _index_tensor(indices, dim), axis=axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """NumPy ``take_along_axis``: non-axis dimensions broadcast between ``x`` and
    ``indices``; ``axis=None`` works on the flattened ``x``."""
    x = _t(x)
    indices = _t(indices)
    if axis is None:
        x = tf.reshape(x, [-1])
        indices = tf.reshape(indices, [-1])
        axis = 0
    rank = x.shape.rank
    if indices.shape.rank != rank:
        raise ValueError(
            f"take_along_axis: indices must have the same rank as x ({rank}); received "
            f"rank {indices.shape.rank}."
        )
    axis = _norm_axis(axis, rank)
    xs, js = x.shape.as_list(), indices.shape.as_list()
    x_other = xs[:axis] + xs[axis + 1:]
    j_other = js[:axis] + js[axis + 1:]
    if x_other != j_other:
        if None in x_other or None in j_other:
            raise ValueError("take_along_axis needs statically known shapes to broadcast.")
        common = list(np.broadcast_shapes(tuple(x_other), tuple(j_other)))
        x = tf.broadcast_to(x, common[:axis] + [xs[axis]] + common[axis:])
        indices = tf.broadcast_to(indices, common[:axis] + [js[axis]] + common[axis:])
    dim = xs[axis] if xs[axis] is not None else tf.shape(x)[axis]
    indices = _index_tensor(indices, dim)
    if axis == rank - 1:
        return tf.gather(x, indices, axis=axis, batch_dims=axis)
    perm = list(range(axis)) + list(range(axis + 1, rank)) + [axis]
    inverse = list(np.argsort(perm))
    out = tf.gather(tf.transpose(x, perm), tf.transpose(indices, perm),
                    axis=rank - 1, batch_dims=rank - 1)
    return tf.transpose(out, inverse)


def scatter(indices: Any, values: Any, shape: Sequence[Any]) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at ``indices`` (shape ``(N, rank)``);
    duplicate indices add up.

    Example:
        >>> scatter([[0], [0], [2]], tf.constant([1., 2., 3.]), (3,)).numpy()
        array([3., 0., 3.], dtype=float32)
    """
    indices = _t(indices)
    if not indices.dtype.is_integer or indices.dtype.is_unsigned:
        indices = tf.cast(indices, tf.int64)
    elif indices.dtype not in INDEX_DTYPES:
        indices = tf.cast(indices, tf.int32)
    return tf.scatter_nd(indices, _t(values), shape)
