"""Shape manipulation, slicing, gathering and scattering for the JAX adapter.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> [p.shape for p in b.split(b.zeros((6, 2), "float32"), [1, 4], axis=0)]
    [(1, 2), (3, 2), (2, 2)]
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from .core import Array, ArrayImpl, is_weak, promote_all, to_tensor

Axis = int | tuple[int, ...] | None

_PAD_MODES = ("constant", "reflect", "symmetric")


def index_tensor(indices: Any) -> Array:
    """An integer tensor of indices (float indices are truncated to int32)."""
    t = to_tensor(indices)
    if t.dtype.kind not in "iu":
        t = t.astype(jnp.int32)
    return t


def _index_key(key: Any) -> Any:
    """``key`` with lists and Variables turned into tensors JAX can index with."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if key is None or key is Ellipsis or isinstance(key, (builtins.slice, int, np.ndarray)):
        return key
    if type(key) is ArrayImpl:
        return key
    if isinstance(key, list) or hasattr(key, "__polykeras_tensor__"):
        t = to_tensor(key)
        return t if t.dtype.kind in "iub" else t.astype(jnp.int32)
    return key


class ShapeOps:
    """Reshaping, joining, splitting, padding, slicing, gather and scatter."""

    def reshape(self, x: Any, newshape: tuple[int, ...]) -> Array:
        return jnp.reshape(to_tensor(x), newshape)

    def transpose(self, x: Any, axes: tuple[int, ...] | None = None) -> Array:
        return jnp.transpose(to_tensor(x), axes)

    def expand_dims(self, x: Any, axis: int | tuple[int, ...]) -> Array:
        return jnp.expand_dims(to_tensor(x), axis)

    def squeeze(self, x: Any, axis: Axis = None) -> Array:
        return jnp.squeeze(to_tensor(x), axis=axis)

    def concatenate(self, xs: Sequence[Any], axis: int | None = 0) -> Array:
        """Join along ``axis`` (``None`` flattens first); dtypes promoted to one."""
        return jnp.concatenate(promote_all(xs), axis=axis)

    def stack(self, xs: Sequence[Any], axis: int = 0) -> Array:
        return jnp.stack(promote_all(xs), axis=axis)

    def split(self, x: Any, indices_or_sections: int | Sequence[int],
              axis: int = 0) -> list[Array]:
        """NumPy ``split``: ``n`` equal sections, or split before each listed index.

        Example:
            >>> len(JaxBackend().split([1.0, 2.0, 3.0, 4.0], 2))
            2
        """
        t = to_tensor(x)
        if isinstance(indices_or_sections, int):
            size = t.shape[axis]
            if indices_or_sections <= 0 or size % indices_or_sections:
                raise ValueError(
                    f"split() cannot divide an axis of size {size} into "
                    f"{indices_or_sections} equal sections. Pass a number of sections "
                    "that divides it, or a list of split indices."
                )
        else:
            indices_or_sections = [int(i) for i in indices_or_sections]
        return list(jnp.split(t, indices_or_sections, axis=axis))

    def tile(self, x: Any, repeats: int | tuple[int, ...]) -> Array:
        return jnp.tile(to_tensor(x), repeats)

    def repeat(self, x: Any, repeats: Any, axis: int | None = None) -> Array:
        """Repeat elements (``axis=None`` flattens first), as ``numpy.repeat``."""
        if isinstance(repeats, (list, tuple)):
            repeats = np.asarray(repeats)
        return jnp.repeat(to_tensor(x), repeats, axis=axis)

    def broadcast_to(self, x: Any, shape: tuple[int, ...]) -> Array:
        return jnp.broadcast_to(to_tensor(x), shape)

    def pad(self, x: Any, pad_width: Any, mode: str = "constant",
            constant_values: Any = 0) -> Array:
        """Pad each axis by ``(before, after)``; ``mode`` constant, reflect or symmetric.

        Example:
            >>> JaxBackend().pad([1.0, 2.0, 3.0], ((2, 1),), "reflect").tolist()
            [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
        """
        t = to_tensor(x)
        if mode == "constant":
            if not is_weak(constant_values):
                constant_values = to_tensor(constant_values, t.dtype.name)
            return jnp.pad(t, pad_width, mode="constant", constant_values=constant_values)
        if mode not in _PAD_MODES:
            raise ValueError(
                f"pad() received mode={mode!r}. Expected one of {', '.join(_PAD_MODES)}."
            )
        return jnp.pad(t, pad_width, mode=mode)

    def flip(self, x: Any, axis: Axis = None) -> Array:
        return jnp.flip(to_tensor(x), axis=axis)

    def slice(self, x: Any, start_indices: Sequence[Any], shape: Sequence[int]) -> Array:
        """The block of ``shape`` starting at ``start_indices``.

        Static starts give a plain slice; tensor starts a dynamic slice (clamped into
        range, as ``jax.lax.dynamic_slice``).
        """
        t = to_tensor(x)
        if all(isinstance(s, (int, np.integer)) for s in start_indices):
            starts = [int(s) for s in start_indices]
            return lax.slice(t, starts, [s + int(n) for s, n in zip(starts, shape, strict=True)])
        return lax.dynamic_slice(t, [to_tensor(s) for s in start_indices], tuple(shape))

    def getitem(self, x: Any, key: Any) -> Array:
        """NumPy indexing: ints, slices, ``None``, ``Ellipsis`` and integer arrays."""
        return to_tensor(x)[_index_key(key)]

    # ------------------------------------------------------------------ indexing
    def take(self, x: Any, indices: Any, axis: int | None = None) -> Array:
        """Gather along ``axis`` (``None`` flattens first); negative indices wrap.

        Example:
            >>> JaxBackend().take([[1.0, 2.0], [3.0, 4.0]], [3, 0]).tolist()
            [4.0, 1.0]
        """
        return jnp.take(to_tensor(x), index_tensor(indices), axis=axis)

    def take_along_axis(self, x: Any, indices: Any, axis: int | None = -1) -> Array:
        return jnp.take_along_axis(to_tensor(x), index_tensor(indices), axis=axis)

    def scatter(self, indices: Any, values: Any, shape: tuple[int, ...]) -> Array:
        """Zeros of ``shape`` with ``values`` added at ``indices`` (duplicates add).

        ``indices`` has shape ``(..., k)``; each row addresses the first ``k`` axes.

        Example:
            >>> JaxBackend().scatter([[1], [1]], [2.0, 3.0], (3,)).tolist()
            [0.0, 5.0, 0.0]
        """
        idx = index_tensor(indices)
        v = to_tensor(values)
        if idx.ndim == 0 or idx.shape[-1] > len(shape):
            raise ValueError(
                f"scatter() expected indices of shape (N, k) with k <= {len(shape)} for "
                f"shape {tuple(shape)}; received indices of shape {tuple(idx.shape)}."
            )
        target = tuple(idx[..., i] for i in range(idx.shape[-1]))
        return jnp.zeros(shape, v.dtype).at[target].add(v)
