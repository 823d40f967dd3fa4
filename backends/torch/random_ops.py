"""Explicit, stateless random numbers for the torch adapter.

A key is an int64 CPU tensor of shape ``(2,)``; it never lives on the GPU, so reading it
is not a device sync. Each random op seeds a ``torch.Generator`` on the adapter's device
from a mix of the key's two words and samples there: the same key always gives the same
values, and ``rng_split`` is a pure function of its key.

Example:
    >>> b = TorchBackend()
    >>> key, sub = b.rng_split(b.rng_key(0))
    >>> bool((b.random_uniform((3,), 0.0, 1.0, "float32", sub)
    ...       == b.random_uniform((3,), 0.0, 1.0, "float32", sub)).all())
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .core import (
    DEVICE,
    RNG_KEY_MARK,
    Tensor,
    dtype_or_floatx,
    normalize_axis,
    to_tensor,
    torch_dtype,
)

_MASK64 = (1 << 64) - 1
_MASK63 = (1 << 63) - 1
# Standard normal CDF at -2 and +2: truncated normals sample uniformly between them.
_CDF_LOW = 0.5 * math.erfc(2.0 / math.sqrt(2.0))
_CDF_HIGH = 1.0 - _CDF_LOW


def _splitmix64(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _key_words(key: Any) -> tuple[int, int]:
    if isinstance(key, Tensor):
        words = key.tolist()
    elif isinstance(key, (int, np.integer)):
        return 0, int(key) & _MASK63
    else:
        words = np.asarray(key).tolist()
    if not isinstance(words, list) or len(words) != 2:
        raise ValueError(
            f"Expected an RNG key of shape (2,) from rng_key()/rng_split(); received {key!r}."
        )
    return int(words[0]) & _MASK64, int(words[1]) & _MASK64


def _make_key(a: int, b: int) -> Tensor:
    key = torch.from_numpy(np.array((a & _MASK63, b & _MASK63), dtype=np.int64))
    setattr(key, RNG_KEY_MARK, True)
    return key


def _shape(shape: Any) -> tuple[int, ...]:
    return (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)


def _float_dtype(dtype: Any, op: str) -> torch.dtype:
    td = dtype_or_floatx(dtype)
    if not td.is_floating_point:
        raise ValueError(f"{op} expects a floating-point dtype; received {dtype!r}.")
    return td


class RandomOps:
    """Keys, key splitting and stateless sampling."""

    _generator: torch.Generator | None = None

    def _seeded(self, key: Any) -> torch.Generator | None:
        if key is None:
            return None
        a, b = _key_words(key)
        gen = self._generator
        if gen is None:
            gen = self._generator = torch.Generator(device=DEVICE)
        gen.manual_seed(_splitmix64(_splitmix64(a) ^ b) & _MASK63)
        return gen

    def rng_key(self, seed: int) -> Tensor:
        """A key from a Python int seed (any size, negative allowed).

        Example:
            >>> TorchBackend().rng_key(42)
            tensor([ 0, 42])
        """
        seed = int(seed)
        return _make_key((seed >> 63) & _MASK63, seed & _MASK63)

    def rng_split(self, key: Any) -> tuple[Tensor, Tensor]:
        """``(next_key, subkey)``, a pure function of ``key``."""
        a, b = _key_words(key)
        h = _splitmix64(_splitmix64(a) ^ b)
        return (_make_key(_splitmix64(h ^ 1), _splitmix64(h ^ 2)),
                _make_key(_splitmix64(h ^ 3), _splitmix64(h ^ 4)))

    def random_uniform(self, shape: Sequence[int], minval: float = 0.0,
                       maxval: float = 1.0, dtype: str | None = None,
                       key: Any = None) -> Tensor:
        """Uniform values in ``[minval, maxval)``."""
        td = _float_dtype(dtype, "random_uniform")
        gen = self._seeded(key)
        if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
            out = torch.empty(_shape(shape), dtype=td, device=DEVICE)
            return out.uniform_(minval, maxval, generator=gen)
        unit = torch.rand(_shape(shape), dtype=td, device=DEVICE, generator=gen)
        lo, hi = to_tensor(minval).to(td), to_tensor(maxval).to(td)
        return unit * (hi - lo) + lo

    def random_normal(self, shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                      dtype: str | None = None, key: Any = None) -> Tensor:
        """Normal values with the given mean and standard deviation."""
        td = _float_dtype(dtype, "random_normal")
        gen = self._seeded(key)
        if isinstance(mean, (int, float)) and isinstance(stddev, (int, float)):
            out = torch.empty(_shape(shape), dtype=td, device=DEVICE)
            return out.normal_(mean, stddev, generator=gen)
        unit = torch.randn(_shape(shape), dtype=td, device=DEVICE, generator=gen)
        return unit * to_tensor(stddev).to(td) + to_tensor(mean).to(td)

    def random_truncated_normal(self, shape: Sequence[int], mean: float = 0.0,
                                stddev: float = 1.0, dtype: str | None = None,
                                key: Any = None) -> Tensor:
        """Normal values restricted to two stddevs of the mean (inverse-CDF sampling)."""
        td = _float_dtype(dtype, "random_truncated_normal")
        gen = self._seeded(key)
        work = torch.float64 if td is torch.float64 else torch.float32
        u = torch.empty(_shape(shape), dtype=work, device=DEVICE)
        u.uniform_(_CDF_LOW, _CDF_HIGH, generator=gen)
        z = torch.erfinv(u.mul_(2.0).sub_(1.0)).mul_(math.sqrt(2.0)).clamp_(-2.0, 2.0)
        if isinstance(mean, (int, float)) and isinstance(stddev, (int, float)):
            return z.mul_(stddev).add_(mean).to(td)
        return (z * to_tensor(stddev).to(work) + to_tensor(mean).to(work)).to(td)

    def random_randint(self, shape: Sequence[int], minval: int, maxval: int,
                       dtype: str | None = "int32", key: Any = None) -> Tensor:
        """Integers in ``[minval, maxval)``."""
        td = torch_dtype(dtype or "int32")
        if td.is_floating_point or td is torch.bool:
            raise ValueError(f"random_randint expects an integer dtype; received {dtype!r}.")
        if maxval <= minval:
            raise ValueError(
                f"random_randint expects minval < maxval; received minval={minval}, "
                f"maxval={maxval}."
            )
        gen = self._seeded(key)
        return torch.randint(int(minval), int(maxval), _shape(shape), generator=gen,
                             dtype=td, device=DEVICE)

    def random_shuffle(self, x: Any, axis: int = 0, key: Any = None) -> Tensor:
        """``x`` with its slices along ``axis`` in a random order."""
        x = to_tensor(x)
        axis = normalize_axis(axis, x.ndim)
        gen = self._seeded(key)
        perm = torch.randperm(x.shape[axis], generator=gen, device=DEVICE)
        if perm.device != x.device:
            perm = perm.to(x.device)
        return x.index_select(axis, perm)
