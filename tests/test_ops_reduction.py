"""Reductions, cumulative ops, arg-reductions, sorting and dtype promotion rules."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, logsumexp, sample, widen

from polykeras import ops

#: (axis, keepdims) combinations: None, positive, negative, tuple, negative tuple, empty tuple.
AXIS_CASES = [(None, False), (0, True), (-1, False), ((0, 2), True), ((-1, -3), False),
              ((), False)]
AXIS_IDS = ["none", "0_keep", "neg1", "t0_2_keep", "tneg", "tempty"]

FLOAT_REDUCTIONS = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "var": np.var,
    "std": np.std,
    "logsumexp": logsumexp,
}


def _t(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


@pytest.mark.parametrize("axis,keepdims", AXIS_CASES, ids=AXIS_IDS)
@pytest.mark.parametrize("name", list(FLOAT_REDUCTIONS))
def test_float_reduction(name, axis, keepdims):
    x = sample("distinct", (2, 3, 4)) * 0.2
    expected = FLOAT_REDUCTIONS[name](widen(x), axis=axis, keepdims=keepdims)
    assert_result(getattr(ops, name)(_t(x), axis=axis, keepdims=keepdims), expected, "float32")


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "any", "all"])
def test_reduction_over_empty_axis(name):
    x = np.zeros((0, 3), dtype="float32" if name not in ("any", "all") else "bool")
    if name in ("max", "min"):
        x = np.zeros((2, 0), dtype="float32")
        expected = getattr(np, name)(x, axis=0)
        assert_result(getattr(ops, name)(_t(x), axis=0), expected, "float32")
        return
    ref = {"sum": np.sum, "prod": np.prod, "any": np.any, "all": np.all}[name]
    dtype = "bool" if name in ("any", "all") else "float32"
    assert_result(getattr(ops, name)(_t(x), axis=0), ref(x, axis=0), dtype)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (-1, False), ((0, 1), True)],
                         ids=["none", "0_keep", "neg1", "t0_1_keep"])
@pytest.mark.parametrize("name", ["any", "all"])
def test_boolean_reduction(name, axis, keepdims):
    x = np.array([[True, False, True], [True, True, True]])
    ref = getattr(np, name)
    assert_result(getattr(ops, name)(_t(x), axis=axis, keepdims=keepdims),
                  ref(x, axis=axis, keepdims=keepdims), "bool")
    f = np.array([[0.0, 1.0, 2.0], [3.0, 0.5, 1.0]], dtype="float32")
    assert_result(getattr(ops, name)(_t(f), axis=axis, keepdims=keepdims),
                  ref(f, axis=axis, keepdims=keepdims), "bool")


@pytest.mark.parametrize("name,dtype", [
    ("sum", "int32"), ("prod", "int32"), ("max", "int32"), ("min", "int32"),
    ("mean", "float32"), ("var", "float32"), ("std", "float32"),
])
def test_int_reduction_dtypes(name, dtype):
    x = np.array([[1, 2, 3], [4, -5, 6]], dtype="int32")
    expected = getattr(np, name)(x.astype(np.float64), axis=1)
    assert_result(getattr(ops, name)(_t(x), axis=1), expected, dtype)


def test_sum_of_bool_counts():
    x = np.array([[True, False, True], [True, True, True]])
    result = ops.sum(_t(x), axis=1)
    assert ops.dtype(result) == "int32"
    assert_result(result, np.array([2, 3]), "int32")


@pytest.mark.parametrize("name", ["sum", "mean", "max", "logsumexp"])
def test_reduction_of_scalar_and_size1(name):
    ref = FLOAT_REDUCTIONS[name]
    x = np.array(1.5, dtype="float32")
    assert_result(getattr(ops, name)(_t(x)), ref(widen(x)), "float32")
    y = sample("any", (1, 3, 1))
    assert_result(getattr(ops, name)(_t(y), axis=(0, 2)), ref(widen(y), axis=(0, 2)), "float32")


def test_float16_sum_and_mean_stay_float16():
    x = sample("any", (4, 5), dtype="float16")
    assert_result(ops.sum(_t(x), axis=1), np.sum(widen(x), axis=1), "float16", rtol=1e-2, atol=1e-2)
    assert_result(ops.mean(_t(x)), np.mean(widen(x)), "float16")


# ------------------------------------------------------------------- cumulative
@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=["none", "0", "1", "neg1"])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative(name, axis):
    x = sample("any", (3, 4)) * 0.5 + 1.0
    expected = getattr(np, name)(widen(x), axis=axis)
    assert_result(getattr(ops, name)(_t(x), axis=axis), expected, "float32")


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_int_keeps_int32(name):
    x = np.array([[1, 2, 3], [-1, 2, -2]], dtype="int32")
    assert_result(getattr(ops, name)(_t(x), axis=1), getattr(np, name)(x, axis=1), "int32")


# ------------------------------------------------------------------- arg / sort
@pytest.mark.parametrize("axis,keepdims", [(None, False), (None, True), (0, True), (1, False),
                                           (-1, False)],
                         ids=["none", "none_keep", "0_keep", "1", "neg1"])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, axis, keepdims):
    x = sample("distinct", (3, 4, 2))
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert_result(getattr(ops, name)(_t(x), axis=axis, keepdims=keepdims), expected, "int32")


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reduction_ties_pick_first(name):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [0.0, 0.0, 2.0, 2.0]], dtype="float32")
    assert_result(getattr(ops, name)(_t(x), axis=1), getattr(np, name)(x, axis=1), "int32")
    i = np.array([4, 1, 4, 1], dtype="int32")
    assert_result(getattr(ops, name)(_t(i)), getattr(np, name)(i), "int32")


@pytest.mark.parametrize("axis", [-1, 0, 1], ids=["neg1", "0", "1"])
def test_sort_and_argsort(axis):
    x = sample("distinct", (3, 4))
    assert_result(ops.sort(_t(x), axis=axis), np.sort(widen(x), axis=axis), "float32")
    assert_result(ops.argsort(_t(x), axis=axis), np.argsort(x, axis=axis), "int32")


def test_sort_defaults_to_last_axis_and_argsort_is_stable():
    x = np.array([[3.0, 1.0, 3.0, 1.0, 2.0], [0.0, 0.0, 0.0, -1.0, 0.0]], dtype="float32")
    assert_result(ops.argsort(_t(x)), np.argsort(x, axis=-1, kind="stable"), "int32")
    assert_result(ops.sort(_t(x)), np.sort(widen(x), axis=-1), "float32")
    i = np.array([2, 1, 2, 1, 0], dtype="int32")
    assert_result(ops.sort(_t(i)), np.sort(i), "int32")
    assert_result(ops.argsort(_t(i)), np.argsort(i, kind="stable"), "int32")


@pytest.mark.parametrize("k", [1, 3])
def test_top_k(k):
    x = sample("distinct", (2, 5))
    values, indices = ops.top_k(_t(x), k)
    order = np.argsort(-x, axis=-1)[:, :k]
    assert_result(indices, order, "int32")
    assert_result(values, np.take_along_axis(widen(x), order, axis=-1), "float32")
    v3, _ = ops.top_k(_t(sample("distinct", (2, 3, 4))), k, sorted=True)
    assert tuple(ops.shape(v3)) == (2, 3, k)


def test_top_k_unsorted_returns_the_same_set():
    x = sample("distinct", (3, 6))
    values, indices = ops.top_k(_t(x), 3, sorted=False)
    expected = np.sort(np.argsort(-x, axis=-1)[:, :3], axis=-1)
    got = np.sort(np.asarray(ops.convert_to_numpy(indices)), axis=-1)
    np.testing.assert_array_equal(got, expected)
    assert ops.dtype(indices) == "int32" and ops.dtype(values) == "float32"
