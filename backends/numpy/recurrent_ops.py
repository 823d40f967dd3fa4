"""The ``rnn`` fused kernel on NumPy: a whole SimpleRNN/LSTM/GRU recurrence as one
traced op with a hand-derived backward (backpropagation through time).

The composed loop records about fifteen tape nodes per step; this kernel records one
for the whole sequence. Its value packs the outputs with the final cell state, so the
frontend's slices of it stay differentiable; the backward pass walks the steps in
reverse with the activations saved by the forward pass. Conventions (Keras 3 weights,
gate orders, tanh/sigmoid) are those of :func:`polykeras.ops.fused.rnn`.

Example:
    >>> import numpy as np
    >>> x = np.ones((2, 3, 4), np.float32)
    >>> h = np.zeros((2, 5), np.float32)
    >>> w, u = np.ones((4, 20), np.float32) * 0.1, np.eye(5, 20, dtype=np.float32)
    >>> last, out, (h1, c1) = rnn("lstm", x, [h, h], w, u, None, False)
    >>> out.shape, c1.shape
    ((2, 3, 5), (2, 5))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autodiff import record
from .autodiff import zeros_like_shape as zeros
from .conversion import unwrap


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free logistic


def rnn(kind: str, inputs: Any, initial_state: list[Any], kernel: Any,
        recurrent_kernel: Any, bias: Any, go_backwards: bool) -> Any:
    """``(last, outputs, states)`` of the recurrence (see ``fused.rnn``)."""
    x, nx = unwrap(inputs)
    w, nw = unwrap(kernel)
    u, nu = unwrap(recurrent_kernel)
    b, nb = (None, None) if bias is None else unwrap(bias)
    states = [unwrap(s) for s in initial_state]
    if kind == "gru" and b is not None and b.ndim != 2:
        return NotImplemented  # reset_after=False: the composed loop runs it
    units = u.shape[0]
    if b is None:
        b = zeros((2, w.shape[1]) if kind == "gru" else (w.shape[1],), w)
    if go_backwards:
        x = x[:, ::-1]
    batch, steps, _ = x.shape
    xp = np.matmul(x, w) + (b[0] if kind == "gru" else b)
    h = states[0][0]
    c = states[1][0] if kind == "lstm" else None
    hs = []
    saved = []
    for t in range(steps):
        if kind == "lstm":
            z = xp[:, t] + h @ u
            i, f, o = (_sigmoid(z[:, k * units:(k + 1) * units]) for k in (0, 1, 3))
            g = np.tanh(z[:, 2 * units:3 * units])
            c_prev = c
            c = f * c + i * g
            tc = np.tanh(c)
            saved.append((h, c_prev, i, f, g, o, tc))
            h = o * tc
        elif kind == "gru":
            hp = h @ u + b[1]
            zr = _sigmoid(xp[:, t, : 2 * units] + hp[:, : 2 * units])
            zg, r = zr[:, :units], zr[:, units:]
            n = np.tanh(xp[:, t, 2 * units:] + r * hp[:, 2 * units:])
            saved.append((h, zg, r, n, hp[:, 2 * units:]))
            h = zg * h + (1.0 - zg) * n
        else:
            h_prev = h
            h = np.tanh(xp[:, t] + h @ u)
            saved.append((h_prev, h))
        hs.append(h)
    if kind == "lstm":
        hs.append(c)
    packed = np.stack(hs, axis=1)
    nodes = (nx, nw, nu, nb) + tuple(n for _, n in states)
    if all(n is None for n in nodes):
        result = packed
    else:
        def vjp(grad: np.ndarray) -> tuple[Any, ...]:
            return _backward(kind, grad, saved, x, w, u, b, steps, units, go_backwards,
                             nodes, bias is None)

        result = record(packed, nodes, vjp)
    from .indexing_ops import getitem

    outputs = getitem(result, (slice(None), slice(0, steps)))
    last = getitem(result, (slice(None), steps - 1))
    final = [last, getitem(result, (slice(None), steps))] if kind == "lstm" else [last]
    return last, outputs, final


def _backward(kind: str, grad: np.ndarray, saved: list[Any], x: np.ndarray, w: np.ndarray,
              u: np.ndarray, b: np.ndarray, steps: int, units: int, go_backwards: bool,
              nodes: tuple[Any, ...], no_bias: bool) -> tuple[Any, ...]:
    batch = grad.shape[0]
    dxps: list[Any] = []
    du = zeros(u.shape, grad)
    db_h = zeros((w.shape[1],), grad) if kind == "gru" else None
    dh_next = zeros((batch, units), grad)
    dc_next = grad[:, steps] if kind == "lstm" else None
    for t in range(steps - 1, -1, -1):
        dh = grad[:, t] + dh_next
        if kind == "lstm":
            h_prev, c_prev, i, f, g, o, tc = saved[t]
            dc = dc_next + dh * o * (1.0 - tc * tc)
            dz = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f),
                                 dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o)], axis=1)
            dc_next = dc * f
            du = du + h_prev.T @ dz
            dh_next = dz @ u.T
            dxps.append(dz)
        elif kind == "gru":
            h_prev, zg, r, n, hn = saved[t]
            dn = dh * (1.0 - zg) * (1.0 - n * n)
            dzg = dh * (h_prev - n) * zg * (1.0 - zg)
            dr = dn * hn * r * (1.0 - r)
            dxps.append(np.concatenate([dzg, dr, dn], axis=1))
            dhp = np.concatenate([dzg, dr, dn * r], axis=1)
            du = du + h_prev.T @ dhp
            db_h = db_h + dhp.sum(axis=0)
            dh_next = dh * zg + dhp @ u.T
        else:
            h_prev, h_new = saved[t]
            dpre = dh * (1.0 - h_new * h_new)
            du = du + h_prev.T @ dpre
            dh_next = dpre @ u.T
            dxps.append(dpre)
    nx, nw, nu, nb = nodes[:4]
    dxp = np.stack(dxps[::-1], axis=1)
    flat = dxp.reshape(-1, dxp.shape[-1])
    dx = None
    if nx is not None:
        dx = dxp @ w.T
        if go_backwards:
            dx = dx[:, ::-1]
    dw = x.reshape(-1, x.shape[-1]).T @ flat if nw is not None else None
    db = None
    if nb is not None and not no_bias:
        db = np.stack([flat.sum(axis=0), db_h]) if kind == "gru" else flat.sum(axis=0)
    state_grads: tuple[Any, ...] = (dh_next,) if kind != "lstm" else (dh_next, dc_next)
    return (dx, dw, du if nu is not None else None, db) + state_grads[: len(nodes) - 4]

