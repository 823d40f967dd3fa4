"""Shape helpers shared by losses and metrics.

Example:
    >>> from polykeras import ops
    >>> a, b = squeeze_or_expand_to_same_rank(ops.zeros((4,)), ops.zeros((4, 1)))
    >>> ops.shape(a)
    (4, 1)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any,
                                   expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Make two tensors whose ranks differ by one (a trailing size-1 axis) the same rank.

    A rank-1 tensor facing a ``(n, 1)`` one is expanded (when ``expand_rank_1``);
    otherwise the trailing size-1 axis of the higher-rank tensor is dropped. Other
    combinations are returned unchanged.

    Example:
        >>> a, b = squeeze_or_expand_to_same_rank(ops.zeros((2, 3, 1)), ops.zeros((2, 3)))
        >>> ops.shape(a)
        (2, 3)
    """
    s1, s2 = tuple(ops.shape(x1)), tuple(ops.shape(x2))
    r1, r2 = len(s1), len(s2)
    if r1 == r2 + 1 and s1[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, ops.expand_dims(x2, -1)
        return ops.squeeze(x1, -1), x2
    if r2 == r1 + 1 and s2[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return ops.expand_dims(x1, -1), x2
        return x1, ops.squeeze(x2, -1)
    return x1, x2
