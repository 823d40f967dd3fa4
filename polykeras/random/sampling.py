"""Random tensors, dropout and shuffling on the active backend's RNG.

``seed`` is an int (the same values every call), a :class:`SeedGenerator` (a new draw
every call, reproducible from its seed), or None (the global SeedGenerator).

Example:
    >>> from polykeras import ops, random
    >>> x = random.normal((2, 3), seed=1)
    >>> ops.shape(random.uniform((4,), minval=-1.0, maxval=1.0, seed=random.SeedGenerator(0)))
    (4,)
"""

from __future__ import annotations

import numbers
from typing import Any

from polykeras.backend.dtypes import is_float, is_int
from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, dtype_name, shape_arg
from polykeras.ops.core import as_tensor
from polykeras.random.seed_generator import key_for_seed

__all__ = ["uniform", "normal", "truncated_normal", "randint", "dropout", "shuffle",
           "categorical"]


def _float_dtype(dtype: Any, op: str) -> str:
    dt = dtype_name(dtype)
    if not is_float(dt):
        raise ValueError(
            f"{op}: `dtype` must be a floating-point dtype, received {dtype!r}. Use "
            "randint for integers."
        )
    return dt


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> Tensor:
    """Values drawn uniformly from ``[minval, maxval)``.

    Example:
        >>> from polykeras import ops, random
        >>> ops.shape(random.uniform((2, 3), seed=0))
        (2, 3)
    """
    dt = _float_dtype(dtype, "uniform")
    shp = shape_arg(shape, "uniform")
    return _backend().random_uniform(shp, minval, maxval, dt, key_for_seed(seed))


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> Tensor:
    """Values drawn from a normal distribution."""
    dt = _float_dtype(dtype, "normal")
    shp = shape_arg(shape, "normal")
    return _backend().random_normal(shp, mean, stddev, dt, key_for_seed(seed))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Tensor:
    """Normal values kept within two standard deviations of ``mean``."""
    dt = _float_dtype(dtype, "truncated_normal")
    shp = shape_arg(shape, "truncated_normal")
    return _backend().random_truncated_normal(shp, mean, stddev, dt, key_for_seed(seed))


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> Tensor:
    """Integers drawn uniformly from ``[minval, maxval)``."""
    dt = dtype_name(dtype)
    if not is_int(dt):
        raise ValueError(
            f"randint: `dtype` must be an integer dtype, received {dtype!r}. Use uniform "
            "for floats."
        )
    shp = shape_arg(shape, "randint")
    lo = as_int(minval, "minval", "randint")
    hi = as_int(maxval, "maxval", "randint")
    if hi <= lo:
        raise ValueError(f"randint: `maxval` ({hi}) must be greater than `minval` ({lo}).")
    return _backend().random_randint(shp, lo, hi, dt, key_for_seed(seed))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """Zero each element with probability ``rate``; scale the rest by ``1 / (1 - rate)``.

    ``rate=1`` drops everything (zeros).

    ``noise_shape`` (broadcastable to the input; ``None`` entries take the input's size)
    shares one keep/drop decision across the axes where it is 1.

    Example:
        >>> from polykeras import ops, random
        >>> y = random.dropout(ops.ones((4, 8)), 0.5, seed=random.SeedGenerator(0))
    """
    b = _backend()
    number = type(rate) is float or isinstance(rate, numbers.Real)
    if number and not 0.0 <= rate <= 1.0:
        raise ValueError(
            f"dropout: `rate` must be in [0, 1], received {rate!r} (the fraction of inputs "
            "to drop)."
        )
    x = as_tensor(b, inputs)
    dt = b.dtype(x)
    if not is_float(dt):
        raise ValueError(f"dropout: `inputs` must be floating-point, received dtype {dt}.")
    if noise_shape is None and number and rate < 1.0:
        fused = getattr(b, "dropout", None)
        if fused is not None:
            return fused(x, float(rate), key_for_seed(seed))
    shp = tuple(b.shape(x))
    if noise_shape is None:
        mask_shape = shp
    else:
        noise = tuple(noise_shape)
        if len(noise) != len(shp):
            raise ValueError(
                f"dropout: `noise_shape` {tuple(noise_shape)} must have one entry per axis of "
                f"the input of shape {shp}."
            )
        mask_shape = tuple(
            s if n is None else as_int(n, "noise_shape", "dropout") for n, s in zip(noise, shp, strict=True)
        )
    if number and rate == 1.0:
        return b.zeros(shp, dt)
    keep_prob = 1.0 - rate
    u = b.random_uniform(mask_shape, 0.0, 1.0, dt, key_for_seed(seed))
    keep = b.less(u, keep_prob)
    return b.where(keep, b.divide(x, keep_prob), 0.0)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order."""
    b = _backend()
    return b.random_shuffle(x, as_int(axis, "axis", "shuffle"), key_for_seed(seed))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32",
                seed: Any = None) -> Tensor:
    """Class indices drawn from ``logits`` of shape ``(batch, classes)``.

    Returns ``(batch, num_samples)`` indices (Gumbel-max sampling).
    """
    b = _backend()
    dt = dtype_name(dtype)
    if not is_int(dt):
        raise ValueError(f"categorical: `dtype` must be an integer dtype, received {dtype!r}.")
    logits = as_tensor(b, logits)
    shp = tuple(b.shape(logits))
    if len(shp) != 2:
        raise ValueError(
            f"categorical: `logits` must have shape (batch, classes), received {shp}."
        )
    n = as_int(num_samples, "num_samples", "categorical")
    fdt = b.dtype(logits) if is_float(b.dtype(logits)) else dtype_name(None)
    logits = b.cast(logits, fdt)
    u = b.random_uniform((shp[0], n, shp[1]), 0.0, 1.0, fdt, key_for_seed(seed))
    tiny = 1e-20 if fdt in ("float32", "float64") else 1e-7
    gumbel = b.negative(b.log(b.negative(b.log(b.add(u, tiny)))))
    scores = b.add(b.expand_dims(logits, 1), gumbel)
    return b.cast(b.argmax(scores, -1, False), dt)
