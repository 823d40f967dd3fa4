"""Transposed and depthwise convolution on TensorFlow tensors (``tf.nn`` kernels).

``conv_transpose`` runs ``tf.nn.conv_transpose`` (channels_last, kernel
``(*spatial, out, in)`` as in Keras) with the geometry of
:mod:`polykeras.backend.conv_geometry`. TensorFlow's CPU kernels take no dilation in a
transposed convolution, so a dilated kernel is spread out with zeros first; a geometry
that TensorFlow's own padding cannot express is computed in full and cropped.
``depthwise_conv`` runs ``tf.nn.depthwise_conv2d`` (1-D inputs get a unit axis).

Example:
    >>> from polykeras.backends.tensorflow import conv_transpose_ops as c
    >>> c.conv_transpose(tf.ones((1, 3, 1)), tf.ones((2, 1, 1)), 2).shape
    TensorShape([1, 6, 1])
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from polykeras.backends.tensorflow.core import FLOAT_DTYPES, Tensor, promote_all, to_float
from polykeras.backends.tensorflow.nn_ops import _tuple

from polykeras.backend.conv_geometry import (
    full_transpose_length,
    output_length,
    transpose_geometry,
)

__all__ = ["conv_transpose", "depthwise_conv"]


def _dilate_kernel(w: Tensor, dilation: list[int]) -> Tensor:
    """Insert ``d - 1`` zeros between the taps of each spatial axis of ``w``."""
    for axis, d in enumerate(dilation):
        if d == 1:
            continue
        shape = tf.shape(w)
        k = w.shape[axis]
        zeros_shape = tf.concat([shape[:axis + 1], [d - 1], shape[axis + 1:]], 0)
        w = tf.concat([tf.expand_dims(w, axis + 1), tf.zeros(zeros_shape, w.dtype)], axis + 1)
        merged = tf.concat([shape[:axis], [k * d], shape[axis + 1:]], 0)
        w = tf.reshape(w, merged)
        w = w[(slice(None),) * axis + (slice(0, (k - 1) * d + 1),)]
    return w


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> Tensor:
    """Transposed convolution: inputs (batch, *spatial, in), kernel (*spatial, out, in)."""
    x, w = promote_all([inputs, kernel])
    if x.dtype not in FLOAT_DTYPES:
        x, w = to_float(x), to_float(w)
    n = x.shape.rank - 2
    if not 1 <= n <= 3 or w.shape.rank != n + 2 or w.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"conv_transpose expects inputs (batch, *spatial, in_channels) with 1 to 3 "
            f"spatial dims and a kernel (*spatial, out_channels, in_channels); received "
            f"inputs {x.shape} and kernel {w.shape}."
        )
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    out_pad = None if output_padding is None else _tuple(output_padding, n, "output_padding")
    ksize = list(w.shape[:n])
    sizes = list(x.shape[1:-1])
    lengths, befores = transpose_geometry(sizes, ksize, strides, padding.lower(), out_pad,
                                          dilation)
    if any(d > 1 for d in dilation):
        w = _dilate_kernel(w, dilation)
        ksize = [(k - 1) * d + 1 for k, d in zip(ksize, dilation, strict=True)]
    batch = tf.shape(x)[0]
    cout = w.shape[-2]
    pad = padding.upper()
    native = all(
        output_length(m, k, s, padding.lower()) == size
        for m, k, s, size in zip(lengths, ksize, strides, sizes, strict=True)
    )
    if native:
        return tf.nn.conv_transpose(x, w, tf.stack([batch, *lengths, cout]), strides, pad)
    full = [full_transpose_length(size, k, s, 1)
            for size, k, s in zip(sizes, ksize, strides, strict=True)]
    out = tf.nn.conv_transpose(x, w, tf.stack([batch, *full, cout]), strides, "VALID")
    grow = [max(b + m - f, 0) for b, m, f in zip(befores, lengths, full, strict=True)]
    if any(grow):
        out = tf.pad(out, [[0, 0]] + [[0, g] for g in grow] + [[0, 0]])
    index = (slice(None),) + tuple(slice(b, b + m) for b, m in zip(befores, lengths,
                                                                     strict=True))
    return out[index + (slice(None),)]


def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> Tensor:
    """Depthwise convolution: inputs (batch, *spatial, in), kernel (*spatial, in, mult);
    output channel ``c * mult + m`` is input channel ``c`` under kernel ``[..., c, m]``."""
    x, w = promote_all([inputs, kernel])
    if x.dtype not in FLOAT_DTYPES:
        x, w = to_float(x), to_float(w)
    n = x.shape.rank - 2
    if n not in (1, 2) or w.shape.rank != n + 2 or w.shape[-2] != x.shape[-1]:
        raise ValueError(
            f"depthwise_conv expects inputs (batch, *spatial, channels) with 1 or 2 spatial "
            f"dims and a kernel (*spatial, channels, multiplier); received inputs {x.shape} "
            f"and kernel {w.shape}."
        )
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    pad = padding.upper()
    if n == 1:
        x, w = tf.expand_dims(x, 1), tf.expand_dims(w, 0)
        strides, dilation = [1, *strides], [1, *dilation]
    if max(strides) > 1 and max(dilation) > 1:
        # No kernel strides and dilates at once: run dense, then subsample.
        if pad == "SAME":
            from polykeras.backend.conv_geometry import same_pads

            spatial = x.shape[1:-1]
            x = tf.pad(x, [[0, 0]] + [list(same_pads(spatial[i], w.shape[i], strides[i],
                                                        dilation[i])) for i in range(2)]
                       + [[0, 0]])
        out = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID", dilations=dilation)
        out = out[:, ::strides[0], ::strides[1], :]
    else:
        out = tf.nn.depthwise_conv2d(x, w, [1, *strides, 1], pad, dilations=dilation)
    return out[:, 0] if n == 1 else out
