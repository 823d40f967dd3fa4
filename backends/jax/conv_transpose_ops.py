"""Transposed convolution for the JAX adapter: one ``lax.conv_general_dilated`` with
input dilation (the XLA form of a transposed convolution).

Channels_last, kernel ``(*spatial, out, in)`` as in Keras; the geometry is
:mod:`polykeras.backend.conv_geometry`'s, expressed as explicit (possibly negative)
padding of the dilated input.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> b.conv_transpose(b.ones((1, 3, 1)), b.ones((2, 1, 1)), 2)[0, :, 0].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from jax import lax

from polykeras.backend.conv_geometry import transpose_geometry

from .core import Array, float_tensor, promote_all
from .nn_ops import _SPATIAL, _spatial_rank, _tuple


class ConvTransposeOps:
    """``conv_transpose`` with the ``keras.ops`` signature."""

    def conv_transpose(self, inputs: Any, kernel: Any, strides: Any = 1,
                       padding: str = "valid", output_padding: Any = None,
                       data_format: str | None = None, dilation_rate: Any = 1) -> Array:
        """Transposed convolution: inputs (batch, *spatial, in), kernel (*spatial, out, in)."""
        x, w = promote_all([inputs, kernel])
        x, w = float_tensor(x), float_tensor(w)
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
        pads = []
        for size, k, s, d, m, b in zip(sizes, ksize, strides, dilation, lengths, befores,
                                       strict=True):
            lo = (k - 1) * d - b
            pads.append((lo, m - (size - 1) * s - 1 - lo + (k - 1) * d))
        sp = _SPATIAL[3 - n:]
        return lax.conv_general_dilated(
            x, lax.rev(w, tuple(range(n))),
            window_strides=(1,) * n,
            padding=pads,
            lhs_dilation=strides,
            rhs_dilation=dilation,
            dimension_numbers=("N" + sp + "C", sp + "OI", "N" + sp + "C"),
        )


__all__ = ["ConvTransposeOps"]
