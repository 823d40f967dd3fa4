"""Gather/scatter style ops: take, take_along_axis, scatter, one_hot."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, one_hot, sample, scatter, widen

from polykeras import ops


def _t(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


TAKE_CASES = [
    ("none_flat", np.array([0, 5, 11, 5]), None),
    ("axis0", np.array([2, 0, 2]), 0),
    ("axis1_2d_indices", np.array([[1, 0], [3, 3]]), 1),
    ("axis_neg", np.array([3, 1]), -1),
    ("scalar_index", np.array(1), 0),
    ("empty_indices", np.zeros((0,), dtype="int32"), 1),
]


@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
@pytest.mark.parametrize("indices,axis", [(i, a) for _, i, a in TAKE_CASES],
                         ids=[c for c, _, _ in TAKE_CASES])
def test_take(backend, indices, axis, index_dtype):
    if index_dtype == "int64" and not backend.supports("float64"):
        pytest.skip(f"backend {backend.name!r} has no 64-bit dtypes (no float64 capability)")
    x = sample("any", (3, 4))
    expected = np.take(widen(x), indices, axis=axis)
    assert_result(ops.take(_t(x), _t(indices.astype(index_dtype)), axis=axis), expected, "float32")


def test_take_with_numpy_and_list_indices():
    x = sample("any", (5, 2))
    assert_result(ops.take(_t(x), [4, 0], axis=0), widen(x)[[4, 0]], "float32")
    assert_result(ops.take(_t(x), np.array([1, 1]), axis=0), widen(x)[[1, 1]], "float32")


def test_take_int_table_keeps_dtype():
    table = np.arange(12, dtype="int32").reshape(4, 3)
    assert_result(ops.take(_t(table), _t(np.array([3, 0], "int32")), axis=0), table[[3, 0]],
                  "int32")


@pytest.mark.parametrize("axis", [0, 1, -1, None], ids=["0", "1", "neg1", "none"])
def test_take_along_axis(axis):
    x = sample("distinct", (3, 4))
    if axis is None:
        idx = np.array([11, 0, 3, 3], dtype="int32")
    elif axis == 0:
        idx = np.array([[2, 0, 1, 1], [0, 0, 2, 1]], dtype="int32")
    else:
        idx = np.array([[3, 0], [1, 1], [0, 2]], dtype="int32")
    expected = np.take_along_axis(widen(x), idx, axis=axis)
    assert_result(ops.take_along_axis(_t(x), _t(idx), axis=axis), expected, "float32")


def test_take_along_axis_with_argsort_result():
    x = sample("distinct", (2, 5))
    order = ops.argsort(_t(x), axis=-1)
    assert_result(ops.take_along_axis(_t(x), order, axis=-1), np.sort(widen(x), -1), "float32")


@pytest.mark.parametrize("shape,indices", [
    ((4,), [[1], [3], [1]]),
    ((2, 3), [[0, 1], [1, 2], [0, 1]]),
    ((2, 2, 2), [[1, 0, 1]]),
], ids=["1d_duplicates", "2d_duplicates", "3d"])
def test_scatter_adds_at_indices(shape, indices):
    idx = np.array(indices, dtype="int32")
    values = sample("any", (idx.shape[0],))
    expected = scatter(idx, widen(values), shape)
    assert_result(ops.scatter(_t(idx), _t(values), shape), expected, "float32")


def test_scatter_int_values():
    idx = np.array([[0], [2], [0]], dtype="int32")
    vals = np.array([5, 7, 1], dtype="int32")
    assert_result(ops.scatter(_t(idx), _t(vals), (3,)), np.array([6, 0, 7]), "int32")


@pytest.mark.parametrize("axis", [-1, 0, 1], ids=["neg1", "0", "1"])
def test_one_hot(axis):
    x = np.array([[0, 2], [3, 1]], dtype="int32")
    assert_result(ops.one_hot(_t(x), 4, axis=axis), one_hot(x, 4, axis=axis), "float32")


def test_one_hot_dtype_and_default_axis():
    x = np.array([1, 0, 2], dtype="int32")
    assert_result(ops.one_hot(_t(x), 3, dtype="int32"), np.eye(3, dtype="int32")[x], "int32")
    assert_result(ops.one_hot(x, 3), np.eye(3)[x], "float32")
