"""Sequence ops: dot_product_attention, segment_sum/segment_max, in_top_k, ctc_loss and
ctc_decode against float64 NumPy references (CTC by enumerating every alignment),
gradients against finite differences, compiled against eager."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from reference import assert_result, sample, to_np, widen
from test_autodiff import GradCase, check_gradients

from polykeras import ops


def _t(x):
    return ops.convert_to_tensor(x)


# ---------------------------------------------------------------------- attention
def _attention_ref(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    n, kh = q.shape[2], k.shape[2]
    k, v = np.repeat(k, n // kh, axis=2), np.repeat(v, n // kh, axis=2)
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if is_causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


_MASK = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], bool)[:, None, None, :]

ATTENTION_CASES = [
    ("plain", {}, 2),
    ("causal", {"is_causal": True}, 2),
    ("mask", {"mask": _MASK}, 2),
    ("mask_causal_scale", {"mask": _MASK, "is_causal": True, "scale": 0.3}, 2),
    ("bias", {"bias": "bias"}, 2),
    ("grouped", {}, 1),
]


@pytest.mark.parametrize("kwargs,kv_heads", [(k, h) for _, k, h in ATTENTION_CASES],
                         ids=[c for c, _, _ in ATTENTION_CASES])
def test_dot_product_attention(backend, kwargs, kv_heads):
    q, k, v = (sample("any", s, i) for i, s in
               enumerate([(2, 4, 2, 3), (2, 4, kv_heads, 3), (2, 4, kv_heads, 3)]))
    kwargs = dict(kwargs)
    if kwargs.get("bias") == "bias":
        kwargs["bias"] = sample("any", (1, 2, 4, 4), 9)
    ref_kwargs = {n: widen(a) if n == "bias" else a for n, a in kwargs.items()}
    expected = _attention_ref(widen(q), widen(k), widen(v), **ref_kwargs)
    got = ops.dot_product_attention(_t(q), _t(k), _t(v), **kwargs)
    assert_result(got, expected, "float32")
    jitted = backend.jit(lambda a, b, c: ops.dot_product_attention(a, b, c, **kwargs))
    np.testing.assert_allclose(to_np(jitted(_t(q), _t(k), _t(v))), to_np(got), rtol=1e-5,
                               atol=1e-6)

    def fn(a, b, c):
        return ops.dot_product_attention(a, b, c, **kwargs)

    def ref(a, b, c):
        return _attention_ref(a, b, c, **ref_kwargs)

    check_gradients(backend, GradCase("attention", fn, ref, [q, k, v]))


def test_dot_product_attention_soft_cap():
    q = sample("any", (1, 3, 1, 2)) * 4
    got = ops.dot_product_attention(_t(q), _t(q), _t(q), scale=1.0, attn_logits_soft_cap=2.0)
    logits = np.einsum("btnh,bsnh->bnts", widen(q), widen(q))
    logits = 2.0 * np.tanh(logits / 2.0)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    assert_result(got, np.einsum("bnts,bsnh->btnh", p, widen(q)), "float32")


def test_dot_product_attention_errors():
    with pytest.raises(ValueError, match="4-D"):
        ops.dot_product_attention(ops.ones((2, 3, 4)), ops.ones((2, 3, 4)), ops.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="multiple"):
        ops.dot_product_attention(ops.ones((1, 2, 3, 4)), ops.ones((1, 2, 2, 4)),
                                  ops.ones((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="same batch"):
        ops.dot_product_attention(ops.ones((1, 2, 2, 4)), ops.ones((1, 3, 2, 4)),
                                  ops.ones((1, 2, 2, 4)))


# ------------------------------------------------------------------------ segments
IDS = np.array([0, 2, 0, 1, 2, 2], "int32")


def _segment_ref(data, ids, n, reduce):
    out = np.full((n,) + data.shape[1:], -np.inf if reduce is np.max else 0.0)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


@pytest.mark.parametrize("name,reduce", [("segment_sum", np.sum), ("segment_max", np.max)],
                         ids=["sum", "max"])
def test_segment_reductions(backend, name, reduce):
    op = getattr(ops, name)
    data = sample("distinct", (6, 2))
    assert_result(op(_t(data), _t(IDS)), _segment_ref(widen(data), IDS, 3, reduce), "float32")
    got = op(_t(data), _t(IDS), num_segments=4)
    assert_result(got, _segment_ref(widen(data), IDS, 4, reduce), "float32")
    jitted = backend.jit(lambda d, i: op(d, i, num_segments=3))
    assert_result(jitted(_t(data), _t(IDS)), _segment_ref(widen(data), IDS, 3, reduce),
                  "float32")
    check_gradients(backend, GradCase(name, lambda d: op(d, _t(IDS), num_segments=3),
                                      lambda d: _segment_ref(d, IDS, 3, reduce),
                                      [("distinct", (6, 2))]))
    with pytest.raises(ValueError, match="one id per row"):
        op(_t(data), _t(IDS[:4]))


def test_in_top_k():
    pred = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05]], "float32")
    for k, expected in [(1, [True, False, False]), (2, [True, True, True]),
                        (3, [True, True, True])]:
        got = ops.in_top_k(_t(np.array([1, 0, 2], "int32")), _t(pred), k)
        assert to_np(got).tolist() == expected
    with pytest.raises(ValueError, match="targets of shape"):
        ops.in_top_k(_t(np.array([1], "int32")), _t(pred), 1)


# ------------------------------------------------------------------------------ CTC
def _collapse(path, blank):
    out = []
    prev = None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return tuple(out)


def _ctc_ref(labels, logits, label_len, out_len, blank=0):
    losses = []
    for b in range(logits.shape[0]):
        x = logits[b, : out_len[b]]
        logp = x - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - x.max(-1, keepdims=True)
        target = tuple(labels[b, : label_len[b]])
        total = 0.0
        for path in itertools.product(range(x.shape[1]), repeat=x.shape[0]):
            if _collapse(path, blank) == target:
                total += np.exp(sum(logp[t, c] for t, c in enumerate(path)))
        losses.append(-np.log(total))
    return np.array(losses)


CTC_LABELS = np.array([[1, 2], [1, 1], [2, 0]], "int32")
CTC_LABEL_LEN = np.array([2, 2, 1], "int32")
CTC_OUT_LEN = np.array([5, 5, 3], "int32")


def test_ctc_loss_matches_enumeration(backend):
    logits = sample("any", (3, 5, 3))
    expected = _ctc_ref(CTC_LABELS, widen(logits), CTC_LABEL_LEN, CTC_OUT_LEN)

    def fn(x):
        return ops.ctc_loss(_t(CTC_LABELS), x, _t(CTC_LABEL_LEN), _t(CTC_OUT_LEN))

    assert_result(fn(_t(logits)), expected, "float32")
    assert_result(backend.jit(fn)(_t(logits)), expected, "float32")
    check_gradients(backend, GradCase(
        "ctc_loss", fn, lambda x: _ctc_ref(CTC_LABELS, x, CTC_LABEL_LEN, CTC_OUT_LEN),
        [("any", (3, 5, 3))]))


def test_ctc_loss_blank_index_and_errors():
    logits = sample("any", (1, 4, 3))
    labels = np.array([[0, 1]], "int32")
    got = ops.ctc_loss(_t(labels), _t(logits), _t(np.array([2])), _t(np.array([4])),
                       mask_index=2)
    expected = _ctc_ref(labels, widen(logits), [2], [4], blank=2)
    assert_result(got, expected, "float32")
    with pytest.raises(ValueError, match="ctc_loss expects"):
        ops.ctc_loss(_t(labels), _t(logits[0]), [2], [4])


def test_ctc_decode_greedy_and_beam_search():
    probs = np.array([[[.1, .6, .3], [.1, .6, .3], [.8, .1, .1], [.1, .2, .7], [.5, .1, .4]],
                      [[.1, .1, .8], [.9, .05, .05], [.1, .1, .8], [.7, .2, .1],
                       [.1, .8, .1]]], "float32")
    logits = np.log(probs)
    decoded, scores = ops.ctc_decode(_t(logits), _t(np.array([5, 4], "int32")))
    assert to_np(decoded).tolist() == [[[1, 2, -1, -1, -1], [2, 2, -1, -1, -1]]]
    expected_scores = [-np.log(probs[0].max(-1)).sum() * -1, -np.log(probs[1, :4].max(-1)).sum() * -1]
    np.testing.assert_allclose(to_np(scores)[:, 0], [-s for s in expected_scores], rtol=1e-5)
    no_merge, _ = ops.ctc_decode(_t(logits), _t(np.array([5, 4], "int32")),
                                 merge_repeated=False)
    assert to_np(no_merge)[0, 0].tolist() == [1, 1, 2, -1, -1]
    paths, beam_scores = ops.ctc_decode(_t(logits), _t(np.array([5, 5], "int32")),
                                        strategy="beam_search", beam_width=50, top_paths=2)
    assert to_np(paths).shape == (2, 2, 5)
    # Exact best labelling by summing every alignment of each candidate.
    for b in range(2):
        totals: dict[tuple, float] = {}
        for path in itertools.product(range(3), repeat=5):
            key = _collapse(path, 0)
            totals[key] = totals.get(key, 0.0) + float(np.prod(probs[b, range(5), path]))
        best = max(totals, key=totals.get)
        row = [c for c in to_np(paths)[0, b].tolist() if c >= 0]
        assert tuple(row) == best
        np.testing.assert_allclose(to_np(beam_scores)[b, 0], np.log(totals[best]), rtol=1e-4)
    with pytest.raises(ValueError, match="strategy"):
        ops.ctc_decode(_t(logits), _t(np.array([5, 5])), strategy="best")


def test_dot_product_attention_fully_masked_row_averages_values():
    """Adapters' fused kernels (torch sdpa, jax.nn) agree with the composed op even where
    a query may attend to nothing: the row averages the values, never NaN."""
    q, v = sample("any", (1, 2, 1, 3)), sample("any", (1, 4, 1, 3), 1)
    mask = np.array([[True, True, False, False], [False] * 4])[None, None]
    got = to_np(ops.dot_product_attention(_t(q), _t(v), _t(v), mask=_t(mask), is_causal=True))
    np.testing.assert_allclose(got[0, 1, 0], widen(v)[0, :, 0].mean(0), rtol=1e-5, atol=1e-6)
    assert np.isfinite(got).all()
