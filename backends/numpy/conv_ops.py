"""Convolution and pooling (channels_last, 1-D/2-D/3-D) with gradients.

``conv`` is im2col (``sliding_window_view``) plus one matrix product; its input gradient
is col2im by a loop over kernel positions adding strided slices. Pooling loops over
window positions the same way. "same" padding follows TensorFlow (extra pad at the end).

Example:
    >>> import numpy as np
    >>> x = np.ones((1, 5, 5, 1), np.float32)
    >>> conv(x, np.ones((3, 3, 1, 2), np.float32), (1, 1), "same", (1, 1)).shape
    (1, 5, 5, 2)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .autodiff import record, zeros_like_shape
from .conversion import unwrap, unwrap2


def _tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if value is None:
        return (1,) * n
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1 and n > 1:
        value = value * n
    if len(value) != n:
        raise ValueError(
            f"{name} must have {n} entries for a {n}-D operation; received {value}."
        )
    return value


def _geometry(sizes: tuple[int, ...], kernel: tuple[int, ...], strides: tuple[int, ...],
              padding: str) -> tuple[list[tuple[int, int]], tuple[int, ...]]:
    """Per-axis (before, after) pads and output sizes; ``kernel`` is the dilated extent."""
    padding = padding.lower()
    pads, outs = [], []
    for n, k, s in zip(sizes, kernel, strides, strict=True):
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        elif padding == "valid":
            out = (n - k) // s + 1 if n >= k else 0
            pads.append((0, 0))
        else:
            raise ValueError(
                f"padding must be 'valid' or 'same'; received {padding!r}."
            )
        outs.append(out)
    return pads, tuple(outs)


def _strided_window(offsets: tuple[int, ...], strides: tuple[int, ...],
                    outs: tuple[int, ...]) -> tuple[slice, ...]:
    """Index selecting, for one kernel position, its input element for every output."""
    return (slice(None),) + tuple(
        slice(o, o + s * (m - 1) + 1, s) for o, s, m in zip(offsets, strides, outs, strict=True)
    ) + (slice(None),)


def _crop(x: np.ndarray, pads: list[tuple[int, int]]) -> np.ndarray:
    if not any(lo or hi for lo, hi in pads):
        return x
    return x[(slice(None),) + tuple(slice(lo, x.shape[i + 1] - hi)
                                    for i, (lo, hi) in enumerate(pads)) + (slice(None),)]


def im2col(xp: np.ndarray, ksize: tuple[int, ...], strides: tuple[int, ...],
           dil: tuple[int, ...], outs: tuple[int, ...]) -> np.ndarray:
    """Windows of the (already padded) ``xp`` as rows: shape (batch * prod(outs),
    prod(ksize), channels), kernel positions in C order, one copy."""
    nd = len(ksize)
    extent = tuple((k - 1) * d + 1 for k, d in zip(ksize, dil, strict=True))
    win = sliding_window_view(xp, extent, axis=tuple(range(1, nd + 1)))
    win = win[(slice(None),) + tuple(slice(None, s * (m - 1) + 1, s)
                                     for s, m in zip(strides, outs, strict=True))
              + (slice(None),) + tuple(slice(None, None, d) for d in dil)]
    # (batch, *outs, cin, *ksize) -> (batch, *outs, *ksize, cin)
    perm = (0, *range(1, nd + 1), *range(nd + 2, 2 * nd + 2), nd + 1)
    return win.transpose(perm).reshape(-1, math.prod(ksize), xp.shape[-1])


def col2im(dcols: np.ndarray, shape: tuple[int, ...], ksize: tuple[int, ...],
           strides: tuple[int, ...], dil: tuple[int, ...], outs: tuple[int, ...]) -> np.ndarray:
    """The adjoint of :func:`im2col`: ``dcols`` (batch, *outs, *ksize, channels) summed
    into zeros of ``shape`` (the padded input)."""
    nd = len(ksize)
    out = zeros_like_shape(shape, dcols)
    lead = (slice(None),) * (nd + 1)
    for pos in itertools.product(*[range(k) for k in ksize]):
        offsets = tuple(p * d for p, d in zip(pos, dil, strict=True))
        out[_strided_window(offsets, strides, outs)] += dcols[lead + pos]
    return out


def grouped_matmul(cols: np.ndarray, w: np.ndarray, groups: int) -> np.ndarray:
    """``cols`` (N, K, cin) times a kernel (*k, cin // groups, cout) -> (N, cout), each
    group of input channels feeding its own slice of output channels."""
    n, k, cin = cols.shape
    cout = w.shape[-1]
    if groups == 1:
        return cols.reshape(n, k * cin) @ w.reshape(-1, cout)
    cg, co = cin // groups, cout // groups
    a = cols.reshape(n, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, n, k * cg)
    b = w.reshape(k, cg, groups, co).transpose(2, 0, 1, 3).reshape(groups, k * cg, co)
    return (a @ b).transpose(1, 0, 2).reshape(n, cout)


def grouped_matmul_grads(cols: np.ndarray, w: np.ndarray, g2: np.ndarray, groups: int,
                         need_cols: bool, need_w: bool) -> tuple[Any, Any]:
    """Gradients of :func:`grouped_matmul` for the output gradient ``g2`` (N, cout)."""
    n, k, cin = cols.shape
    cout = w.shape[-1]
    dcols = dw = None
    if groups == 1:
        c2, w2 = cols.reshape(n, k * cin), w.reshape(-1, cout)
        if need_w:
            dw = (c2.T @ g2).reshape(w.shape)
        if need_cols:
            dcols = (g2 @ w2.T).reshape(n, k, cin)
        return dcols, dw
    cg, co = cin // groups, cout // groups
    a = cols.reshape(n, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, n, k * cg)
    b = w.reshape(k, cg, groups, co).transpose(2, 0, 1, 3).reshape(groups, k * cg, co)
    gg = g2.reshape(n, groups, co).transpose(1, 0, 2)
    if need_w:
        dw = (a.transpose(0, 2, 1) @ gg).reshape(groups, k, cg, co).transpose(1, 2, 0, 3)
        dw = dw.reshape(w.shape)
    if need_cols:
        da = (gg @ b.transpose(0, 2, 1)).reshape(groups, n, k, cg).transpose(1, 2, 0, 3)
        dcols = da.reshape(n, k, cin)
    return dcols, dw


def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
         dilation_rate: Any = 1) -> Any:
    """N-d convolution, channels_last: inputs (batch, *spatial, in), kernel
    (*spatial, in // groups, out). ``padding`` is "valid" or "same" (TensorFlow
    semantics); grouped when the inputs have a multiple of the kernel's input channels.

    Example:
        >>> conv(np.ones((2, 8, 3)), np.ones((3, 3, 4)), 1, "valid", 1).shape
        (2, 6, 4)
    """
    x, w, nx, nw = unwrap2(inputs, kernel)
    nd = x.ndim - 2
    if nd < 1 or w.ndim != nd + 2:
        raise ValueError(
            f"conv expects inputs of shape (batch, *spatial, channels) and a kernel of "
            f"shape (*spatial, in_channels, out_channels) with the same number of spatial "
            f"axes; received inputs {x.shape} and kernel {w.shape}."
        )
    cin, cout = x.shape[-1], w.shape[-1]
    if w.shape[-2] == 0 or cin % w.shape[-2] or cout % (cin // w.shape[-2]):
        raise ValueError(
            f"conv: the kernel expects {w.shape[-2]} input channels but the inputs have "
            f"{x.shape[-1]} (inputs {x.shape}, kernel {w.shape}). Use channels_last inputs "
            "(for a grouped convolution, the inputs' channels and the kernel's output "
            "channels must be multiples of the kernel's input channels)."
        )
    groups = cin // w.shape[-2]
    strides = _tuple(strides, nd, "strides")
    dil = _tuple(dilation_rate, nd, "dilation_rate")
    ksize = w.shape[:nd]
    extent = tuple((k - 1) * d + 1 for k, d in zip(ksize, dil, strict=True))
    pads, outs = _geometry(x.shape[1:-1], extent, strides, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)]) if any(lo or hi for lo, hi in pads) else x
    batch = x.shape[0]
    if 0 in outs:
        empty = np.zeros((batch,) + outs + (cout,), x.dtype)
        return empty if nx is None and nw is None else record(
            empty, (nx, nw), lambda g: (np.zeros(x.shape, g.dtype), np.zeros(w.shape, g.dtype)))
    cols = im2col(xp, ksize, strides, dil, outs)
    out = grouped_matmul(cols, w, groups).reshape((batch,) + outs + (cout,))
    if nx is None and nw is None:
        return out
    xshape, xpshape = x.shape, xp.shape

    def vjp(g):
        dcols, gw = grouped_matmul_grads(cols, w, g.reshape(-1, cout), groups,
                                         nx is not None, nw is not None)
        gx = None
        if nx is not None:
            dcols = dcols.reshape((batch,) + outs + tuple(ksize) + (cin,))
            gx = _crop(col2im(dcols, xpshape, ksize, strides, dil, outs), pads)
            if gx.shape != xshape:
                gx = np.ascontiguousarray(gx)
        return gx, gw

    return record(out, (nx, nw), vjp)


def _pool_setup(x: np.ndarray, pool_size: Any, strides: Any, padding: str, fill: Any
                ) -> tuple[np.ndarray, tuple, tuple, list, tuple]:
    nd = x.ndim - 2
    if nd < 1:
        raise ValueError(
            f"pooling expects inputs of shape (batch, *spatial, channels); received {x.shape}."
        )
    pool = _tuple(pool_size, nd, "pool_size")
    strides = pool if strides is None else _tuple(strides, nd, "strides")
    pads, outs = _geometry(x.shape[1:-1], pool, strides, padding)
    if any(lo or hi for lo, hi in pads):
        xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    else:
        xp = x
    return xp, pool, strides, pads, outs


def _lowest(dtype: np.dtype) -> Any:
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return -np.inf


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid") -> Any:
    """Channels_last max pooling (N = 1, 2 or 3); the gradient goes to the first max.

    Example:
        >>> max_pool(np.arange(16.0).reshape(1, 4, 4, 1), (2, 2), (2, 2), "valid")[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    x, n = unwrap(inputs)
    xp, pool, strides, pads, outs = _pool_setup(x, pool_size, strides, padding,
                                                _lowest(x.dtype))
    positions = list(itertools.product(*[range(k) for k in pool]))
    out = None
    for pos in positions:
        sl = xp[_strided_window(pos, strides, outs)]
        out = sl.copy() if out is None else np.maximum(out, sl, out=out)
    if n is None:
        return out

    def vjp(g):
        dxp = zeros_like_shape(xp.shape, g)
        taken = zeros_like_shape(out.shape, g, bool)
        hit = zeros_like_shape(out.shape, g, bool)
        disjoint = all(s >= k for s, k in zip(strides, pool, strict=True))
        routed = None if disjoint else zeros_like_shape(out.shape, g)
        last = len(positions) - 1
        for i, pos in enumerate(positions):
            key = _strided_window(pos, strides, outs)
            np.equal(xp[key], out, out=hit)
            np.greater(hit, taken, out=hit)  # a max not already routed to an earlier one
            if i < last:
                taken |= hit
            if disjoint:  # windows do not overlap: every input is written once
                np.multiply(g, hit, out=dxp[key])
            else:
                np.multiply(g, hit, out=routed)
                dxp[key] += routed
        return (_crop(dxp, pads),)

    return record(out, (n,), vjp)


def average_pool(inputs: Any, pool_size: Any, strides: Any = None,
                 padding: str = "valid") -> Any:
    """Channels_last average pooling; with "same", padded positions are not counted."""
    x, n = unwrap(inputs)
    if x.dtype.kind in "biu":
        from .conversion import floatx_dtype

        x = x.astype(floatx_dtype())
    xp, pool, strides, pads, outs = _pool_setup(x, pool_size, strides, padding, 0)
    positions = list(itertools.product(*[range(k) for k in pool]))
    total = None
    for pos in positions:
        sl = xp[_strided_window(pos, strides, outs)]
        total = sl.copy() if total is None else np.add(total, sl, out=total)
    if any(lo or hi for lo, hi in pads):
        ones = np.pad(np.ones((1,) + x.shape[1:-1] + (1,), x.dtype),
                      [(0, 0)] + pads + [(0, 0)])
        count = sum(ones[_strided_window(pos, strides, outs)] for pos in positions)
    else:
        count = x.dtype.type(len(positions))
    out = total / count
    if n is None:
        return out

    def vjp(g):
        gs = g / count
        dxp = zeros_like_shape(xp.shape, g)
        for pos in positions:
            dxp[_strided_window(pos, strides, outs)] += gs
        return (_crop(dxp, pads),)

    return record(out, (n,), vjp)
