"""Shape manipulation: reshape, transpose, concatenate, split, pad, slice ...

Example:
    >>> from polykeras import ops
    >>> ops.shape(ops.reshape(ops.zeros((2, 3)), (3, -1)))
    (3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import FLOATS, as_int, axis_arg, normalize_axis, shape_arg
from polykeras.ops.core import as_tensor

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split",
    "tile", "repeat", "broadcast_to", "pad", "flip", "slice", "ravel", "swapaxes",
    "moveaxis",
]

_PAD_MODES = ("constant", "reflect", "symmetric")


def _shape_of(b: Any, x: Any) -> tuple[int, ...] | str:
    """Shape for error messages (never raises)."""
    try:
        return tuple(b.shape(as_tensor(b, x)))
    except Exception:  # noqa: BLE001
        return "<unknown>"


def reshape(x: Any, newshape: Any) -> Tensor:
    """``x`` with a new shape holding the same number of elements (one ``-1`` allowed).

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.reshape(ops.zeros((4, 6)), (2, -1)))
        (2, 12)
    """
    if type(newshape) is not tuple:
        newshape = shape_arg(newshape, "reshape", allow_minus_one=True)
    b = _backend()
    try:
        return b.reshape(x, newshape)
    except Exception as exc:
        old = _shape_of(b, x)
        if not isinstance(old, tuple) or _reshape_ok(old, newshape):
            raise
        size = 1
        for d in old:
            size *= d
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {old} ({size} elements) to "
            f"{newshape}. The new shape must hold the same number of elements, with at "
            "most one -1 for the dimension to infer."
        ) from exc


def _reshape_ok(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    size = 1
    for d in old:
        size *= d
    if sum(1 for d in new if d == -1) > 1 or any(d < -1 for d in new):
        return False
    known = 1
    for d in new:
        if d != -1:
            known *= d
    if -1 in new:
        return known != 0 and size % known == 0
    return known == size


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Permute the axes of ``x`` (reverse them when ``axes`` is None)."""
    if axes is not None and type(axes) is not tuple:
        axes = tuple(as_int(a, "axes", "transpose") for a in axes)
    return _backend().transpose(x, axes)


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert a size-1 axis at ``axis`` (an int or a tuple of ints)."""
    b = _backend()
    if type(axis) is int:
        return b.expand_dims(x, axis)
    axis = axis_arg(axis, "expand_dims")
    if isinstance(axis, int):
        return b.expand_dims(x, axis)
    x = as_tensor(b, x)
    out_rank = len(b.shape(x)) + len(axis)
    positions = sorted(normalize_axis(a, out_rank, "expand_dims") for a in axis)
    if len(set(positions)) != len(positions):
        raise ValueError(f"expand_dims: repeated axis in {axis}.")
    for a in positions:
        x = b.expand_dims(x, a)
    return x


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove size-1 axes (all of them, or those in ``axis``)."""
    b = _backend()
    if not (axis is None or type(axis) is int):
        axis = axis_arg(axis, "squeeze")
    try:
        return b.squeeze(x, axis)
    except Exception as exc:
        shape = _shape_of(b, x)
        raise ValueError(
            f"squeeze: cannot remove axis {axis} of a tensor of shape {shape}; only axes of "
            "size 1 can be squeezed."
        ) from exc


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; all other dimensions must match.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.concatenate([ops.zeros((2, 3)), ops.ones((1, 3))], axis=0))
        (3, 3)
    """
    b = _backend()
    if type(axis) is not int:
        axis = as_int(axis, "axis", "concatenate")
    if not isinstance(xs, (list, tuple)):
        xs = list(xs)
    try:
        return b.concatenate(xs, axis)
    except Exception as exc:
        shapes = [_shape_of(b, t) for t in xs]
        problem = _concat_problem(shapes, axis, "concatenate", same_shape=False)
        if problem is None:
            raise
        raise ValueError(problem) from exc


def _concat_problem(shapes: list[Any], axis: int, op: str, same_shape: bool) -> str | None:
    if not shapes:
        return f"{op}: received an empty list of tensors; pass at least one tensor."
    if any(not isinstance(s, tuple) for s in shapes):
        return None
    ranks = {len(s) for s in shapes}
    if len(ranks) > 1:
        return (f"{op}: all inputs must have the same rank, received shapes "
                f"{', '.join(map(str, shapes))}.")
    rank = ranks.pop()
    if same_shape:
        if len(set(shapes)) > 1:
            return (f"{op}: all inputs must have the same shape, received shapes "
                    f"{', '.join(map(str, shapes))}.")
        if not -rank - 1 <= axis <= rank:
            return f"{op}: axis {axis} is out of bounds for inputs of rank {rank}."
        return None
    if not -rank <= axis < rank:
        return (f"{op}: axis {axis} is out of bounds for inputs of rank {rank} "
                f"(shapes {', '.join(map(str, shapes))}).")
    a = axis % rank
    rest = {s[:a] + s[a + 1:] for s in shapes}
    if len(rest) > 1:
        return (f"{op}: all dimensions except axis {axis} must match, received shapes "
                f"{', '.join(map(str, shapes))}.")
    return None


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    b = _backend()
    if type(axis) is not int:
        axis = as_int(axis, "axis", "stack")
    if not isinstance(x, (list, tuple)):
        x = list(x)
    try:
        return b.stack(x, axis)
    except Exception as exc:
        problem = _concat_problem([_shape_of(b, t) for t in x], axis, "stack", same_shape=True)
        if problem is None:
            raise
        raise ValueError(problem) from exc


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Split into equal sections (an int) or at the given indices (a list of ints)."""
    b = _backend()
    axis = as_int(axis, "axis", "split")
    if isinstance(indices_or_sections, (list, tuple)):
        indices = [as_int(i, "indices_or_sections", "split") for i in indices_or_sections]
        return list(b.split(x, indices, axis))
    sections = as_int(indices_or_sections, "indices_or_sections", "split")
    x = as_tensor(b, x)
    shp = b.shape(x)
    dim = shp[normalize_axis(axis, len(shp), "split")]
    if sections <= 0 or dim % sections:
        raise ValueError(
            f"split: cannot split axis {axis} of size {dim} (shape {shp}) into {sections} "
            "equal sections. Pass a number of sections that divides it, or a list "
            "of split indices."
        )
    return list(b.split(x, sections, axis))


def tile(x: Any, repeats: Any) -> Tensor:
    """Repeat the whole of ``x`` ``repeats[i]`` times along axis ``i`` (NumPy rules)."""
    b = _backend()
    x = as_tensor(b, x)
    reps = shape_arg(repeats, "tile")
    rank = len(b.shape(x))
    if len(reps) < rank:
        reps = (1,) * (rank - len(reps)) + reps
    elif len(reps) > rank:
        x = b.reshape(x, (1,) * (len(reps) - rank) + tuple(b.shape(x)))
    return b.tile(x, reps)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element)."""
    b = _backend()
    if axis is not None:
        axis = as_int(axis, "axis", "repeat")
    if isinstance(repeats, (list, tuple)) or hasattr(repeats, "shape"):
        import numpy as np

        counts = np.asarray(b.convert_to_numpy(repeats) if b.is_tensor(repeats) else repeats)
        if counts.ndim == 0:
            return b.repeat(x, int(counts), axis)
        x = as_tensor(b, x)
        if axis is None:
            x, axis = b.reshape(x, (-1,)), 0
        shp = b.shape(x)
        n = shp[normalize_axis(axis, len(shp), "repeat")]
        if counts.shape != (n,):
            raise ValueError(
                f"repeat: `repeats` must be an int or have one count per element along "
                f"axis {axis} ({n}), received {counts.shape[0]} counts."
            )
        index = np.repeat(np.arange(n, dtype="int32"), counts.astype("int64"))
        return b.take(x, b.convert_to_tensor(index, "int32"), axis)
    return b.repeat(x, as_int(repeats, "repeats", "repeat"), axis)


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """``x`` broadcast to ``shape`` (NumPy broadcasting rules)."""
    b = _backend()
    shp = shape_arg(shape, "broadcast_to")
    try:
        return b.broadcast_to(x, shp)
    except Exception as exc:
        old = _shape_of(b, x)
        if not isinstance(old, tuple):
            raise
        raise ValueError(
            f"broadcast_to: cannot broadcast a tensor of shape {old} to {shp}. Each "
            "dimension must equal the target's or be 1."
        ) from exc


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """Pad ``x``; ``pad_width`` is an int, one ``(before, after)`` pair, or one per axis.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.pad(ops.zeros((2, 3)), ((1, 1), (0, 2))))
        (4, 5)
    """
    b = _backend()
    m = mode.lower() if isinstance(mode, str) else mode
    if m not in _PAD_MODES:
        raise ValueError(
            f"pad: invalid mode {mode!r}. Expected one of {', '.join(map(repr, _PAD_MODES))}."
        )
    if constant_values is not None and m != "constant":
        raise ValueError(
            f"pad: `constant_values` is only used with mode='constant', received "
            f"mode={mode!r} and constant_values={constant_values!r}."
        )
    x = as_tensor(b, x)
    rank = len(b.shape(x))
    width = _pad_width(pad_width, rank)
    value = 0 if constant_values is None else constant_values
    if isinstance(value, float):
        dt = b.dtype(x)
        if dt == "bool":
            value = bool(value)
        elif dt not in FLOATS:
            value = int(value)  # NumPy semantics: the fill value takes the tensor's dtype
    return b.pad(x, width, m, value)


def _pad_width(pad_width: Any, rank: int) -> tuple[tuple[int, int], ...]:
    import numpy as np

    try:
        arr = np.asarray(pad_width, dtype="int64")
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] not in (1, 2)):
        raise ValueError(
            f"pad: `pad_width` must be an int, a (before, after) pair, or one pair per "
            f"axis, received {pad_width!r}."
        )
    if arr.ndim == 2 and arr.shape[0] not in (1, rank):
        raise ValueError(
            f"pad: `pad_width` has {arr.shape[0]} pairs for a tensor of rank {rank}; "
            "pass one (before, after) pair per axis."
        )
    try:
        full = np.broadcast_to(arr, (rank, 2))
    except ValueError:
        raise ValueError(
            f"pad: `pad_width` {pad_width!r} does not fit a tensor of rank {rank}."
        ) from None
    if (full < 0).any():
        raise ValueError(f"pad: `pad_width` must be non-negative, received {pad_width!r}.")
    return tuple((int(a), int(c)) for a, c in full)


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    return _backend().flip(x, axis_arg(axis, "flip"))


def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:  # noqa: A001
    """The block of ``inputs`` starting at ``start_indices`` with size ``shape``.

    A ``-1`` in ``shape`` takes everything to the end of that axis.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.slice(ops.zeros((4, 5)), (1, 2), (2, -1)))
        (2, 3)
    """
    b = _backend()
    x = as_tensor(b, inputs)
    full = b.shape(x)
    starts = _static_ints(b, start_indices, "start_indices")
    size = _static_ints(b, shape, "shape")
    if len(starts) != len(full) or len(size) != len(full):
        raise ValueError(
            f"slice: `start_indices` {starts} and `shape` {size} need one entry per axis "
            f"of the input of shape {full}."
        )
    resolved = []
    for dim, st, sz in zip(full, starts, size, strict=True):
        if sz == -1:
            sz = dim - st
        if st < 0 or sz < 0 or st + sz > dim:
            raise ValueError(
                f"slice: start {starts} with size {size} is out of bounds for input "
                f"shape {full}."
            )
        resolved.append(sz)
    return b.slice(x, starts, tuple(resolved))


def _static_ints(b: Any, value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)) and all(type(v) is int for v in value):
        return tuple(value)
    try:
        import numpy as np

        arr = np.asarray(b.convert_to_numpy(value) if b.is_tensor(value) else value)
        return tuple(int(v) for v in arr.reshape(-1))
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"slice: `{what}` must be known integers (a tuple of ints), received {value!r}. "
            "Inside a compiled function pass Python ints."
        ) from exc


def ravel(x: Any) -> Tensor:
    """``x`` flattened to 1-D."""
    return _backend().reshape(x, (-1,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Interchange two axes."""
    b = _backend()
    x = as_tensor(b, x)
    rank = len(b.shape(x))
    a1 = normalize_axis(as_int(axis1, "axis1", "swapaxes"), rank, "swapaxes")
    a2 = normalize_axis(as_int(axis2, "axis2", "swapaxes"), rank, "swapaxes")
    perm = list(range(rank))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return b.transpose(x, tuple(perm))


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes ``source`` to positions ``destination`` (ints or tuples of ints)."""
    b = _backend()
    x = as_tensor(b, x)
    rank = len(b.shape(x))
    src = axis_arg(source, "moveaxis")
    dst = axis_arg(destination, "moveaxis")
    src = (src,) if isinstance(src, int) else tuple(src or ())
    dst = (dst,) if isinstance(dst, int) else tuple(dst or ())
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: `source` {source!r} and `destination` {destination!r} must have "
            "the same number of elements."
        )
    src = tuple(normalize_axis(a, rank, "moveaxis") for a in src)
    dst = tuple(normalize_axis(a, rank, "moveaxis") for a in dst)
    order = [a for a in range(rank) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    if order == list(range(rank)):
        return x
    return b.transpose(x, tuple(order))

