"""Transposed convolution (channels_last, 1-D/2-D/3-D) with gradients: col2im.

The forward pass is one matrix product (inputs times the kernel, giving each input
position's contribution at every kernel offset) and a col2im that adds them into the
full output; the input gradient is im2col of the output gradient times the kernel. The
geometry is :mod:`polykeras.backend.conv_geometry`'s.

Example:
    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 3, 1), np.float32), np.ones((2, 1, 1), np.float32),
    ...                2, "valid")[0, :, 0]
    array([1., 1., 1., 1., 1., 1.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from polykeras.backend.conv_geometry import full_transpose_length, transpose_geometry

from .autodiff import record, zeros_like_shape
from .conv_ops import _tuple, col2im, im2col
from .conversion import unwrap2


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> Any:
    """Transposed convolution: inputs (batch, *spatial, in), kernel (*spatial, out, in)."""
    x, w, nx, nw = unwrap2(inputs, kernel)
    if x.dtype.kind != "f":
        from .conversion import floatx_dtype

        x, w = x.astype(floatx_dtype()), w.astype(floatx_dtype())
    nd = x.ndim - 2
    if nd < 1 or w.ndim != nd + 2 or w.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"conv_transpose expects inputs (batch, *spatial, in_channels) and a kernel "
            f"(*spatial, out_channels, in_channels); received inputs {x.shape} and kernel "
            f"{w.shape}."
        )
    strides = _tuple(strides, nd, "strides")
    dil = _tuple(dilation_rate, nd, "dilation_rate")
    ops_ = None if output_padding is None else _tuple(output_padding, nd, "output_padding")
    ksize = tuple(w.shape[:nd])
    ins = tuple(x.shape[1:-1])
    lengths, befores = transpose_geometry(ins, ksize, strides, padding.lower(), ops_, dil)
    full = tuple(max(full_transpose_length(n, k, s, d), b + m) for n, k, s, d, b, m
                 in zip(ins, ksize, strides, dil, befores, lengths, strict=True))
    batch, cin, cout = x.shape[0], x.shape[-1], w.shape[-2]
    kk = math.prod(ksize)
    x2 = x.reshape(-1, cin)
    w2 = w.reshape(kk * cout, cin)
    cols = (x2 @ w2.T).reshape((batch,) + ins + ksize + (cout,))
    fshape = (batch,) + full + (cout,)
    crop = (slice(None),) + tuple(slice(b, b + m) for b, m in zip(befores, lengths, strict=True)) \
        + (slice(None),)
    out = col2im(cols, fshape, ksize, strides, dil, ins)[crop]
    if nx is None and nw is None:
        return out

    def vjp(g):
        gpad = zeros_like_shape(fshape, g)
        gpad[crop] = g
        dcols = im2col(gpad, ksize, strides, dil, ins).reshape(-1, kk * cout)
        gx = (dcols @ w2).reshape(x.shape) if nx is not None else None
        gw = (dcols.T @ x2).reshape(w.shape) if nw is not None else None
        return gx, gw

    return record(out, (nx, nw), vjp)
