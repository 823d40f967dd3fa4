"""Stateless random numbers from explicit keys (a re-keyed SFC64 generator).

A key is a ``uint32`` array of shape ``(2,)``. The same key always gives the same values;
``rng_split`` derives two new keys deterministically (SplitMix64 scrambling).

Example:
    >>> key = rng_key(42)
    >>> next_key, sub = rng_split(key)
    >>> bool((random_uniform((3,), 0.0, 1.0, "float32", sub)
    ...       == random_uniform((3,), 0.0, 1.0, "float32", sub)).all())
    True
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from polykeras import config

from .conversion import is_float_dtype, np_dtype, unwrap
from .tracing import opaque

_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_local = threading.local()


def rng_key(seed: int) -> np.ndarray:
    """A key from a Python int seed (any int; taken modulo 2**64)."""
    s = int(seed) & _MASK64
    return np.array([s >> 32, s & _MASK32], dtype=np.uint32)


def _key64(key: Any) -> int:
    """The key as one 64-bit Python int."""
    if type(key) is np.ndarray and key.shape == (2,):
        hi, lo = key.tolist()
        return ((int(hi) & _MASK32) << 32) | (int(lo) & _MASK32)
    if isinstance(key, (int, np.integer)):
        return int(key) & _MASK64
    k = np.asarray(unwrap(key)[0])
    if k.size != 2:
        raise ValueError(
            f"A numpy-backend RNG key is a uint32 array of shape (2,); received shape "
            f"{k.shape}. Create keys with rng_key(seed) and rng_split(key)."
        )
    hi, lo = k.reshape(2).astype(np.uint32).tolist()
    return (hi << 32) | lo


def _mix(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit scramble."""
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _as_key(k: int) -> np.ndarray:
    return np.array([k >> 32, k & _MASK32], dtype=np.uint32)


@opaque
def rng_split(key: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(next_key, subkey)`` derived deterministically (and purely) from ``key``."""
    base = _mix(_key64(key))
    a, b = _mix(base ^ 0x5851F42D4C957F2D), _mix(base ^ 0x14057B7EF767814F)
    both = np.array([a >> 32, a & _MASK32, b >> 32, b & _MASK32], dtype=np.uint32)
    return both[:2], both[2:]


def _state_words(z: int) -> tuple[int, int, int]:
    """The three SplitMix64 words after ``z`` (the key's SFC64 state, counter aside)."""
    z = _mix(z)
    z2 = _mix(z)
    return z, z2, _mix(z2)


def _set_state(bg: Any, words: tuple[int, int, int]) -> None:
    bg.state = {"bit_generator": "SFC64",
                "state": {"state": np.array([*words, 1], np.uint64)},
                "has_uint32": 0, "uinteger": 0}


def _state_view(bg: Any) -> np.ndarray | None:
    """The bit generator's state (four words, then the buffered-uint32 flag and value) as
    a writable uint64 array, or None when its layout is not the expected one.

    Writing the state through it is what assigning ``bg.state`` does, without building
    and parsing a dictionary on every re-key.
    """
    try:
        import ctypes

        raw = (ctypes.c_uint64 * 5).from_address(bg.ctypes.state_address)
        view = np.frombuffer(raw, np.uint64)
        _set_state(bg, (1, 2, 3))
        bg.random_raw()
        bg.random_raw(output=False)
        expected = bg.state
        view[:] = (5, 6, 7, 1, 0)
        ok = bg.state["state"]["state"].tolist() == [5, 6, 7, 1] and \
            bg.state["has_uint32"] == 0 and expected["has_uint32"] == 0
        _set_state(bg, (1, 2, 3))
        return view if ok else None
    except (AttributeError, TypeError, ValueError, ImportError):
        return None


def _generator(key: Any) -> np.random.Generator:
    """A generator at the start of the stream for ``key``: SFC64 (the fastest NumPy bit
    generator) with its four state words drawn from the key by SplitMix64.

    One bit generator per thread is re-keyed (much cheaper than building a new one).
    """
    gen = getattr(_local, "generator", None)
    if gen is None:
        gen = _local.generator = np.random.Generator(np.random.SFC64(0))
        _local.view = _state_view(gen.bit_generator)
    w1, w2, w3 = _state_words(_key64(key))
    view = _local.view
    if view is None:
        _set_state(gen.bit_generator, (w1, w2, w3))
    else:
        view[0] = w1
        view[1] = w2
        view[2] = w3
        view[3] = 1
        view[4] = 0
    return gen


_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _float_dtype(dtype: Any) -> np.dtype:
    d = np_dtype(dtype if dtype is not None else config.floatx())
    if not is_float_dtype(d):
        raise ValueError(
            f"This random op produces floats; received dtype {d.name!r}. Pass a float "
            "dtype such as 'float32'."
        )
    return d


def _scalar(v: Any) -> Any:
    if isinstance(v, (int, float)):
        return v
    return unwrap(v)[0]


def _draw(draw: Any, shape: Any, d: np.dtype) -> tuple[np.ndarray, np.dtype]:
    native = d if d in _NATIVE_FLOATS else _NATIVE_FLOATS[0]
    return draw(shape if type(shape) is tuple else tuple(shape), dtype=native), native


def _uniform_replay(shape: Any, minval: Any = 0.0, maxval: Any = 1.0, dtype: Any = None,
                    key: Any = None) -> tuple[Any, tuple] | None:
    """The common draw (``[0, 1)``, static shape and dtype) as one re-key and draw."""
    if type(minval) not in (int, float) or type(maxval) not in (int, float) or \
            minval != 0 or maxval != 1 or not all(type(s) is int for s in shape):
        return None
    d = _float_dtype(dtype)
    native = d if d in _NATIVE_FLOATS else _NATIVE_FLOATS[0]
    return _draw_uniform, (key, tuple(shape), native, d)


def _draw_uniform(key: Any, shape: tuple[int, ...], native: np.dtype, d: np.dtype
                  ) -> np.ndarray:
    out = _generator(key).random(shape, dtype=native)
    return out if native is d else out.astype(d)


@opaque(replay=_uniform_replay)
def random_uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0,
                   dtype: str | None = None, key: Any = None) -> np.ndarray:
    """Uniform values in ``[minval, maxval)``."""
    d = _float_dtype(dtype)
    u, native = _draw(_generator(key).random, shape, d)
    lo = minval if type(minval) is float or type(minval) is int else _scalar(minval)
    hi = maxval if type(maxval) is float or type(maxval) is int else _scalar(maxval)
    if type(lo) in (int, float) and type(hi) in (int, float) and lo == 0 and hi == 1:
        out = u
    else:
        out = u * (hi - lo) + lo
    if out.dtype != native:
        out = out.astype(native)
    return out if out.dtype == d else out.astype(d)


@opaque
def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0,
                  dtype: str | None = None, key: Any = None) -> np.ndarray:
    """Normal values with ``mean`` and ``stddev``."""
    d = _float_dtype(dtype)
    z, native = _draw(_generator(key).standard_normal, shape, d)
    out = z * _scalar(stddev) + _scalar(mean)
    if out.dtype != native:
        out = out.astype(native)
    return out if out.dtype == d else out.astype(d)


@opaque
def random_truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0,
                            dtype: str | None = None, key: Any = None) -> np.ndarray:
    """Normal values resampled until within two standard deviations of ``mean``."""
    d = _float_dtype(dtype)
    gen = _generator(key)
    z, native = _draw(gen.standard_normal, shape, d)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = gen.standard_normal(int(outside.sum()), dtype=native)
        outside = np.abs(z) > 2
    out = z * _scalar(stddev) + _scalar(mean)
    if out.dtype != native:
        out = out.astype(native)
    return out if out.dtype == d else out.astype(d)


@opaque
def random_randint(shape: Any, minval: int, maxval: int, dtype: str | None = "int32",
                   key: Any = None) -> np.ndarray:
    """Integers in ``[minval, maxval)``."""
    d = np_dtype(dtype or "int32")
    native = d if d.kind in "iu" else np.dtype(np.int64)
    out = _generator(key).integers(int(_scalar(minval)), int(_scalar(maxval)),
                                   size=tuple(shape), dtype=native)
    return out if out.dtype == d else out.astype(d)


def random_shuffle(x: Any, axis: int = 0, key: Any = None) -> Any:
    """``x`` with its entries permuted along ``axis`` (differentiable in ``x``)."""
    from .indexing_ops import take

    a = unwrap(x)[0]
    return take(x, _permutation(a.shape[axis], key), axis=axis)


@opaque
def _permutation(n: int, key: Any) -> np.ndarray:
    return _generator(key).permutation(n)
