"""Shape manipulation, padding and indexing for the torch adapter (NumPy semantics).

Example:
    >>> b = TorchBackend()
    >>> [t.shape for t in b.split(torch.zeros(6), [2, 5], 0)]
    [torch.Size([2]), torch.Size([3]), torch.Size([1])]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .core import Tensor, dtype_or_floatx, normalize_axis, promote, to_tensor


def _index_tensor(indices: Any) -> Tensor:
    """Integer indices as a tensor usable by torch indexing/gather."""
    idx = to_tensor(indices)
    if idx.is_floating_point():
        idx = idx.to(torch.int64)
    return idx


def _key_part(part: Any) -> Any:
    if part is None or isinstance(part, (int, slice, Tensor)) or part is Ellipsis:
        return part
    if isinstance(part, np.ndarray):
        if any(s < 0 for s in part.strides):
            part = np.ascontiguousarray(part)
        return torch.as_tensor(part)
    if isinstance(part, np.integer):
        return int(part)
    unwrap = getattr(type(part), "__polykeras_tensor__", None)
    if unwrap is not None:
        return unwrap(part)
    if isinstance(part, (list, tuple)):
        arr = np.asarray(part)
        if arr.dtype.kind in "biu":
            return torch.as_tensor(arr)
        return part
    return part


def _reflect_axis(x: Tensor, axis: int, before: int, after: int, symmetric: bool) -> Tensor:
    """Pad one axis by mirroring (NumPy "reflect"/"symmetric", large pads repeat)."""
    n = x.shape[axis]
    if n == 0:
        raise ValueError(
            f"Cannot pad an empty axis {axis} (shape {tuple(x.shape)}) with a mirroring mode; "
            "use mode='constant'."
        )
    limit = n if symmetric else n - 1
    if limit == 0:  # a single element mirrors onto itself
        pieces = [x.narrow(axis, 0, 1).expand(*x.shape[:axis], before, *x.shape[axis + 1:]),
                  x,
                  x.narrow(axis, 0, 1).expand(*x.shape[:axis], after, *x.shape[axis + 1:])]
        return torch.cat(pieces, dim=axis)
    skip = 0 if symmetric else 1
    while before > 0 or after > 0:
        parts = [x]
        if before > 0:
            c = min(before, limit)
            parts.insert(0, x.narrow(axis, skip, c).flip(axis))
            before -= c
        if after > 0:
            c = min(after, limit)
            length = x.shape[axis]
            parts.append(x.narrow(axis, length - skip - c, c).flip(axis))
            after -= c
        x = torch.cat(parts, dim=axis)
    return x


def _normalize_pad_width(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    arr = np.asarray(pad_width, dtype=np.int64)
    if arr.ndim == 0:
        arr = np.full((ndim, 2), int(arr))
    elif arr.shape == (2,) or arr.shape == (1, 2):
        arr = np.broadcast_to(arr.reshape(1, 2), (ndim, 2))
    elif arr.shape == (1,):
        arr = np.full((ndim, 2), int(arr[0]))
    if arr.shape != (ndim, 2):
        raise ValueError(
            f"pad expected pad_width with one (before, after) pair per axis ({ndim} pairs); "
            f"received {pad_width!r}."
        )
    if (arr < 0).any():
        raise ValueError(f"pad expected non-negative pad widths; received {pad_width!r}.")
    return tuple((int(a), int(b)) for a, b in arr)


class ShapeOps:
    """Reshaping, joining, splitting, padding and indexing."""

    def reshape(self, x: Any, newshape: Sequence[int]) -> Tensor:
        """``x`` with a new shape (at most one -1)."""
        x = to_tensor(x)
        if isinstance(newshape, int):
            newshape = (newshape,)
        return x.reshape(tuple(newshape))

    def transpose(self, x: Any, axes: Sequence[int] | None = None) -> Tensor:
        """Permute axes (reverse them when ``axes`` is None)."""
        x = to_tensor(x)
        if axes is None:
            return x.permute(tuple(range(x.ndim - 1, -1, -1)))
        return x.permute(tuple(axes))

    def expand_dims(self, x: Any, axis: int | Sequence[int]) -> Tensor:
        """Insert size-1 axes (an int or a tuple of positions in the result)."""
        x = to_tensor(x)
        if isinstance(axis, int):
            return torch.unsqueeze(x, axis)
        out_ndim = x.ndim + len(axis)
        for a in sorted(normalize_axis(a, out_ndim) for a in axis):
            x = torch.unsqueeze(x, a)
        return x

    def squeeze(self, x: Any, axis: Any = None) -> Tensor:
        """Remove size-1 axes (all of them when ``axis`` is None)."""
        x = to_tensor(x)
        if axis is None:
            return torch.squeeze(x)
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        shape = x.shape
        for a in axes:
            if shape[a] != 1:
                raise ValueError(
                    f"Cannot squeeze axis {a} of a tensor of shape {tuple(shape)}: its size is "
                    f"{shape[a]}, expected 1."
                )
        return torch.squeeze(x, axes)

    def concatenate(self, xs: Sequence[Any], axis: int | None = 0) -> Tensor:
        """Join tensors along an existing axis (flattened first when ``axis`` is None)."""
        tensors = promote(list(xs))
        if axis is None:
            return torch.cat([t.reshape(-1) for t in tensors])
        return torch.cat(tensors, dim=axis)

    def stack(self, xs: Sequence[Any], axis: int = 0) -> Tensor:
        """Join tensors along a new axis."""
        return torch.stack(promote(list(xs)), dim=axis)

    def split(self, x: Any, indices_or_sections: int | Sequence[int],
              axis: int = 0) -> list[Tensor]:
        """NumPy ``split``: equal sections (must divide evenly) or split points."""
        x = to_tensor(x)
        if isinstance(indices_or_sections, int):
            n = x.shape[axis]
            if indices_or_sections <= 0 or n % indices_or_sections:
                raise ValueError(
                    f"split received {indices_or_sections} sections for an axis of size {n}; "
                    "the size must be divisible by the number of sections. Pass split "
                    "indices for uneven parts."
                )
            return list(torch.tensor_split(x, indices_or_sections, dim=axis))
        return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=axis))

    def tile(self, x: Any, repeats: int | Sequence[int]) -> Tensor:
        """Repeat the whole tensor ``repeats`` times per axis (NumPy ``tile``)."""
        x = to_tensor(x)
        if isinstance(repeats, int):
            repeats = (repeats,)
        return torch.tile(x, tuple(int(r) for r in repeats))

    def repeat(self, x: Any, repeats: Any, axis: int | None = None) -> Tensor:
        """Repeat each element ``repeats`` times (flattened first when ``axis`` is None)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = x.reshape(-1), 0
        axis = normalize_axis(axis, x.ndim)
        if isinstance(repeats, (list, tuple, np.ndarray)) and len(repeats) == 1:
            repeats = int(repeats[0])
        if isinstance(repeats, (int, np.integer)):
            r = int(repeats)
            shape = tuple(x.shape)
            expanded = x.unsqueeze(axis + 1).expand(*shape[:axis + 1], r, *shape[axis + 1:])
            return expanded.reshape(*shape[:axis], shape[axis] * r, *shape[axis + 1:])
        if isinstance(repeats, Tensor):
            return torch.repeat_interleave(x, repeats.to(torch.int64), dim=axis)
        counts = [int(r) for r in np.asarray(repeats).reshape(-1)]
        reps = torch.as_tensor(counts, dtype=torch.int64).to(x.device)
        return torch.repeat_interleave(x, reps, dim=axis, output_size=sum(counts))

    def broadcast_to(self, x: Any, shape: Sequence[int]) -> Tensor:
        """A broadcast view of ``x`` with ``shape``."""
        return torch.broadcast_to(to_tensor(x), tuple(shape))

    def pad(self, x: Any, pad_width: Any, mode: str = "constant",
            constant_values: Any = 0) -> Tensor:
        """Pad with a constant, or by mirroring ("reflect" / "symmetric").

        Example:
            >>> TorchBackend().pad([1, 2, 3], ((2, 2),), "reflect")
            tensor([3, 2, 1, 2, 3, 2, 1], dtype=torch.int32)
        """
        x = to_tensor(x)
        widths = _normalize_pad_width(pad_width, x.ndim)
        if mode == "constant":
            if not any(a or b for a, b in widths):
                return x
            flat: list[int] = []
            for before, after in reversed(widths):
                flat.extend((before, after))
            value = constant_values
            if isinstance(value, (Tensor, np.ndarray, np.generic)):
                value = value.item()
            if x.dtype is torch.bool:
                return F.pad(x.to(torch.uint8), flat, value=int(bool(value))).to(torch.bool)
            return F.pad(x, flat, mode="constant", value=value)
        if mode not in ("reflect", "symmetric"):
            raise ValueError(
                f"pad received mode={mode!r}; expected 'constant', 'reflect' or 'symmetric'."
            )
        for axis, (before, after) in enumerate(widths):
            if before or after:
                x = _reflect_axis(x, axis, before, after, mode == "symmetric")
        return x

    def flip(self, x: Any, axis: Any = None) -> Tensor:
        """Reverse the order of elements along ``axis`` (all axes when None)."""
        x = to_tensor(x)
        if axis is None:
            return torch.flip(x, tuple(range(x.ndim)))
        return torch.flip(x, (axis,) if isinstance(axis, int) else tuple(axis))

    def slice(self, x: Any, start_indices: Sequence[Any], shape: Sequence[int]) -> Tensor:
        """The block of ``shape`` starting at ``start_indices``."""
        x = to_tensor(x)
        key = tuple(
            slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape, strict=True)
        )
        return x[key]

    def getitem(self, x: Any, key: Any) -> Tensor:
        """NumPy indexing: ints, slices, None, Ellipsis, integer and boolean arrays."""
        x = to_tensor(x)
        if isinstance(key, tuple):
            key = tuple(_key_part(k) for k in key)
        else:
            key = _key_part(key)
        return x[key]

    def take(self, x: Any, indices: Any, axis: int | None = None) -> Tensor:
        """Gather along ``axis`` (flattened when None); negative indices wrap."""
        x = to_tensor(x)
        if isinstance(indices, int):
            idx: Any = indices
        else:
            idx = _index_tensor(indices)
        if axis is None:
            return x.reshape(-1)[idx]
        axis = normalize_axis(axis, x.ndim)
        if axis == 0:
            return x[idx]
        return x[(slice(None),) * axis + (idx,)]

    def take_along_axis(self, x: Any, indices: Any, axis: int | None = None) -> Tensor:
        """Gather with indices shaped like ``x`` (broadcasting); negative indices wrap."""
        x = to_tensor(x)
        idx = _index_tensor(indices)
        if axis is None:
            x, idx, axis = x.reshape(-1), idx.reshape(-1), 0
        axis = normalize_axis(axis, x.ndim)
        if idx.dtype is not torch.int64:
            idx = idx.to(torch.int64)
        idx = torch.where(idx < 0, idx + x.shape[axis], idx)
        return torch.take_along_dim(x, idx, dim=axis)

    def scatter(self, indices: Any, values: Any, shape: Sequence[int]) -> Tensor:
        """Zeros of ``shape`` with ``values`` added at ``indices`` (duplicates add).

        Example:
            >>> TorchBackend().scatter([[0], [0], [2]], torch.tensor([1.0, 2.0, 3.0]), (4,))
            tensor([3., 0., 3., 0.])
        """
        idx = _index_tensor(indices)
        values = to_tensor(values)
        out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
        if idx.ndim == 0 or idx.shape[-1] > len(shape):
            raise ValueError(
                f"scatter expected indices of shape (..., k) with k <= {len(shape)}; "
                f"received indices of shape {tuple(idx.shape)}."
            )
        return out.index_put(tuple(idx.unbind(-1)), values, accumulate=True)

    def one_hot(self, x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
                sparse: bool = False) -> Tensor:
        """One-hot encoding; out-of-range and negative labels give all-zero rows."""
        if sparse:
            raise ValueError("one_hot(sparse=True) is not supported on the torch backend; "
                             "use sparse=False.")
        x = to_tensor(x)
        if x.is_floating_point() or x.dtype is torch.bool:
            x = x.to(torch.int64)
        classes = torch.arange(num_classes, device=x.device, dtype=x.dtype)
        out = (x.unsqueeze(-1) == classes).to(dtype_or_floatx(dtype))
        if axis != -1 and axis != out.ndim - 1:
            out = out.movedim(-1, axis)
        return out

