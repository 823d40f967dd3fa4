"""Sequence ops: ``dot_product_attention``, ``segment_sum``/``segment_max``,
``in_top_k``, ``ctc_loss`` and ``ctc_decode``, with ``keras.ops`` semantics.

Each is composed from :mod:`polykeras.ops` primitives (so every backend differentiates
it); an adapter with a better kernel of the same name (``dot_product_attention`` on
jax and torch) is used instead.

Example:
    >>> from polykeras import ops
    >>> q = ops.ones((1, 2, 1, 4))
    >>> ops.shape(ops.dot_product_attention(q, q, q, is_causal=True))
    (1, 2, 1, 4)
"""

from __future__ import annotations

import math as _pymath
from typing import Any

import numpy as np

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops.core import as_float_tensor, as_tensor

__all__ = [
    "dot_product_attention", "segment_sum", "segment_max", "in_top_k", "ctc_loss",
    "ctc_decode",
]

#: Log-probability of impossible CTC paths: finite, so gradients stay finite.
_LOG_ZERO = -1e30


def _large_negative(dtype: str) -> float:
    return -0.7 * float(np.finfo(np.dtype(dtype if dtype != "bfloat16" else "float32")).max)


# ------------------------------------------------------------------------- attention
def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None,
                          mask: Any = None, scale: float | None = None,
                          is_causal: bool = False, flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None) -> Tensor:
    """Scaled dot-product attention on ``(batch, length, heads, head_dim)`` tensors.

    ``softmax(scale * q k^T + bias)`` over the key axis, masked where ``mask`` (a bool
    tensor broadcastable to ``(batch, heads, q_len, k_len)``) is False and, with
    ``is_causal``, above the diagonal; then the weighted sum of ``value``. ``key`` and
    ``value`` may have fewer heads than ``query`` (grouped-query attention) when they
    divide its head count. ``scale`` defaults to ``1 / sqrt(head_dim)``.

    Example:
        >>> from polykeras import ops
        >>> q = ops.ones((2, 3, 4, 8)); kv = ops.ones((2, 5, 2, 8))
        >>> ops.shape(ops.dot_product_attention(q, kv, kv))
        (2, 3, 4, 8)
    """
    if flash_attention:
        raise ValueError(
            "dot_product_attention: flash_attention=True is not supported by polykeras. "
            "Pass flash_attention=None or False."
        )
    b = _backend()
    q, k, v = (as_float_tensor(b, t) for t in (query, key, value))
    qs, ks, vs = b.shape(q), b.shape(k), b.shape(v)
    if len(qs) != 4 or len(ks) != 4 or len(vs) != 4:
        raise ValueError(
            "dot_product_attention expects 4-D query, key and value (batch, length, heads, "
            f"head_dim), received shapes {qs}, {ks} and {vs}."
        )
    if ks[:3] != vs[:3] or qs[-1] != ks[-1] or qs[0] != ks[0]:
        raise ValueError(
            "dot_product_attention: key and value need the same batch, length and heads, "
            f"and query and key the same batch and head_dim; received query {qs}, key {ks}, "
            f"value {vs}."
        )
    if qs[2] % ks[2]:
        raise ValueError(
            f"dot_product_attention: query has {qs[2]} heads, not a multiple of the "
            f"{ks[2]} heads of key and value."
        )
    if scale is None:
        scale = 1.0 / _pymath.sqrt(qs[-1])
    if mask is not None:
        mask = as_tensor(b, mask)
        if b.dtype(mask) != "bool":
            mask = b.cast(mask, "bool")
    if bias is not None:
        bias = as_float_tensor(b, bias)
    fast = getattr(b, "dot_product_attention", None)
    if fast is not None:
        out = fast(q, k, v, bias, mask, float(scale), bool(is_causal), attn_logits_soft_cap)
        if out is not NotImplemented:
            return out
    if qs[2] != ks[2]:
        k = b.repeat(k, qs[2] // ks[2], 2)
        v = b.repeat(v, qs[2] // ks[2], 2)
    logits = b.multiply(b.matmul(b.transpose(q, (0, 2, 1, 3)), b.transpose(k, (0, 2, 3, 1))),
                        float(scale))
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = b.multiply(b.tanh(b.divide(logits, cap)), cap)
    if bias is not None:
        logits = b.add(logits, bias)
    combined = mask
    if is_causal:
        t, s = qs[1], ks[1]
        causal = b.convert_to_tensor(np.tril(np.ones((t, s), dtype=bool)))
        combined = causal if combined is None else b.logical_and(combined, causal)
    if combined is not None:
        logits = b.where(combined, logits, _large_negative(b.dtype(logits)))
    from polykeras.ops.nn import softmax

    out = b.matmul(softmax(logits, axis=-1), b.transpose(v, (0, 2, 1, 3)))
    return b.transpose(out, (0, 2, 1, 3))


# ------------------------------------------------------------------------ segments
def _num_segments(b: Any, ids: Any, num_segments: Any, op: str) -> int:
    if num_segments is not None:
        return int(num_segments)
    try:
        values = np.asarray(b.convert_to_numpy(ids))
    except Exception as exc:  # a traced value inside a compiled function
        raise ValueError(
            f"{op}: num_segments=None needs concrete segment_ids; inside a compiled "
            "function pass num_segments explicitly."
        ) from exc
    return int(values.max()) + 1 if values.size else 0


def _segment_onehot(b: Any, data: Any, segment_ids: Any, num_segments: Any,
                    op: str) -> tuple[Any, Any, int]:
    data = as_tensor(b, data)
    ids = as_tensor(b, segment_ids)
    if "int" not in b.dtype(ids):
        raise ValueError(f"{op}: segment_ids must be integers, received {b.dtype(ids)}.")
    ds, ishape = b.shape(data), b.shape(ids)
    if len(ishape) != 1 or not ds or ds[0] != ishape[0]:
        raise ValueError(
            f"{op}: segment_ids must be 1-D with one id per row of data; received data "
            f"of shape {ds} and segment_ids of shape {ishape}."
        )
    n = _num_segments(b, ids, num_segments, op)
    onehot = b.equal(b.expand_dims(ids, 0), b.expand_dims(b.arange(0, n, 1, b.dtype(ids)), 1))
    return data, onehot, n


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> Tensor:
    """Sums of the rows of ``data`` that share a segment id: ``out[s] = sum(data[i]
    for i with segment_ids[i] == s)``; ids outside ``[0, num_segments)`` are dropped.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.segment_sum(ops.arange(4.0), [0, 0, 1, 1])).tolist()
        [1.0, 5.0]
    """
    b = _backend()
    data, onehot, n = _segment_onehot(b, data, segment_ids, num_segments, "segment_sum")
    weights = b.cast(onehot, b.dtype(data))
    rest = b.shape(data)[1:]
    flat = b.reshape(data, (b.shape(data)[0], int(np.prod(rest))))
    return b.reshape(b.matmul(weights, flat), (n,) + tuple(rest))


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> Tensor:
    """Maxima of the rows of ``data`` that share a segment id (``-inf``, or the
    smallest integer, for empty segments).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.segment_max([1.0, 5.0, 2.0], [0, 0, 1])).tolist()
        [5.0, 2.0]
    """
    b = _backend()
    data, onehot, n = _segment_onehot(b, data, segment_ids, num_segments, "segment_max")
    dtype = b.dtype(data)
    lowest = float("-inf") if "float" in dtype else int(np.iinfo(np.dtype(dtype)).min)
    rest = b.shape(data)[1:]
    sel = b.reshape(onehot, (n, b.shape(data)[0]) + (1,) * len(rest))
    return b.max(b.where(sel, b.expand_dims(data, 0), lowest), axis=1, keepdims=False)


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """Whether each target class is among the ``k`` largest predictions of its row
    (ties at the boundary count as in, as ``tf.math.in_top_k``).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.in_top_k([0, 2], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], 2)).tolist()
        [True, False]
    """
    b = _backend()
    pred = as_float_tensor(b, predictions)
    tgt = as_tensor(b, targets)
    ps, ts = b.shape(pred), b.shape(tgt)
    if len(ps) != 2 or len(ts) != 1 or ps[0] != ts[0]:
        raise ValueError(
            "in_top_k expects targets of shape (batch,) and predictions of shape (batch, "
            f"classes); received {ts} and {ps}."
        )
    if "int" not in b.dtype(tgt):
        tgt = b.cast(tgt, "int32")
    score = b.take_along_axis(pred, b.expand_dims(tgt, 1), 1)
    better = b.sum(b.cast(b.greater(pred, score), "int32"), axis=1, keepdims=False)
    return b.less(better, int(k))


# ------------------------------------------------------------------------------ CTC
def _logaddexp3(b: Any, x: Any, y: Any, z: Any) -> Tensor:
    m = b.stop_gradient(b.maximum(b.maximum(x, y), z))
    total = b.add(b.add(b.exp(b.subtract(x, m)), b.exp(b.subtract(y, m))),
                  b.exp(b.subtract(z, m)))
    return b.add(m, b.log(total))


def ctc_loss(target: Any, output: Any, target_length: Any, output_length: Any,
             mask_index: int = 0) -> Tensor:
    """Connectionist temporal classification loss, one value per batch entry.

    Args:
        target: ``(batch, max_label_length)`` integer labels (padding past
            ``target_length`` is ignored).
        output: ``(batch, max_length, num_classes)`` logits.
        target_length, output_length: ``(batch,)`` valid lengths.
        mask_index: the class used as the CTC blank.

    Returns:
        ``(batch,)``: ``-log p(target | output)``.

    Example:
        >>> from polykeras import ops
        >>> loss = ops.ctc_loss([[1]], ops.zeros((1, 2, 2)), [1], [2])
        >>> round(float(ops.convert_to_numpy(loss)[0]), 4)  # -log(3/4)
        0.2877
    """
    from polykeras.ops.control_flow import scan
    from polykeras.ops.nn import log_softmax

    b = _backend()
    out = as_float_tensor(b, output)
    tgt = as_tensor(b, target)
    if "int" not in b.dtype(tgt):
        tgt = b.cast(tgt, "int32")
    tgt = b.cast(tgt, "int32")
    os_, ts = b.shape(out), b.shape(tgt)
    if len(os_) != 3 or len(ts) != 2 or os_[0] != ts[0]:
        raise ValueError(
            "ctc_loss expects target of shape (batch, max_label_length) and output of "
            f"shape (batch, max_length, num_classes); received {ts} and {os_}."
        )
    batch, steps, _ = os_
    labels = ts[1]
    ext_len = 2 * labels + 1
    dtype = b.dtype(out)
    log_probs = log_softmax(out, axis=-1)
    # Extended label sequence: blank, l1, blank, l2, ..., blank.
    blanks = b.full((batch, labels), int(mask_index), "int32")
    ext = b.reshape(b.stack([blanks, tgt], 2), (batch, 2 * labels))
    ext = b.concatenate([ext, b.full((batch, 1), int(mask_index), "int32")], 1)
    ext_t = b.broadcast_to(b.expand_dims(ext, 1), (batch, steps, ext_len))
    emit = b.transpose(b.take_along_axis(log_probs, ext_t, 2), (1, 0, 2))  # (T, B, S)
    positions = np.arange(ext_len)
    ext_np_two_back = b.concatenate([b.full((batch, 2), -1, "int32"), ext[:, :-2]], 1)
    skip = b.logical_and(
        b.convert_to_tensor((positions % 2 == 1) & (positions >= 2)),
        b.not_equal(ext, ext_np_two_back))
    neg = b.full((batch, ext_len), _LOG_ZERO, dtype)
    start = b.convert_to_tensor(positions < 2)
    alpha0 = b.where(start, b.getitem(emit, 0), neg)
    out_len = b.cast(as_tensor(b, output_length), "int32")
    neg1 = b.full((batch, 1), _LOG_ZERO, dtype)
    neg2 = b.full((batch, 2), _LOG_ZERO, dtype)

    def step(alpha: Any, xs: Any) -> Any:
        e, t = xs
        one = b.concatenate([neg1, alpha[:, :-1]], 1)
        two = b.where(skip, b.concatenate([neg2, alpha[:, :-2]], 1), neg)
        new = b.add(_logaddexp3(b, alpha, one, two), e)
        keep = b.expand_dims(b.less(t, out_len), 1)
        return b.where(keep, new, alpha), None

    if steps > 1:
        times = b.arange(1, steps, 1, "int32")
        alpha, _ = scan(step, alpha0, (b.getitem(emit, slice(1, None)), times))
    else:
        alpha = alpha0
    tl = b.cast(as_tensor(b, target_length), "int32")
    last = b.take_along_axis(alpha, b.expand_dims(b.multiply(tl, 2), 1), 1)
    before = b.take_along_axis(
        alpha, b.expand_dims(b.maximum(b.subtract(b.multiply(tl, 2), 1), 0), 1), 1)
    before = b.where(b.expand_dims(b.greater(tl, 0), 1), before, _LOG_ZERO)
    m = b.stop_gradient(b.maximum(last, before))
    ll = b.add(m, b.log(b.add(b.exp(b.subtract(last, m)), b.exp(b.subtract(before, m)))))
    return b.negative(b.squeeze(ll, 1))


def ctc_decode(inputs: Any, sequence_lengths: Any, strategy: str = "greedy",
               beam_width: int = 100, top_paths: int = 1, merge_repeated: bool = True,
               mask_index: int = 0) -> tuple[Tensor, Tensor]:
    """Decode CTC outputs ``(batch, max_length, num_classes)``.

    Returns ``(decoded, log_probabilities)``: ``decoded`` is ``(top_paths, batch,
    max_length)`` int32 labels padded with -1, ``log_probabilities`` ``(batch,
    top_paths)``. ``strategy="greedy"`` takes the best class per step (its score is
    minus the sum of those maxima, as Keras); ``"beam_search"`` runs a prefix beam
    search on the host over ``log_softmax(inputs)`` (eager only).

    Example:
        >>> from polykeras import ops
        >>> x = ops.log(ops.convert_to_tensor([[[.1, .9], [.1, .9], [.9, .1], [.1, .9]]]))
        >>> ops.convert_to_numpy(ops.ctc_decode(x, [4])[0]).tolist()
        [[[1, 1, -1, -1]]]
    """
    b = _backend()
    x = as_float_tensor(b, inputs)
    if len(b.shape(x)) != 3:
        raise ValueError(
            "ctc_decode expects inputs of shape (batch, max_length, num_classes), "
            f"received {b.shape(x)}."
        )
    lengths = b.cast(as_tensor(b, sequence_lengths), "int32")
    if strategy == "greedy":
        return _greedy_decode(b, x, lengths, merge_repeated, int(mask_index))
    if strategy == "beam_search":
        from polykeras.ops.ctc_beam import beam_search_decode

        return beam_search_decode(b, x, lengths, int(beam_width), int(top_paths),
                                  int(mask_index))
    raise ValueError(
        f"ctc_decode: invalid strategy {strategy!r}. Expected 'greedy' or 'beam_search'."
    )


def _greedy_decode(b: Any, x: Any, lengths: Any, merge_repeated: bool,
                   mask_index: int) -> tuple[Tensor, Tensor]:
    batch, steps, _ = b.shape(x)
    best = b.argmax(x, -1, False)
    scores = b.max(x, axis=-1, keepdims=False)
    pad = b.greater_equal(b.expand_dims(b.arange(0, steps, 1, "int32"), 0),
                          b.expand_dims(lengths, 1))
    best = b.where(pad, mask_index, best)
    scores = b.where(pad, 0.0, scores)
    if merge_repeated and steps > 1:
        repeat = b.equal(best[:, 1:], best[:, :-1])
        repeat = b.concatenate([b.zeros((batch, 1), "bool"), repeat], 1)
        best = b.where(repeat, mask_index, best)
    invalid = b.equal(best, mask_index)
    best = b.where(invalid, -1, best)
    order = b.where(invalid, steps, b.expand_dims(b.arange(0, steps, 1, "int32"), 0))
    best = b.take_along_axis(best, b.argsort(order, -1), 1)
    log_probs = b.expand_dims(b.negative(b.sum(scores, axis=1, keepdims=False)), 1)
    return b.expand_dims(b.cast(best, "int32"), 0), log_probs
