"""Control-flow ops (scan, fori_loop, while_loop, cond, switch, map, associative_scan,
vectorized_map): values against float64 NumPy loops, gradients against finite
differences, and compiled (``backend.jit``) against eager."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, sample, to_np, widen
from test_autodiff import GradCase, check_gradients

from polykeras import ops


def _t(x):
    return ops.convert_to_tensor(x)


# --------------------------------------------------------------------------- scan
def _rnn_ref(h, xs, w, reverse=False):
    ys = []
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for i in order:
        h = np.tanh(h @ w + xs[i])
        ys.append(h)
    if reverse:
        ys.reverse()
    return h, np.stack(ys)


def _rnn_ops(h, xs, w, reverse=False):
    return ops.scan(lambda c, x: (ops.tanh(ops.matmul(c, w) + x),) * 2, h, xs,
                    reverse=reverse)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_recurrence(reverse):
    h, xs, w = sample("any", (2, 3)), sample("any", (4, 2, 3), 1), sample("unit", (3, 3), 2)
    carry, ys = _rnn_ops(_t(h), _t(xs), _t(w), reverse)
    ref_h, ref_ys = _rnn_ref(widen(h), widen(xs), widen(w), reverse)
    assert_result(carry, ref_h, "float32")
    assert_result(ys, ref_ys, "float32")


def test_scan_nested_structures_length_and_none_outputs():
    xs = {"a": sample("any", (3, 2)), "b": (sample("any", (3,), 1),)}
    carry, ys = ops.scan(lambda c, x: ((c[0] + x["a"], c[1] * 2.0), {"y": x["b"][0]}),
                         (_t(np.zeros(2, "float32")), 1.0), {"a": _t(xs["a"]), "b": (_t(xs["b"][0]),)})
    assert_result(carry[0], widen(xs["a"]).sum(0), "float32")
    assert float(to_np(carry[1])) == 8.0
    assert_result(ys["y"], widen(xs["b"][0]), "float32")
    count, none = ops.scan(lambda c, x: (c + 1, None), 0, length=5)
    assert int(to_np(count)) == 5 and none is None


def test_scan_errors():
    with pytest.raises(ValueError, match="no `xs`"):
        ops.scan(lambda c, x: (c, x), 0.0)
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0.0, ops.ones((2,)), unroll=0)
    with pytest.raises(ValueError, match="leading axis"):
        ops.scan(lambda c, x: (c, x), 0.0, (ops.ones((2,)), ops.ones((3,))))
    with pytest.raises(TypeError, match="callable"):
        ops.scan(None, 0.0, ops.ones((2,)))


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_gradients(backend, reverse):
    def fn(h, xs, w):
        carry, ys = _rnn_ops(h, xs, w, reverse)
        return carry, ys

    def ref(h, xs, w):
        return _rnn_ref(h, xs, w, reverse)

    check_gradients(backend, GradCase("scan", fn, ref,
                                      [("any", (2, 3)), ("any", (4, 2, 3)), ("unit", (3, 3))]))


def test_scan_jit_matches_eager(backend):
    h, xs, w = _t(sample("any", (2, 3))), _t(sample("any", (5, 2, 3), 1)), _t(sample("unit", (3, 3), 2))

    def fn(h, xs, w):
        carry, ys = _rnn_ops(h, xs, w)
        return ops.sum(carry) + ops.sum(ys)

    np.testing.assert_allclose(to_np(backend.jit(fn)(h, xs, w)), to_np(fn(h, xs, w)),
                               rtol=1e-5, atol=1e-5)
    grad_fn = backend.value_and_grad(lambda p: fn(h, xs, p))
    eager = grad_fn(w)[1]
    compiled = backend.jit(grad_fn)(w)[1]
    np.testing.assert_allclose(to_np(compiled), to_np(eager), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------- loops, branches
def test_fori_loop_values_gradient_and_jit(backend):
    x = sample("any", (3,))

    def fn(x):
        return ops.fori_loop(0, 3, lambda i, v: v * x + 1.0, ops.zeros_like(x))

    def ref(x):
        v = np.zeros_like(x)
        for _ in range(3):
            v = v * x + 1.0
        return v

    assert_result(fn(_t(x)), ref(widen(x)), "float32")
    assert_result(backend.jit(fn)(_t(x)), ref(widen(x)), "float32")
    check_gradients(backend, GradCase("fori_loop", fn, ref, [("any", (3,))]))
    assert int(to_np(ops.fori_loop(2, 5, lambda i, v: v + i, 0))) == 9


def test_while_loop(backend):
    i, s = ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2.0), (0, 1.0))
    assert int(to_np(i)) == 4 and float(to_np(s)) == 16.0
    single = ops.while_loop(lambda v: ops.sum(v) < 10.0, lambda v: v + 1.0, ops.ones((2,)))
    assert to_np(single).tolist() == [5.0, 5.0]
    capped = ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)
    assert int(to_np(capped)) == 7

    def fn(x):
        return ops.while_loop(lambda v: ops.sum(v) < 20.0, lambda v: v * 2.0, x)

    x = _t(np.array([1.0, 2.0], "float32"))
    assert to_np(backend.jit(fn)(x)).tolist() == [8.0, 16.0]
    with pytest.raises(ValueError, match="loop variables"):
        ops.while_loop(lambda a, b: a < 1, lambda a, b: a + 1, (0, 0))


def test_cond_and_switch(backend):
    x = sample("any", (3,))

    def fn(x):
        return ops.cond(ops.sum(x) > 100.0, lambda: x * 2.0, lambda: ops.sin(x))

    assert_result(fn(_t(x)), np.sin(widen(x)), "float32")
    assert_result(backend.jit(fn)(_t(x)), np.sin(widen(x)), "float32")
    check_gradients(backend, GradCase("cond", fn, np.sin, [("any", (3,))]))
    branches = [lambda v: v + 1.0, lambda v: v * 10.0, lambda v: -v]
    for index, expected in [(0, 3.0), (1, 20.0), (2, -2.0), (7, -2.0), (-3, 3.0)]:
        assert float(to_np(ops.switch(index, branches, 2.0))) == expected
    jitted = backend.jit(lambda i, v: ops.switch(i, branches, v))
    assert float(to_np(jitted(_t(np.array(1, "int32")), _t(np.array(2.0, "float32"))))) == 20.0
    with pytest.raises(ValueError, match="empty"):
        ops.switch(0, [], 1.0)


def test_map_and_vectorized_map(backend):
    x = sample("any", (4, 3))
    ref = widen(x) @ np.ones((3, 2)) * 2.0

    def row(v):
        return ops.matmul(v, ops.ones((3, 2))) * 2.0

    assert_result(ops.map(row, _t(x)), ref, "float32")
    assert_result(ops.vectorized_map(row, _t(x)), ref, "float32")
    pair = ops.vectorized_map(lambda p: p[0] * p[1], (_t(x), _t(x)))
    assert_result(pair, widen(x) ** 2, "float32")
    check_gradients(backend, GradCase("map", lambda v: ops.map(ops.sin, v), np.sin,
                                      [("any", (3, 2))]))
    check_gradients(backend, GradCase("vectorized_map", lambda v: ops.vectorized_map(ops.sin, v),
                                      np.sin, [("any", (3, 2))]))


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("axis", [0, 1, -1], ids=["a0", "a1", "aneg"])
def test_associative_scan(reverse, axis):
    x = sample("any", (4, 5))
    ref = np.flip(np.cumsum(np.flip(widen(x), axis), axis), axis) if reverse \
        else np.cumsum(widen(x), axis)
    assert_result(ops.associative_scan(ops.add, _t(x), reverse=reverse, axis=axis), ref,
                  "float32")


def test_associative_scan_linear_recurrence_and_gradient(backend):
    # h_t = a_t * h_{t-1} + b_t as a scan of (a, b) pairs.
    def combine(p, q):
        return (p[0] * q[0], q[0] * p[1] + q[1])

    def fn(a, b):
        return ops.associative_scan(combine, (a, b))[1]

    def ref(a, b):
        h, out = np.zeros(a.shape[1:]), []
        for t in range(a.shape[0]):
            h = a[t] * h + b[t]
            out.append(h)
        return np.stack(out)

    a, b = sample("unit", (5, 2)), sample("any", (5, 2), 1)
    assert_result(fn(_t(a), _t(b)), ref(widen(a), widen(b)), "float32")
    check_gradients(backend, GradCase("associative_scan", fn, ref,
                                      [("unit", (5, 2)), ("any", (5, 2))]))
    with pytest.raises(ValueError, match="axis"):
        ops.associative_scan(ops.add, _t(a), axis=3)
