"""Fused building blocks of layers and optimizers (polykeras-specific, not in keras.ops).

Each function uses the active adapter's kernel of the same name when it has one (see
``OPTIONAL_KERNELS`` in :mod:`polykeras.backend.protocol`) and otherwise composes the
result from :mod:`polykeras.ops` primitives, with the same result up to rounding. On
eager backends a kernel turns several framework calls into one or a few.

Example:
    >>> from polykeras import ops
    >>> from polykeras.ops import fused
    >>> fused.dense(ops.ones((2, 3)), ops.ones((3, 4)), ops.zeros((4,))).shape
    (2, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops.linalg import matmul
from polykeras.ops.math import add, divide, multiply, sqrt, subtract

__all__ = ["dense", "sgd_update", "adam_update", "rnn"]


def dense(x: Any, kernel: Any, bias: Any = None) -> Tensor:
    """``matmul(x, kernel) + bias`` (``bias`` may be None): a Dense layer's affine map.

    Example:
        >>> from polykeras import ops
        >>> dense(ops.ones((1, 2)), ops.ones((2, 2)), ops.ones((2,)))
        array([[3., 3.]], dtype=float32)
    """
    fast = getattr(_backend(), "dense", None)
    if fast is not None:
        return fast(x, kernel, bias)
    out = matmul(x, kernel)
    return out if bias is None else add(out, bias)


def sgd_update(variables: Sequence[Any], gradients: Sequence[Any],
               momentums: Sequence[Any] | None, learning_rate: Any, momentum: float,
               nesterov: bool) -> tuple[list[Tensor], list[Tensor] | None]:
    """New ``(variables, momentums)`` after one SGD step (pure; same-dtype tensors).

    With ``step = g * learning_rate``: ``w - step`` without momentums; else
    ``m' = m * momentum - step`` and ``w + m' * momentum - step`` (``nesterov``) or
    ``w + m'``. ``momentums`` is None exactly when ``momentum == 0``.

    Example:
        >>> from polykeras import ops
        >>> new_w, _ = sgd_update([ops.ones((2,))], [ops.ones((2,))], None,
        ...                       ops.convert_to_tensor(0.5), 0.0, False)
        >>> new_w[0]
        array([0.5, 0.5], dtype=float32)
    """
    fast = getattr(_backend(), "sgd_update", None)
    if fast is not None:
        return fast(variables, gradients, momentums, learning_rate, momentum, nesterov)
    if momentums is None:
        return [subtract(w, multiply(g, learning_rate))
                for w, g in zip(variables, gradients, strict=True)], None
    new_vars, new_moms = [], []
    for w, g, m in zip(variables, gradients, momentums, strict=True):
        step = multiply(g, learning_rate)
        m_new = subtract(multiply(m, momentum), step)
        update = subtract(multiply(m_new, momentum), step) if nesterov else m_new
        new_vars.append(add(w, update))
        new_moms.append(m_new)
    return new_vars, new_moms


def adam_update(variables: Sequence[Any], gradients: Sequence[Any],
                momentums: Sequence[Any], velocities: Sequence[Any], step_size: Any,
                beta_1: float, beta_2: float, epsilon: float
                ) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """New ``(variables, momentums, velocities)`` after one Adam step (pure).

    ``m' = m + (g - m) * (1 - beta_1)``, ``v' = v + (g * g - v) * (1 - beta_2)``,
    ``w - m' * step_size / (sqrt(v') + epsilon)``, where ``step_size`` is
    ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` in the variables' dtype.

    Example:
        >>> from polykeras import ops
        >>> w, m, v = adam_update([ops.ones((1,))], [ops.ones((1,))], [ops.zeros((1,))],
        ...                       [ops.zeros((1,))], ops.convert_to_tensor(0.1),
        ...                       0.9, 0.999, 1e-7)
    """
    fast = getattr(_backend(), "adam_update", None)
    if fast is not None:
        return fast(variables, gradients, momentums, velocities, step_size, beta_1, beta_2,
                    epsilon)
    new_vars, new_ms, new_vs = [], [], []
    for w, g, m, v in zip(variables, gradients, momentums, velocities, strict=True):
        m_new = add(m, multiply(subtract(g, m), 1.0 - beta_1))
        v_new = add(v, multiply(subtract(multiply(g, g), v), 1.0 - beta_2))
        update = divide(multiply(m_new, step_size), add(sqrt(v_new), epsilon))
        new_vars.append(subtract(w, update))
        new_ms.append(m_new)
        new_vs.append(v_new)
    return new_vars, new_ms, new_vs


#: Recurrences :func:`rnn` may run: Keras 3's built-in cells with their default
#: activations (tanh, sigmoid recurrent activation); GRU with ``reset_after=True``.
RNN_KINDS = ("simple_rnn", "lstm", "gru")


def rnn(kind: str, inputs: Any, initial_state: Sequence[Any], kernel: Any,
        recurrent_kernel: Any, bias: Any, go_backwards: bool
        ) -> tuple[Tensor, Tensor, list[Tensor]] | None:
    """A whole recurrence of a built-in cell in one kernel, or None.

    ``inputs`` ``(batch, time, features)``; ``kernel``, ``recurrent_kernel`` and ``bias``
    in Keras 3 layout (gates i, f, c, o for "lstm", z, r, h for "gru" whose ``bias`` is
    ``(2, 3 * units)``; ``bias`` may be None); ``initial_state`` ``[h]`` or ``[h, c]``.
    Returns ``(last output, outputs (batch, time, units) in processing order, final
    states)``, with the gradients of the step-by-step loop, or None when the adapter
    has no such kernel (the caller then runs its composed loop: masks, dropout between
    steps and other activations always take that path).

    Example:
        >>> from polykeras import ops
        >>> out = rnn("simple_rnn", ops.ones((1, 2, 3)), [ops.zeros((1, 4))],
        ...           ops.ones((3, 4)), ops.zeros((4, 4)), None, False)
        >>> out is None or ops.shape(out[1]) == (1, 2, 4)
        True
    """
    if kind not in RNN_KINDS:
        raise ValueError(f"fused.rnn: unknown kind {kind!r}; expected one of {RNN_KINDS}.")
    fast = getattr(_backend(), "rnn", None)
    if fast is None:
        return None
    out = fast(kind, inputs, list(initial_state), kernel, recurrent_kernel, bias, go_backwards)
    return None if out is NotImplemented else out
