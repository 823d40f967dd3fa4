"""Stateless random numbers keyed by explicit seeds.

A key is an int32 tensor of shape ``(2,)``, usable directly as the ``seed`` of the
``tf.random.stateless_*`` ops. Keys are split statelessly, so the same seed gives the same
stream run to run, eagerly and inside ``tf.function``.

Example:
    >>> from polykeras.backends.tensorflow import random_ops as r
    >>> key, sub = r.rng_split(r.rng_key(42))
    >>> r.random_uniform((2,), 0.0, 1.0, "float32", sub).shape
    TensorShape([2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from polykeras.backends.tensorflow.core import (
    INDEX_DTYPES,
    Tensor,
    convert_to_tensor,
    floatx_dtype,
    tf_dtype,
)

__all__ = [
    "rng_key", "rng_split", "random_uniform", "random_normal", "random_truncated_normal",
    "random_randint", "random_shuffle",
]


def rng_key(seed: Any) -> Tensor:
    """An int32 ``(2,)`` key from a Python int (any size) or an integer tensor.

    Example:
        >>> rng_key(7).numpy()
        array([0, 7], dtype=int32)
    """
    if isinstance(seed, Tensor):
        seed = tf.cast(seed, tf.int64)
        hi = tf.cast(tf.bitwise.right_shift(seed, 32), tf.int32)
        lo = tf.cast(seed, tf.int32)
        return tf.stack([hi, lo])
    seed = int(seed)
    words = np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)
    return tf.constant(words.view(np.int32))


def _key(key: Any) -> Tensor:
    if isinstance(key, Tensor):
        return key
    if isinstance(key, (int, np.integer)):
        return rng_key(int(key))
    key = convert_to_tensor(key)
    if key.dtype not in INDEX_DTYPES:
        key = tf.cast(key, tf.int32)
    return key


def rng_split(key: Any) -> tuple[Tensor, Tensor]:
    """``(next_key, subkey)``, derived statelessly from ``key``."""
    pair = tf.random.experimental.stateless_split(_key(key), num=2)
    return pair[0], pair[1]


def _float_dtype(dtype: str | None) -> tf.DType:
    d = floatx_dtype() if dtype is None else tf_dtype(dtype)
    if not d.is_floating:
        raise ValueError(
            f"Expected a float dtype for a random float tensor; received {dtype!r}. "
            "Use random_randint for integers."
        )
    return d


def random_uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0,
                   dtype: str | None = None, key: Any = None) -> Tensor:
    """Uniform values in ``[minval, maxval)``."""
    d = floatx_dtype() if dtype is None else tf_dtype(dtype)
    if d.is_integer:
        return random_randint(shape, int(minval), int(maxval), dtype, key)
    return tf.random.stateless_uniform(shape, _key(key), minval=minval, maxval=maxval,
                                       dtype=_float_dtype(dtype))


def random_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                  dtype: str | None = None, key: Any = None) -> Tensor:
    return tf.random.stateless_normal(shape, _key(key), mean=mean, stddev=stddev,
                                      dtype=_float_dtype(dtype))


def random_truncated_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                            dtype: str | None = None, key: Any = None) -> Tensor:
    """Normal values, resampled to lie within two stddevs of ``mean``."""
    return tf.random.stateless_truncated_normal(shape, _key(key), mean=mean, stddev=stddev,
                                                dtype=_float_dtype(dtype))


def random_randint(shape: Sequence[int], minval: int, maxval: int, dtype: str | None = "int32",
                   key: Any = None) -> Tensor:
    """Integers in ``[minval, maxval)`` (upper bound exclusive).

    Example:
        >>> x = random_randint((100,), 0, 3, "int32", rng_key(0))
        >>> bool(tf.reduce_max(x) < 3)
        True
    """
    d = tf.int32 if dtype is None else tf_dtype(dtype)
    if d in INDEX_DTYPES:
        compute = d
    elif d is tf.uint32 or d is tf.uint64:
        compute = tf.int64
    elif d.is_integer:
        compute = tf.int32
    else:
        raise ValueError(
            f"random_randint expects an integer dtype; received {dtype!r}."
        )
    out = tf.random.stateless_uniform(shape, _key(key), minval=tf.cast(minval, compute),
                                      maxval=tf.cast(maxval, compute), dtype=compute)
    return out if compute is d else tf.cast(out, d)


def random_shuffle(x: Any, axis: int = 0, key: Any = None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    rank = x.shape.rank
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        return tf.random.experimental.stateless_shuffle(x, _key(key))
    perm = [axis] + [a for a in range(rank) if a != axis]
    inverse = list(np.argsort(perm))
    shuffled = tf.random.experimental.stateless_shuffle(tf.transpose(x, perm), _key(key))
    return tf.transpose(shuffled, inverse)
