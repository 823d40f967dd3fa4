"""Stateless random numbers for the JAX adapter.

A key is the raw ``uint32`` data of shape ``(2,)`` of a threefry key (what
``jax.random.PRNGKey`` returns), so it travels through ``jit`` like any tensor. The same
key always gives the same values.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> key, sub = b.rng_split(b.rng_key(0))
    >>> b.random_uniform((2,), 0.0, 1.0, "float32", sub).shape
    (2,)
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from polykeras import config

from .core import Array, jax_dtype, to_tensor

_IMPL = "threefry2x32"
_MASK = 0xFFFFFFFF


def typed_key(key: Any) -> Any:
    """A typed threefry key from raw key data (an int seed is turned into a key first)."""
    if key is None:
        raise ValueError(
            "Random ops on the jax backend need an explicit key: pass "
            "key=backend.rng_key(seed) or a subkey from backend.rng_split(key)."
        )
    if isinstance(key, (int, np.integer)):
        key = _seed_data(int(key))
    data = to_tensor(key)
    if data.dtype != jnp.uint32:
        data = data.astype(jnp.uint32)
    if data.shape != (2,):
        raise ValueError(
            f"Expected a jax rng key of shape (2,) (from rng_key/rng_split); received "
            f"shape {tuple(data.shape)}."
        )
    return jax.random.wrap_key_data(data, impl=_IMPL)


def _seed_data(seed: int) -> np.ndarray:
    seed %= 1 << 64
    return np.array([(seed >> 32) & _MASK, seed & _MASK], dtype=np.uint32)


def _float_dtype(dtype: str | None) -> np.dtype:
    return jax_dtype(dtype or config.floatx())


def _affine(values: Array, scale: Any, shift: Any) -> Array:
    if not (isinstance(scale, (int, float)) and scale == 1):
        values = values * scale
    if not (isinstance(shift, (int, float)) and shift == 0):
        values = values + shift
    return values


class RandomOps:
    """Keys from seeds, key splitting and random draws keyed by explicit keys."""

    def rng_key(self, seed: Any) -> Array:
        """Raw key data (uint32, shape (2,)) for ``seed``; as ``jax.random.PRNGKey``.

        Example:
            >>> JaxBackend().rng_key(7).tolist()
            [0, 7]
        """
        if isinstance(seed, (int, np.integer)):
            return jnp.asarray(_seed_data(int(seed)))
        return jax.random.key_data(jax.random.key(seed, impl=_IMPL))

    def rng_split(self, key: Any) -> tuple[Array, Array]:
        """``(next_key, subkey)`` from ``key``; pure, so it works inside ``jit``."""
        data = jax.random.key_data(jax.random.split(typed_key(key)))
        return data[0], data[1]

    def random_uniform(self, shape: tuple[int, ...], minval: Any = 0.0, maxval: Any = 1.0,
                       dtype: str | None = None, key: Any = None) -> Array:
        """Uniform values in ``[minval, maxval)``."""
        return jax.random.uniform(typed_key(key), shape, _float_dtype(dtype), minval, maxval)

    def random_normal(self, shape: tuple[int, ...], mean: Any = 0.0, stddev: Any = 1.0,
                      dtype: str | None = None, key: Any = None) -> Array:
        values = jax.random.normal(typed_key(key), shape, _float_dtype(dtype))
        return _affine(values, stddev, mean)

    def random_truncated_normal(self, shape: tuple[int, ...], mean: Any = 0.0,
                                stddev: Any = 1.0, dtype: str | None = None,
                                key: Any = None) -> Array:
        """Normal values restricted to within two stddevs of ``mean``."""
        values = jax.random.truncated_normal(typed_key(key), -2.0, 2.0, shape,
                                             _float_dtype(dtype))
        return _affine(values, stddev, mean)

    def random_randint(self, shape: tuple[int, ...], minval: Any, maxval: Any,
                       dtype: str | None = "int32", key: Any = None) -> Array:
        """Integers in ``[minval, maxval)``."""
        return jax.random.randint(typed_key(key), shape, minval, maxval,
                                  jax_dtype(dtype or "int32"))

    def random_shuffle(self, x: Any, axis: int = 0, key: Any = None) -> Array:
        """``x`` with its slices along ``axis`` permuted."""
        return jax.random.permutation(typed_key(key), to_tensor(x), axis=axis,
                                      independent=False)
