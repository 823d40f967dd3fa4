"""Gradient clipping by value, by norm and by global norm, written with ``polykeras.ops``.

Every function works on backend tensors inside a compiled step: no Python branching on
tensor values and no conversion to Python numbers.

Example:
    >>> from polykeras import ops
    >>> from polykeras.optimizers.clipping import clip_by_global_norm
    >>> g = clip_by_global_norm([ops.convert_to_tensor([3.0, 4.0])], 1.0)
    >>> ops.convert_to_numpy(g[0])
    array([0.6, 0.8], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops


def clip_by_value(gradient: Any, clipvalue: float) -> Any:
    """Each element of ``gradient`` clipped to ``[-clipvalue, clipvalue]``.

    Example:
        >>> ops.convert_to_numpy(clip_by_value(ops.convert_to_tensor([-2.0, 0.5]), 1.0))
        array([-1. ,  0.5], dtype=float32)
    """
    return ops.clip(gradient, -clipvalue, clipvalue)


def clip_by_norm(gradient: Any, clipnorm: float) -> Any:
    """``gradient`` rescaled so that its L2 norm is at most ``clipnorm``.

    Computed as ``g * clipnorm / max(norm(g), clipnorm)``, which leaves gradients with a
    smaller norm unchanged and never divides by zero.

    Example:
        >>> ops.convert_to_numpy(clip_by_norm(ops.convert_to_tensor([3.0, 4.0]), 1.0))
        array([0.6, 0.8], dtype=float32)
    """
    norm = ops.sqrt(ops.sum(ops.square(gradient)))
    return ops.divide(ops.multiply(gradient, clipnorm), ops.maximum(norm, clipnorm))


def global_norm(gradients: Sequence[Any]) -> Any:
    """The L2 norm of all ``gradients`` taken together, as a float32 scalar (``None``
    entries are ignored).

    Example:
        >>> t = ops.convert_to_tensor
        >>> float(ops.convert_to_numpy(global_norm([t([3.0]), t([4.0])])))
        5.0
    """
    squares = [
        ops.cast(ops.sum(ops.square(g)), "float32") for g in gradients if g is not None
    ]
    if not squares:
        return ops.convert_to_tensor(0.0, dtype="float32")
    return ops.sqrt(ops.sum(ops.stack(squares)))


def clip_by_global_norm(gradients: Sequence[Any], clipnorm: float) -> list[Any]:
    """``gradients`` scaled together so that their global norm is at most ``clipnorm``.

    When the global norm is infinite or NaN every gradient becomes NaN (as in Keras), so
    a diverged step is visible instead of silently skipped. ``None`` entries stay ``None``.

    Example:
        >>> t = ops.convert_to_tensor
        >>> a, b = clip_by_global_norm([t([3.0]), t([4.0])], 1.0)
        >>> ops.convert_to_numpy(a), ops.convert_to_numpy(b)
        (array([0.6], dtype=float32), array([0.8], dtype=float32))
    """
    norm = global_norm(gradients)
    scale = ops.divide(clipnorm, ops.maximum(norm, clipnorm))
    # ``norm - norm`` is 0 for a finite norm and NaN for inf/NaN.
    scale = ops.add(scale, ops.subtract(norm, norm))
    return [
        None if g is None else ops.multiply(g, ops.cast(scale, ops.dtype(g)))
        for g in gradients
    ]

