"""Channels_first inputs for the spatial ops: the adapters' kernels are channels_last,
so a channels_first tensor is transposed in, and the result transposed back out.

Example:
    >>> from polykeras import ops
    >>> from polykeras.backend.selection import current
    >>> ops.shape(to_channels_last(current(), ops.ones((2, 3, 5)), "channels_first"))
    (2, 5, 3)
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor


def to_channels_last(b: Any, x: Tensor, data_format: str) -> Tensor:
    """``x`` moved from ``data_format`` to channels_last (unchanged when already so)."""
    if data_format == "channels_last":
        return x
    rank = len(b.shape(x))
    return b.transpose(x, (0, *range(2, rank), 1))


def from_channels_last(b: Any, x: Tensor, data_format: str) -> Tensor:
    """The inverse of :func:`to_channels_last`."""
    if data_format == "channels_last":
        return x
    rank = len(b.shape(x))
    return b.transpose(x, (0, rank - 1, *range(1, rank - 1)))
