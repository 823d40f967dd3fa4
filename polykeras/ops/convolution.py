"""Transposed, depthwise and separable convolution, and adaptive pooling (``keras.ops``
names and signatures).

``conv_transpose`` and ``depthwise_conv`` use the adapter's kernel when it has one (see
``OPTIONAL_OPS``); otherwise ``conv_transpose`` is composed as a convolution of the
zero-interleaved input with the flipped kernel, and ``depthwise_conv`` as a grouped
convolution. Adaptive pooling splits each spatial axis into ``output_size`` windows as
Keras (and PyTorch) do: window ``i`` covers ``[floor(i * n / out), ceil((i + 1) * n / out))``.

Example:
    >>> from polykeras import ops
    >>> ops.shape(ops.conv_transpose(ops.ones((1, 4, 4, 3)), ops.ones((3, 3, 8, 3)), 2,
    ...                              padding="same"))
    (1, 8, 8, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras.backend.conv_geometry import full_transpose_length, transpose_geometry
from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, data_format_arg, int_tuple, padding_arg
from polykeras.ops._layout import from_channels_last
from polykeras.ops.core import as_float_tensor, as_tensor
from polykeras.ops.nn import _causal, _check_valid_window, _spatial_rank, conv

__all__ = ["conv_transpose", "depthwise_conv", "separable_conv", "adaptive_average_pool",
           "adaptive_max_pool"]


def _output_padding(value: Any, n: int, op: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{op}: `output_padding` must be an int or {n} ints, received "
                             f"{value!r}.")
        out = tuple(as_int(v, "output_padding", op) for v in value)
    else:
        out = (as_int(value, "output_padding", op),) * n
    if any(p < 0 for p in out):
        raise ValueError(f"{op}: `output_padding` must be non-negative, received {value!r}.")
    return out


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> Tensor:
    """Transposed convolution (the gradient of ``conv`` with respect to its input).

    ``inputs`` is ``(batch, *spatial, in_channels)`` (channels_last) and ``kernel``
    ``(*kernel_size, out_channels, in_channels)``, the Keras layout. Each output length
    is ``size * stride`` ("same") or ``size * stride + max(kernel - stride, 0)``
    ("valid"); with ``output_padding`` it is
    ``(size - 1) * stride + kernel - 2 * pad + output_padding``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.conv_transpose(ops.ones((1, 2, 1)),
        ...                                         ops.ones((3, 1, 1)), 2))[0, :, 0]
        array([1., 1., 2., 1., 1.], dtype=float32)
    """
    b = _backend()
    fmt = data_format_arg(data_format, "conv_transpose")
    padding = padding_arg(padding, "conv_transpose")
    x, shp, n = _spatial_rank(b, inputs, "conv_transpose", fmt)
    k = as_tensor(b, kernel)
    kshp = tuple(b.shape(k))
    if len(kshp) != n + 2 or kshp[-1] != shp[-1]:
        raise ValueError(
            f"conv_transpose: kernel shape {kshp} does not match inputs of shape {shp} "
            f"(channels_last). Expected (*kernel_size, out_channels, "
            f"{shp[-1]}) (the last axis is the input channels)."
        )
    strides = int_tuple(strides, n, "strides", "conv_transpose")
    dilation = int_tuple(dilation_rate, n, "dilation_rate", "conv_transpose")
    out_pad = _output_padding(output_padding, n, "conv_transpose")
    fast = getattr(b, "conv_transpose", None)
    if fast is not None:
        out = fast(x, k, strides, padding, out_pad, None, dilation)
    else:
        out = _composed_conv_transpose(b, x, k, shp, kshp, strides, padding, out_pad, dilation)
    return from_channels_last(b, out, fmt)


def _composed_conv_transpose(b: Any, x: Tensor, k: Tensor, shp: tuple[int, ...],
                             kshp: tuple[int, ...], strides: tuple[int, ...], padding: str,
                             out_pad: tuple[int, ...] | None,
                             dilation: tuple[int, ...]) -> Tensor:
    """Interleave ``stride - 1`` zeros, pad by the dilated kernel, convolve flipped."""
    n = len(strides)
    x = as_float_tensor(b, x)
    sizes = shp[1:-1]
    lengths, befores = transpose_geometry(sizes, kshp[:n], strides, padding, out_pad, dilation)
    for axis, s in enumerate(strides):
        if s == 1:
            continue
        cur = tuple(b.shape(x))
        a = axis + 1
        zeros = b.zeros(cur[:a + 1] + (s - 1,) + cur[a + 1:], b.dtype(x))
        x = b.concatenate([b.expand_dims(x, a + 1), zeros], a + 1)
        x = b.reshape(x, cur[:a] + (cur[a] * s,) + cur[a + 1:])
        x = b.slice(x, (0,) * len(cur), cur[:a] + ((cur[a] - 1) * s + 1,) + cur[a + 1:])
    pads = []
    for size, kk, s, d, m, before in zip(sizes, kshp[:n], strides, dilation, lengths, befores,
                                         strict=True):
        extent = (kk - 1) * d
        full = full_transpose_length(size, kk, s, d)
        pads.append((extent, extent + max(before + m - full, 0)))
    x = b.pad(x, ((0, 0), *pads, (0, 0)), "constant", 0)
    flipped = b.flip(b.transpose(k, (*range(n), n + 1, n)), tuple(range(n)))
    out = b.conv(x, b.cast(flipped, b.dtype(x)), (1,) * n, "valid", dilation)
    return b.slice(out, (0, *befores, 0), (shp[0], *lengths, kshp[-2]))


def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> Tensor:
    """Depthwise convolution: each input channel convolved with its own filters.

    ``kernel`` is ``(*kernel_size, in_channels, depth_multiplier)``; output channel
    ``c * depth_multiplier + m`` comes from input channel ``c`` and ``kernel[..., c, m]``.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.depthwise_conv(ops.ones((1, 5, 5, 3)), ops.ones((3, 3, 3, 2))))
        (1, 3, 3, 6)
    """
    b = _backend()
    fmt = data_format_arg(data_format, "depthwise_conv")
    padding = padding_arg(padding, "depthwise_conv", ("valid", "same", "causal"))
    x, shp, n = _spatial_rank(b, inputs, "depthwise_conv", fmt)
    k = as_tensor(b, kernel)
    kshp = tuple(b.shape(k))
    if len(kshp) != n + 2 or kshp[-2] != shp[-1]:
        raise ValueError(
            f"depthwise_conv: kernel shape {kshp} does not match inputs of shape {shp} "
            f"(channels_last). Expected (*kernel_size, {shp[-1]}, "
            "depth_multiplier)."
        )
    strides = int_tuple(strides, n, "strides", "depthwise_conv")
    dilation = int_tuple(dilation_rate, n, "dilation_rate", "depthwise_conv")
    x, padding = _causal(b, x, kshp[0], padding, dilation, n, "depthwise_conv")
    _check_valid_window(shp, kshp[:n], dilation, padding, "depthwise_conv")
    fast = getattr(b, "depthwise_conv", None)
    if fast is not None:
        out = fast(x, k, strides, padding, None, dilation)
    else:
        grouped = b.reshape(k, kshp[:n] + (1, kshp[-2] * kshp[-1]))
        out = b.conv(x, grouped, strides, padding, dilation)
    return from_channels_last(b, out, fmt)


def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any, strides: Any = 1,
                   padding: str = "valid", data_format: str | None = None,
                   dilation_rate: Any = 1) -> Tensor:
    """A depthwise convolution followed by a 1x1 (pointwise) convolution.

    ``pointwise_kernel`` is ``(1, ..., 1, in_channels * depth_multiplier, filters)``.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.separable_conv(ops.ones((1, 5, 5, 3)), ops.ones((3, 3, 3, 2)),
        ...                              ops.ones((1, 1, 6, 4)), padding="same"))
        (1, 5, 5, 4)
    """
    fmt = data_format_arg(data_format, "separable_conv")
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, fmt, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", fmt)


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive(inputs: Any, output_size: Any, data_format: Any, kind: str) -> Tensor:
    op = f"adaptive_{kind}_pool"
    b = _backend()
    fmt = data_format_arg(data_format, op)
    x, shp, n = _spatial_rank(b, inputs, op, fmt)
    outs = int_tuple(output_size, n, "output_size", op)
    if kind == "average":
        x = as_float_tensor(b, x)
    dtype = b.dtype(x)
    for i, (size, o) in enumerate(zip(shp[1:-1], outs, strict=True)):
        if size == o:
            continue
        windows = _adaptive_windows(size, o)
        axis = i + 1
        if kind == "average":
            # One contraction with the (size, out) averaging matrix.
            weights = np.zeros((size, o), "float64")
            for j, (lo, hi) in enumerate(windows):
                weights[lo:hi, j] = 1.0 / (hi - lo)
            w = b.convert_to_tensor(weights, dtype)
            moved = b.transpose(x, _to_last(len(shp), axis))
            x = b.transpose(b.matmul(moved, w), _from_last(len(shp), axis))
        else:
            # Gather every window padded to the longest (repeating its last index: a
            # repeated element never changes the max), then reduce.
            width = max(hi - lo for lo, hi in windows)
            idx = np.array([[min(lo + t, hi - 1) for t in range(width)] for lo, hi in windows],
                           "int32")
            gathered = b.take(x, b.convert_to_tensor(idx.reshape(-1)), axis)
            cur = tuple(b.shape(x))
            gathered = b.reshape(gathered, cur[:axis] + (o, width) + cur[axis + 1:])
            x = b.max(gathered, axis=axis + 1, keepdims=False)
    return from_channels_last(b, x, fmt)


def _to_last(rank: int, axis: int) -> tuple[int, ...]:
    return tuple(a for a in range(rank) if a != axis) + (axis,)


def _from_last(rank: int, axis: int) -> tuple[int, ...]:
    perm = list(range(rank - 1))
    perm.insert(axis, rank - 1)
    return tuple(perm)


def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None
                          ) -> Tensor:
    """Average pooling to a fixed ``output_size`` (an int or one int per spatial axis).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.adaptive_average_pool(
        ...     ops.reshape(ops.arange(5.0), (1, 5, 1)), 2))[0, :, 0]
        array([1. , 3. ], dtype=float32)
    """
    return _adaptive(inputs, output_size, data_format, "average")


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None
                      ) -> Tensor:
    """Max pooling to a fixed ``output_size`` (an int or one int per spatial axis).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.adaptive_max_pool(
        ...     ops.reshape(ops.arange(5.0), (1, 5, 1)), 2))[0, :, 0]
        array([2., 4.], dtype=float32)
    """
    return _adaptive(inputs, output_size, data_format, "max")

