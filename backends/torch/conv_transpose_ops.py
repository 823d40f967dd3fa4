"""Transposed convolution for the torch adapter: ``F.conv_transpose{1,2,3}d``.

Channels_last in and out (the kernels run on permuted views); kernel layout
``(*spatial, out, in)`` as in Keras. The geometry is
:mod:`polykeras.backend.conv_geometry`'s: torch's own ``padding``/``output_padding``
express it when they can, otherwise the full result is cropped (or zero-extended).

Example:
    >>> b = TorchBackend()
    >>> b.conv_transpose(torch.ones(1, 3, 1), torch.ones(2, 1, 1), 2).reshape(-1)
    tensor([1., 1., 1., 1., 1., 1.])
"""

from __future__ import annotations

from typing import Any

import torch.nn.functional as F

from polykeras.backend.conv_geometry import full_transpose_length, transpose_geometry

from .core import Tensor, as_float, promote
from .nn_ops import _spatial_rank, _to_channels_first, _to_channels_last, _tuple

_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


class ConvTransposeOps:
    """``conv_transpose`` with the ``keras.ops`` signature."""

    def conv_transpose(self, inputs: Any, kernel: Any, strides: Any = 1,
                       padding: str = "valid", output_padding: Any = None,
                       data_format: str | None = None, dilation_rate: Any = 1) -> Tensor:
        """Transposed convolution: inputs (batch, *spatial, in), kernel (*spatial, out, in)."""
        x, w = promote([inputs, kernel])
        if not x.is_floating_point():
            x, w = as_float(x), as_float(w)
        n = _spatial_rank(x, "conv_transpose")
        if w.ndim != n + 2 or w.shape[-1] != x.shape[-1]:
            raise ValueError(
                f"conv_transpose expects a kernel (*spatial, out_channels, {x.shape[-1]}) "
                f"for inputs of shape {tuple(x.shape)}; received kernel {tuple(w.shape)}."
            )
        strides = _tuple(strides, n, "strides")
        dilation = _tuple(dilation_rate, n, "dilation_rate")
        out_pad = None if output_padding is None else _tuple(output_padding, n,
                                                             "output_padding")
        ksize = tuple(w.shape[:n])
        sizes = tuple(x.shape[1:-1])
        lengths, befores = transpose_geometry(sizes, ksize, strides, padding.lower(), out_pad,
                                              dilation)
        full = [full_transpose_length(*a) for a in zip(sizes, ksize, strides, dilation,
                                                       strict=True)]
        extra = [m - (f - 2 * b) for m, f, b in zip(lengths, full, befores, strict=True)]
        xc = _to_channels_first(x)
        wc = w.permute(n + 1, n, *range(n)).contiguous()  # (in, out, *spatial)
        fn = _CONV_TRANSPOSE[n]
        if all(0 <= e < max(s, d) for e, s, d in zip(extra, strides, dilation, strict=True)):
            out = fn(xc, wc, None, strides, befores, tuple(extra), 1, dilation)
            return _to_channels_last(out)
        out = fn(xc, wc, None, strides, 0, 0, 1, dilation)
        grow = [max(b + m - f, 0) for b, m, f in zip(befores, lengths, full, strict=True)]
        if any(grow):
            flat: list[int] = []
            for g in reversed(grow):
                flat.extend((0, g))
            out = F.pad(out, flat)
        index = (slice(None), slice(None)) + tuple(
            slice(b, b + m) for b, m in zip(befores, lengths, strict=True))
        return _to_channels_last(out[index])


__all__ = ["ConvTransposeOps"]
