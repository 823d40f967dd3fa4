"""Convolution, pooling, activations and losses for the JAX adapter.

Layouts are channels_last; "same" padding follows TensorFlow (the extra pad goes after).
Activations and losses use ``jax.nn``'s kernels and follow the ``keras.ops`` signatures.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> b.conv(b.ones((1, 5, 1)), b.ones((3, 1, 1)), (1,), "same", (1,))[0, :, 0].tolist()
    [2.0, 3.0, 3.0, 3.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from polykeras import config

from .core import Array, float_tensor, jax_dtype, promote, to_tensor
from .shape_ops import index_tensor

_SPATIAL = "DHW"


def _tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1 and n > 1:
        return value * n
    if len(value) != n:
        raise ValueError(
            f"Expected {name} to have {n} values for {n}D inputs; received {value}."
        )
    return value


def _padding(padding: str) -> str:
    mode = padding.upper() if isinstance(padding, str) else padding
    if mode not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}.")
    return mode


def _spatial_rank(x: Array, op: str) -> int:
    n = x.ndim - 2
    if not 1 <= n <= 3:
        raise ValueError(
            f"{op} expected inputs of shape (batch, *spatial, channels) with 1 to 3 spatial "
            f"dims; received shape {tuple(x.shape)}."
        )
    return n


def _max_identity(dtype: np.dtype) -> Any:
    if dtype.kind in "iu":
        return np.array(np.iinfo(dtype).min, dtype)
    if dtype.kind == "b":
        return np.array(False)
    return np.array(-np.inf, dtype)


def _same_counts(spatial: Sequence[int], pool: Sequence[int],
                 strides: Sequence[int]) -> np.ndarray:
    """How many real (unpadded) inputs each "same"-padded pooling window covers."""
    counts = np.ones((), np.float64)
    for n, k, s in zip(spatial, pool, strides, strict=True):
        out = -(-n // s)
        before = max((out - 1) * s + k - n, 0) // 2
        start = np.arange(out) * s - before
        per_dim = np.minimum(start + k, n) - np.maximum(start, 0)
        counts = np.multiply.outer(counts, per_dim)
    return counts[None, ..., None]


def _squeeze_sparse_target(target: Array, output: Array) -> Array:
    if target.ndim == output.ndim and target.shape[-1] == 1:
        return jnp.squeeze(target, axis=-1)
    return target


class NNOps:
    """Convolution, pooling, activations, normalization and losses."""

    def conv(self, inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
             dilation_rate: Any = 1) -> Array:
        """Channels_last convolution: inputs (batch, *spatial, in), kernel
        (*spatial, in // groups, out). Grouped when ``in`` is a multiple of the kernel's.

        Example:
            >>> b = JaxBackend()
            >>> b.conv(b.ones((1, 4, 4, 2)), b.ones((3, 3, 2, 8)), 1, "valid", 1).shape
            (1, 2, 2, 8)
        """
        x, k, _ = promote(inputs, kernel)
        x, k = to_tensor(x), to_tensor(k)
        n = _spatial_rank(x, "conv")
        if k.ndim != n + 2:
            raise ValueError(
                f"conv expected a kernel of rank {n + 2} (*spatial, in, out) for inputs of "
                f"shape {tuple(x.shape)}; received kernel shape {tuple(k.shape)}."
            )
        channels, kernel_in = x.shape[-1], k.shape[-2]
        if kernel_in == 0 or channels % kernel_in:
            raise ValueError(
                f"conv: inputs have {channels} channels but the kernel expects {kernel_in} "
                "input channels (or a divisor of it, for grouped convolution)."
            )
        sp = _SPATIAL[3 - n:]
        return lax.conv_general_dilated(
            x, k,
            window_strides=_tuple(strides, n, "strides"),
            padding=_padding(padding),
            rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
            dimension_numbers=("N" + sp + "C", sp + "IO", "N" + sp + "C"),
            feature_group_count=channels // kernel_in,
        )

    def max_pool(self, inputs: Any, pool_size: Any, strides: Any = None,
                 padding: str = "valid", data_format: str | None = None) -> Array:
        """Channels_last max pooling over 1 to 3 spatial dims (``strides`` defaults to
        ``pool_size``)."""
        x = to_tensor(inputs)
        n = _spatial_rank(x, "max_pool")
        pool = _tuple(pool_size, n, "pool_size")
        step = pool if strides is None else _tuple(strides, n, "strides")
        return lax.reduce_window(x, _max_identity(x.dtype), lax.max, (1, *pool, 1),
                                 (1, *step, 1), _padding(padding))

    def average_pool(self, inputs: Any, pool_size: Any, strides: Any = None,
                     padding: str = "valid", data_format: str | None = None) -> Array:
        """Channels_last average pooling; with "same", pads are left out of the mean.

        Example:
            >>> b = JaxBackend()
            >>> b.average_pool(b.ones((1, 3, 1)), (2,), (2,), "same")[0, :, 0].tolist()
            [1.0, 1.0]
        """
        x = float_tensor(inputs)
        n = _spatial_rank(x, "average_pool")
        pool = _tuple(pool_size, n, "pool_size")
        step = pool if strides is None else _tuple(strides, n, "strides")
        mode = _padding(padding)
        total = lax.reduce_window(x, np.array(0, x.dtype), lax.add, (1, *pool, 1),
                                  (1, *step, 1), mode)
        if mode == "VALID":
            return total / np.array(np.prod(pool), x.dtype)
        counts = _same_counts(x.shape[1:-1], pool, step)
        return total / jnp.asarray(counts, dtype=x.dtype)

    def stop_gradient(self, x: Any) -> Array:
        return lax.stop_gradient(to_tensor(x))

    # ---------------------------------------------------------------- activations
    def softmax(self, x: Any, axis: int | tuple[int, ...] = -1) -> Array:
        """``exp(x) / sum(exp(x))`` along ``axis``, computed stably.

        Example:
            >>> JaxBackend().softmax([0.0, 0.0]).tolist()
            [0.5, 0.5]
        """
        return jax.nn.softmax(float_tensor(x), axis=axis)

    def log_softmax(self, x: Any, axis: int | tuple[int, ...] = -1) -> Array:
        return jax.nn.log_softmax(float_tensor(x), axis=axis)

    def gelu(self, x: Any, approximate: bool = True) -> Array:
        """Gaussian error linear unit (tanh approximation when ``approximate``)."""
        return jax.nn.gelu(float_tensor(x), approximate=approximate)

    def silu(self, x: Any) -> Array:
        return jax.nn.silu(float_tensor(x))

    def softplus(self, x: Any) -> Array:
        return jax.nn.softplus(float_tensor(x))

    def elu(self, x: Any, alpha: float = 1.0) -> Array:
        return jax.nn.elu(float_tensor(x), alpha=alpha)

    def selu(self, x: Any) -> Array:
        return jax.nn.selu(float_tensor(x))

    def leaky_relu(self, x: Any, negative_slope: float = 0.2) -> Array:
        return jax.nn.leaky_relu(float_tensor(x), negative_slope=negative_slope)

    def relu6(self, x: Any) -> Array:
        return jax.nn.relu6(float_tensor(x))

    def hard_sigmoid(self, x: Any) -> Array:
        """``relu6(x + 3) / 6``."""
        return jax.nn.hard_sigmoid(float_tensor(x))

    def softsign(self, x: Any) -> Array:
        return jax.nn.soft_sign(float_tensor(x))

    def one_hot(self, x: Any, num_classes: int, axis: int = -1, dtype: str | None = None,
                sparse: bool = False) -> Array:
        """One-hot encoding of integer labels (out-of-range labels give all zeros).

        Example:
            >>> JaxBackend().one_hot([1], 3).tolist()
            [[0.0, 1.0, 0.0]]
        """
        if sparse:
            raise ValueError("one_hot(sparse=True) is not supported on the jax backend; "
                             "use sparse=False.")
        return jax.nn.one_hot(index_tensor(x), num_classes, axis=axis,
                              dtype=jax_dtype(dtype or config.floatx()))

    def batch_normalization(self, x: Any, mean: Any, variance: Any, axis: int,
                            offset: Any = None, scale: Any = None,
                            epsilon: float = 1e-3) -> Array:
        """``(x - mean) / sqrt(variance + epsilon) * scale + offset``; the statistics
        have shape ``(x.shape[axis],)`` or broadcast against ``x``."""
        t = float_tensor(x)
        dt = t.dtype.name

        def stat(v: Any) -> Array:
            s = to_tensor(v, dt)
            if s.ndim == 1 and t.ndim > 1:
                shape = [1] * t.ndim
                shape[axis] = s.shape[0]
                s = jnp.reshape(s, shape)
            return s

        inv = lax.rsqrt(stat(variance) + np.array(epsilon, t.dtype))
        if scale is not None:
            inv = inv * stat(scale)
        shift = -stat(mean) * inv
        if offset is not None:
            shift = shift + stat(offset)
        return t * inv + shift

    # --------------------------------------------------------------------- losses
    def categorical_crossentropy(self, target: Any, output: Any, from_logits: bool = False,
                                 axis: int = -1) -> Array:
        """Per-sample crossentropy between one-hot (or soft) targets and predictions.

        Example:
            >>> round(float(JaxBackend().categorical_crossentropy([[0., 1.]], [[.5, .5]])[0]), 4)
            0.6931
        """
        o = float_tensor(output)
        t = to_tensor(target, o.dtype.name)
        if t.shape != o.shape:
            raise ValueError(
                "categorical_crossentropy expected target and output of the same shape; "
                f"received {tuple(t.shape)} and {tuple(o.shape)}."
            )
        return -jnp.sum(t * self._log_probs(o, from_logits, axis), axis=axis)

    def sparse_categorical_crossentropy(self, target: Any, output: Any,
                                        from_logits: bool = False, axis: int = -1) -> Array:
        """Per-sample crossentropy between integer labels and predictions."""
        o = float_tensor(output)
        t = _squeeze_sparse_target(index_tensor(target), o)
        if t.ndim != o.ndim - 1:
            expected = tuple(s for i, s in enumerate(o.shape) if i != axis % o.ndim)
            raise ValueError(
                "sparse_categorical_crossentropy expected integer targets of shape "
                f"{expected} for output of shape "
                f"{tuple(o.shape)}; received target shape {tuple(t.shape)}."
            )
        log_prob = self._log_probs(o, from_logits, axis)
        mask = jax.nn.one_hot(t, o.shape[axis], axis=axis, dtype=o.dtype)
        return -jnp.sum(mask * log_prob, axis=axis)

    def binary_crossentropy(self, target: Any, output: Any,
                            from_logits: bool = False) -> Array:
        """Elementwise binary crossentropy (no reduction), as ``keras.ops``.

        Example:
            >>> round(float(JaxBackend().binary_crossentropy([1.0], [0.0], True)[0]), 4)
            0.6931
        """
        o = float_tensor(output)
        t = to_tensor(target, o.dtype.name)
        if from_logits:
            return jnp.maximum(o, 0) - o * t + jnp.log1p(jnp.exp(-jnp.abs(o)))
        eps = config.epsilon()
        o = jnp.clip(o, eps, 1.0 - eps)
        return -(t * jnp.log(o) + (1.0 - t) * jnp.log1p(-o))

    @staticmethod
    def _log_probs(o: Array, from_logits: bool, axis: int) -> Array:
        if from_logits:
            return jax.nn.log_softmax(o, axis=axis)
        eps = config.epsilon()
        o = o / jnp.sum(o, axis=axis, keepdims=True)
        return jnp.log(jnp.clip(o, eps, 1.0 - eps))
