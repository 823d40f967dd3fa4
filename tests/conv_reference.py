"""Float64 loop references for the convolution ops beyond ``reference.conv``: grouped,
transposed and depthwise convolution, adaptive pooling, and the layout helpers.

Example:
    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 2, 1)), np.ones((3, 1, 1)), 2)[0, :, 0]
    array([1., 1., 2., 1., 1.])
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import reference as R


def grouped_conv(x: np.ndarray, kernel: np.ndarray, strides: Any = 1, padding: str = "valid",
                 dilation: Any = 1) -> np.ndarray:
    """``reference.conv`` per group of input channels, outputs concatenated."""
    groups = x.shape[-1] // kernel.shape[-2]
    cg, co = kernel.shape[-2], kernel.shape[-1] // groups
    return np.concatenate([
        R.conv(x[..., g * cg:(g + 1) * cg], kernel[..., g * co:(g + 1) * co], strides,
               padding, dilation) for g in range(groups)], axis=-1)


def causal_conv(x: np.ndarray, kernel: np.ndarray, strides: Any = 1, dilation: Any = 1
                ) -> np.ndarray:
    d = dilation if isinstance(dilation, int) else dilation[0]
    left = d * (kernel.shape[0] - 1)
    return grouped_conv(np.pad(x, [(0, 0), (left, 0), (0, 0)]), kernel, strides, "valid",
                        dilation)


def deconv_length(n: int, k: int, s: int, padding: str, op: int | None, d: int) -> int:
    k = (k - 1) * d + 1
    if op is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + op


def conv_transpose(x: np.ndarray, kernel: np.ndarray, strides: Any = 1,
                   padding: str = "valid", output_padding: Any = None,
                   dilation: Any = 1) -> np.ndarray:
    """Scatter every input position through the kernel (*k, out, in), then crop to
    Keras's output length starting at TensorFlow's leading "same" pad."""
    nd = x.ndim - 2
    strides, dil = R._tuple(strides, nd), R._tuple(dilation, nd)
    ops_ = (None,) * nd if output_padding is None else R._tuple(output_padding, nd)
    ksize = kernel.shape[:nd]
    ins = x.shape[1:-1]
    lengths = [deconv_length(n, k, s, padding, o, d)
               for n, k, s, o, d in zip(ins, ksize, strides, ops_, dil, strict=True)]
    befores = []
    for n, k, s, d, m in zip(ins, ksize, strides, dil, lengths, strict=True):
        total = max((n - 1) * s + (k - 1) * d + 1 - m, 0)
        befores.append(total // 2 if padding == "same" else 0)
    full = [max((n - 1) * s + (k - 1) * d + 1, b + m)
            for n, k, s, d, b, m in zip(ins, ksize, strides, dil, befores, lengths, strict=True)]
    y = np.zeros((x.shape[0], *full, kernel.shape[-2]))
    for pos in itertools.product(*[range(n) for n in ins]):
        for kpos in itertools.product(*[range(k) for k in ksize]):
            dst = tuple(p * s + q * d for p, q, s, d in zip(pos, kpos, strides, dil, strict=True))
            y[(slice(None), *dst, slice(None))] += x[(slice(None), *pos, slice(None))] @ kernel[kpos].T
    return y[(slice(None),) + tuple(slice(b, b + m) for b, m in zip(befores, lengths, strict=True))]


def depthwise_conv(x: np.ndarray, kernel: np.ndarray, strides: Any = 1,
                   padding: str = "valid", dilation: Any = 1) -> np.ndarray:
    """Channel ``c`` convolved with ``kernel[..., c, :]``; outputs ``c * mult + m``."""
    outs = [R.conv(x[..., c:c + 1], kernel[..., c:c + 1, :], strides, padding, dilation)
            for c in range(x.shape[-1])]
    return np.concatenate(outs, axis=-1)


def adaptive_pool(x: np.ndarray, output_size: Any, kind: str) -> np.ndarray:
    nd = x.ndim - 2
    outs = R._tuple(output_size, nd)
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    reduce = np.max if kind == "max" else np.mean
    for pos in itertools.product(*[range(o) for o in outs]):
        region = tuple(slice(int(np.floor(p * n / o)), int(np.ceil((p + 1) * n / o)))
                       for p, n, o in zip(pos, x.shape[1:-1], outs, strict=True))
        y[(slice(None), *pos, slice(None))] = reduce(x[(slice(None), *region, slice(None))],
                                                     axis=tuple(range(1, nd + 1)))
    return y


def first(x: np.ndarray) -> np.ndarray:
    """channels_last -> channels_first."""
    return np.moveaxis(x, -1, 1)


def last(x: np.ndarray) -> np.ndarray:
    """channels_first -> channels_last."""
    return np.moveaxis(x, 1, -1)
