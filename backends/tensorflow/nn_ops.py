"""Neural-network ops on TensorFlow tensors: convolution, pooling, activations,
softmax, normalization and the fused cross-entropy losses (``tf.nn`` kernels).

Everything is channels_last; "same" padding follows TensorFlow (the extra pad goes on
the right/bottom). Losses return per-sample values, unreduced, like ``keras.ops``.

Example:
    >>> from polykeras.backends.tensorflow import nn_ops
    >>> nn_ops.softmax(tf.constant([0.0, 0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tensorflow as tf
from polykeras.backends.tensorflow.core import (
    FLOAT_DTYPES,
    HALF_DTYPES,
    INDEX_DTYPES,
    Tensor,
    convert_to_tensor,
    floatx_dtype,
    promote_all,
    tf_dtype,
    to_float,
)

from polykeras import config

__all__ = [
    "conv", "max_pool", "average_pool", "softmax", "log_softmax", "logsumexp", "gelu",
    "silu", "softplus", "elu", "selu", "leaky_relu", "relu6", "hard_sigmoid", "softsign",
    "one_hot", "moments", "batch_normalization", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy",
]

_HALF = HALF_DTYPES


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _tuple(value: int | Sequence[int], n: int, name: str) -> list[int]:
    if isinstance(value, int):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(
            f"{name} must have {n} entries (one per spatial dimension); received {value}."
        )
    return value


def _padding(padding: str) -> str:
    p = padding.upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}.")
    return p


# ----------------------------------------------------------------- conv and pool
def _same_pads(size: int, k: int, stride: int, dilation: int) -> list[int]:
    effective = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return [total // 2, total - total // 2]


def conv(inputs: Any, kernel: Any, strides: int | Sequence[int] = 1, padding: str = "valid",
         dilation_rate: int | Sequence[int] = 1) -> Tensor:
    """1-D, 2-D or 3-D convolution: inputs ``(batch, *spatial, in)``, kernel
    ``(*spatial, in // groups, out)`` (grouped when ``in`` is a multiple of the kernel's).

    Example:
        >>> conv(tf.ones((1, 5, 1)), tf.ones((3, 1, 1)), (1,), "same", (1,)).shape
        TensorShape([1, 5, 1])
    """
    x, k = promote_all([inputs, kernel])
    if x.dtype not in FLOAT_DTYPES:
        x, k = to_float(x), to_float(k)
    n = x.shape.rank - 2
    if n < 1 or k.shape.rank != n + 2:
        raise ValueError(
            f"conv expects inputs of rank N+2 and a kernel of rank N+2 (N = 1, 2 or 3 "
            f"spatial dims); received inputs {x.shape} and kernel {k.shape}."
        )
    strides = _tuple(strides, n, "strides")
    dilations = _tuple(dilation_rate, n, "dilation_rate")
    pad = _padding(padding)
    if max(strides) > 1 and max(dilations) > 1:
        # TensorFlow kernels cannot stride and dilate at once: pad explicitly, run the
        # dilated conv densely and subsample.
        if pad == "SAME":
            spatial = x.shape[1:-1]
            pads = [[0, 0]] + [
                _same_pads(spatial[i], k.shape[i], strides[i], dilations[i]) for i in range(n)
            ] + [[0, 0]]
            x = tf.pad(x, pads)
        out = _convolution(x, k, [1] * n, "VALID", dilations)
        index = (slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
        return out[index]
    return _convolution(x, k, strides, pad, dilations)


def _convolution(x: Tensor, k: Tensor, strides: list[int], pad: str,
                 dilations: list[int]) -> Tensor:
    if len(strides) == 3:
        # tf.nn.convolution leaves Conv3D's data_format unset, which its gradient needs.
        return tf.nn.conv3d(x, k, [1, *strides, 1], pad, data_format="NDHWC",
                            dilations=[1, *dilations, 1])
    return tf.nn.convolution(x, k, strides=strides, padding=pad, dilations=dilations)


def _pool_args(inputs: Any, pool_size: Any, strides: Any, padding: str) -> tuple:
    x = _t(inputs)
    n = x.shape.rank - 2
    if n < 1:
        raise ValueError(
            f"pooling expects inputs (batch, *spatial, channels); received shape {x.shape}."
        )
    size = _tuple(pool_size, n, "pool_size")
    step = size if strides is None else _tuple(strides, n, "strides")
    return x, size, step, _padding(padding)


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> Tensor:
    """Channels_last max pooling over 1 or 2 spatial dims."""
    x, size, step, pad = _pool_args(inputs, pool_size, strides, padding)
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    return tf.nn.max_pool(x, size, step, pad)


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> Tensor:
    """Channels_last average pooling; "same" leaves the padding out of each mean."""
    x, size, step, pad = _pool_args(inputs, pool_size, strides, padding)
    return tf.nn.avg_pool(to_float(x), size, step, pad)


# ------------------------------------------------------------------- activations
def _softmax_axes(x: Tensor, axis: Any) -> Any:
    return list(axis) if isinstance(axis, (tuple, list)) else axis


def softmax(x: Any, axis: int | tuple[int, ...] = -1) -> Tensor:
    """Example: ``softmax(logits, axis=-1)``."""
    x = to_float(x)
    if isinstance(axis, int):
        return tf.nn.softmax(x, axis=axis)
    axes = _softmax_axes(x, axis)
    shifted = x - tf.stop_gradient(tf.reduce_max(x, axis=axes, keepdims=True))
    e = tf.exp(shifted)
    return e / tf.reduce_sum(e, axis=axes, keepdims=True)


def log_softmax(x: Any, axis: int | tuple[int, ...] = -1) -> Tensor:
    x = to_float(x)
    if isinstance(axis, int):
        return tf.nn.log_softmax(x, axis=axis)
    axes = _softmax_axes(x, axis)
    return x - tf.reduce_logsumexp(x, axis=axes, keepdims=True)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = to_float(x)
    if isinstance(axis, tuple):
        axis = list(axis)
    return tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    return tf.nn.gelu(to_float(x), approximate=approximate)


def silu(x: Any) -> Tensor:
    return tf.nn.silu(to_float(x))


def softplus(x: Any) -> Tensor:
    return tf.nn.softplus(to_float(x))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    x = to_float(x)
    if alpha == 1.0:
        return tf.nn.elu(x)
    # elu(x) is expm1(x) below zero and finite everywhere, so the gradient stays finite
    return tf.where(x > 0, x, tf.cast(alpha, x.dtype) * tf.nn.elu(x))


def selu(x: Any) -> Tensor:
    return tf.nn.selu(to_float(x))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return tf.nn.leaky_relu(to_float(x), alpha=negative_slope)


def relu6(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    return tf.nn.relu6(x)


def hard_sigmoid(x: Any) -> Tensor:
    """``relu6(x + 3) / 6``."""
    x = to_float(x)
    return tf.nn.relu6(x + 3.0) * (1.0 / 6.0)


def softsign(x: Any) -> Tensor:
    return tf.nn.softsign(to_float(x))


# ----------------------------------------------------------------- normalization
def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: str | None = None,
            sparse: bool = False) -> Tensor:
    """One-hot encoding; out-of-range (and negative) indices give all zeros."""
    if sparse:
        raise ValueError(
            "one_hot(sparse=True) is not supported by the TensorFlow backend; "
            "use sparse=False."
        )
    x = _t(x)
    if not x.dtype.is_integer:
        x = tf.cast(x, tf.int32)
    elif x.dtype not in INDEX_DTYPES and x.dtype is not tf.uint8:
        x = tf.cast(x, tf.int64)
    d = floatx_dtype() if dtype is None else tf_dtype(dtype)
    return tf.one_hot(x, num_classes, axis=axis, dtype=d)


def moments(x: Any, axes: Any, keepdims: bool = False,
            synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """``(mean, variance)`` over ``axes``; half precision accumulates in float32."""
    x = to_float(x)
    d = x.dtype
    if d in _HALF:
        x = tf.cast(x, tf.float32)
    axes = [axes] if isinstance(axes, int) else list(axes)
    mean, variance = tf.nn.moments(x, axes, keepdims=keepdims)
    if d in _HALF:
        mean, variance = tf.cast(mean, d), tf.cast(variance, d)
    return mean, variance


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, with the 1-D
    statistics laid along ``axis``."""
    x = to_float(x)
    d = x.dtype
    rank = x.shape.rank
    axis = axis + rank if axis < 0 else axis

    def along(v: Any) -> Any:
        if v is None:
            return None
        v = convert_to_tensor(v, None)
        v = v if v.dtype is d else tf.cast(v, d)
        if axis != rank - 1 and v.shape.rank == 1:
            shape = [1] * rank
            shape[axis] = -1
            v = tf.reshape(v, shape)
        return v

    return tf.nn.batch_normalization(x, along(mean), along(variance), along(offset),
                                     along(scale), epsilon)


# ------------------------------------------------------------------------ losses
def _float_pair(target: Any, output: Any) -> tuple[Tensor, Tensor]:
    output = to_float(output)
    target = _t(target)
    if target.dtype is not output.dtype:
        target = tf.cast(target, output.dtype)
    return target, output


def _clip_probs(output: Tensor) -> Tensor:
    eps = config.epsilon()
    return tf.clip_by_value(output, eps, 1.0 - eps)


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> Tensor:
    """Per-sample crossentropy between one-hot/probability ``target`` and ``output``.

    Example:
        >>> categorical_crossentropy([[0., 1.]], [[0.5, 0.5]]).numpy()
        array([0.6931472], dtype=float32)
    """
    target, output = _float_pair(target, output)
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output,
                                                       axis=axis)
    output = output / tf.reduce_sum(output, axis=axis, keepdims=True)
    return -tf.reduce_sum(target * tf.math.log(_clip_probs(output)), axis=axis)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """Per-sample crossentropy with integer class ``target``.

    Example:
        >>> sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy()
        array([0.6931472], dtype=float32)
    """
    output = to_float(output)
    target = _t(target)
    rank = output.shape.rank
    if target.shape.rank == rank and target.shape[-1] == 1:
        target = tf.squeeze(target, -1)
    if target.dtype not in INDEX_DTYPES:
        target = tf.cast(target, tf.int32)
    axis = axis + rank if axis < 0 else axis
    if axis != rank - 1:
        perm = list(range(axis)) + list(range(axis + 1, rank)) + [axis]
        output = tf.transpose(output, perm)
    if from_logits:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    output = output / tf.reduce_sum(output, axis=-1, keepdims=True)
    log_probs = tf.math.log(_clip_probs(output))
    picked = tf.gather(log_probs, target[..., None], axis=-1, batch_dims=rank - 1)
    return -tf.squeeze(picked, -1)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise binary crossentropy (no reduction).

    Example:
        >>> binary_crossentropy([1.0], [0.5]).numpy()
        array([0.6931472], dtype=float32)
    """
    target, output = _float_pair(target, output)
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clip_probs(output)
    return -(target * tf.math.log(output) + (1.0 - target) * tf.math.log1p(-output))
