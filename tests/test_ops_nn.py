"""Neural-network ops: softmax family, crossentropies, conv, pooling, normalization."""

from __future__ import annotations

import numpy as np
import pytest
import reference as R
from reference import assert_result, sample, widen

from polykeras import ops


def _t(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


# --------------------------------------------------------------------- softmax
@pytest.mark.parametrize("axis", [-1, 0, 1], ids=["neg1", "0", "1"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name, axis):
    x = sample("any", (2, 3, 4)) * 3.0
    assert_result(getattr(ops, name)(_t(x), axis=axis), getattr(R, name)(widen(x), axis), "float32")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_default_axis_and_large_inputs(name):
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]], dtype="float32")
    assert_result(getattr(ops, name)(_t(x)), getattr(R, name)(widen(x)), "float32")


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0], [-1000.0, -999.0]], dtype="float32")
    assert_result(ops.logsumexp(_t(x), axis=-1), R.logsumexp(widen(x), axis=-1), "float32")


def test_softmax_float16():
    x = sample("any", (2, 5), dtype="float16")
    assert_result(ops.softmax(_t(x)), R.softmax(widen(x)), "float16")


# --------------------------------------------------------------- crossentropies
def _probs(shape, axis=-1, seed=0):
    return R.softmax(widen(sample("any", shape, seed=seed)) * 2.0, axis).astype("float32")


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("axis", [-1, 1], ids=["neg1", "1"])
def test_categorical_crossentropy(from_logits, axis):
    shape = (2, 3, 4)
    target = _probs(shape, axis, seed=1)
    output = sample("any", shape) if from_logits else _probs(shape, axis)
    expected = R.categorical_crossentropy(widen(target), widen(output), from_logits, axis)
    got = ops.categorical_crossentropy(_t(target), _t(output), from_logits=from_logits, axis=axis)
    assert_result(got, expected, "float32")


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
def test_categorical_crossentropy_defaults(from_logits):
    target = np.eye(4, dtype="float32")[[1, 3, 0]]
    output = sample("any", (3, 4)) if from_logits else _probs((3, 4))
    expected = R.categorical_crossentropy(widen(target), widen(output), from_logits)
    got = ops.categorical_crossentropy(_t(target), _t(output), from_logits)
    assert_result(got, expected, "float32")
    if not from_logits:
        assert_result(ops.categorical_crossentropy(_t(target), _t(output)), expected, "float32")


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("target_dtype", ["int32", "float32"])
def test_sparse_categorical_crossentropy(from_logits, target_dtype):
    target = np.array([[1, 0, 3], [2, 2, 0]], dtype=target_dtype)
    output = sample("any", (2, 3, 4)) if from_logits else _probs((2, 3, 4))
    expected = R.sparse_categorical_crossentropy(target.astype(int), widen(output), from_logits)
    got = ops.sparse_categorical_crossentropy(_t(target), _t(output), from_logits=from_logits)
    assert_result(got, expected, "float32")


def test_sparse_categorical_crossentropy_axis():
    target = np.array([[1, 0, 3], [2, 2, 0]], dtype="int32")
    output = sample("any", (2, 4, 3))
    expected = R.sparse_categorical_crossentropy(target, widen(output), True, axis=1)
    got = ops.sparse_categorical_crossentropy(_t(target), _t(output), from_logits=True, axis=1)
    assert_result(got, expected, "float32")


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape", [(5,), (2, 3)], ids=["1d", "2d"])
def test_binary_crossentropy_is_elementwise(from_logits, shape):
    target = sample("prob", shape, seed=1)
    output = sample("wide", shape) if from_logits else sample("prob", shape)
    expected = R.binary_crossentropy(widen(target), widen(output), from_logits)
    got = ops.binary_crossentropy(_t(target), _t(output), from_logits=from_logits)
    assert_result(got, expected, "float32")


def test_binary_crossentropy_large_logits_are_finite():
    target = np.array([0.0, 1.0, 1.0, 0.0], dtype="float32")
    logits = np.array([100.0, -100.0, 100.0, -100.0], dtype="float32")
    expected = R.binary_crossentropy(widen(target), widen(logits), True)
    assert_result(ops.binary_crossentropy(_t(target), _t(logits), from_logits=True), expected,
                  "float32")


def test_probability_crossentropies_normalize_outputs():
    """Like keras.ops, probability outputs are divided by their sum along ``axis``."""
    output = sample("prob", (3, 4))
    target = _probs((3, 4), seed=1)
    expected = R.categorical_crossentropy(widen(target), widen(output))
    assert_result(ops.categorical_crossentropy(_t(target), _t(output)), expected, "float32")
    labels = np.array([0, 3, 1], dtype="int32")
    expected = R.sparse_categorical_crossentropy(labels, widen(output))
    assert_result(ops.sparse_categorical_crossentropy(_t(labels), _t(output)), expected, "float32")


def test_probability_crossentropies_clip_to_epsilon():
    """Outputs of exactly 0 and 1 are clipped to [epsilon, 1 - epsilon] (epsilon 1e-7)."""
    bound = -np.log(R.EPSILON)  # 16.118...; float32 rounding of 1 - epsilon gives ~15.94
    cce = ops.categorical_crossentropy(_t(np.array([[0.0, 1.0, 0.0]], "float32")),
                                       _t(np.array([[1.0, 0.0, 0.0]], "float32")))
    scce = ops.sparse_categorical_crossentropy(_t(np.array([1], "int32")),
                                               _t(np.array([[1.0, 0.0, 0.0]], "float32")))
    bce = ops.binary_crossentropy(_t(np.array([0.0, 1.0], "float32")),
                                  _t(np.array([1.0, 0.0], "float32")))
    for got, shape in [(cce, (1,)), (scce, (1,)), (bce, (2,))]:
        assert_result(got, np.full(shape, bound), "float32", rtol=2e-2)


# ------------------------------------------------------------------------ conv
CONV_CASES = [
    ("1d_valid", (2, 7, 3), (3, 3, 2), 1, "valid", 1),
    ("1d_same", (2, 7, 3), (3, 3, 2), 1, "same", 1),
    ("1d_stride2_same", (1, 8, 2), (3, 2, 3), 2, "same", 1),
    ("1d_stride2_valid", (1, 8, 2), (4, 2, 3), 2, "valid", 1),
    ("1d_dilated_same", (1, 9, 2), (3, 2, 2), 1, "same", 2),
    ("1d_even_kernel_same", (1, 6, 1), (2, 1, 2), 1, "same", 1),
    ("2d_valid", (2, 5, 6, 2), (3, 3, 2, 3), 1, "valid", 1),
    ("2d_same", (2, 5, 6, 2), (3, 3, 2, 3), 1, "same", 1),
    ("2d_stride2_same_odd", (1, 5, 7, 2), (3, 2, 2, 2), 2, "same", 1),
    ("2d_stride_tuple_valid", (1, 6, 7, 1), (2, 3, 1, 2), (2, 1), "valid", 1),
    ("2d_dilated_valid", (1, 7, 7, 2), (3, 3, 2, 1), 1, "valid", 2),
    ("2d_dilated_tuple_same", (1, 6, 7, 1), (2, 3, 1, 2), 1, "same", (2, 1)),
    ("2d_1x1", (2, 3, 3, 4), (1, 1, 4, 2), 1, "valid", 1),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", [c[1:] for c in CONV_CASES],
                         ids=[c[0] for c in CONV_CASES])
def test_conv(xs, ks, strides, padding, dilation):
    x, k = sample("any", xs), sample("any", ks, seed=1)
    expected = R.conv(widen(x), widen(k), strides, padding, dilation)
    got = ops.conv(_t(x), _t(k), strides=strides, padding=padding, dilation_rate=dilation)
    assert_result(got, expected, "float32", rtol=1e-5, atol=1e-5)


def test_conv_defaults_and_case_insensitive_padding():
    x, k = sample("any", (1, 5, 5, 1)), sample("any", (2, 2, 1, 1), seed=1)
    expected = R.conv(widen(x), widen(k))
    assert_result(ops.conv(_t(x), _t(k)), expected, "float32", atol=1e-5)
    assert_result(ops.conv(_t(x), _t(k), padding="VALID", data_format="channels_last"),
                  expected, "float32", atol=1e-5)


POOL_CASES = [
    ("1d_valid", (2, 7, 3), 2, None, "valid"),
    ("1d_same", (2, 7, 3), 2, None, "same"),
    ("1d_stride1_same", (1, 6, 2), 3, 1, "same"),
    ("1d_overlap_valid", (1, 8, 1), 3, 2, "valid"),
    ("2d_valid", (2, 4, 6, 2), 2, None, "valid"),
    ("2d_same_odd", (1, 5, 7, 2), 2, None, "same"),
    ("2d_tuple", (1, 6, 6, 1), (3, 2), (2, 1), "valid"),
    ("2d_stride1_same", (1, 4, 5, 2), 3, 1, "same"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("xs,pool_size,strides,padding", [c[1:] for c in POOL_CASES],
                         ids=[c[0] for c in POOL_CASES])
def test_pool(kind, xs, pool_size, strides, padding):
    x = sample("distinct", xs) * 0.1
    expected = R.pool(widen(x), pool_size, strides, padding, "max" if kind == "max" else "mean")
    op = ops.max_pool if kind == "max" else ops.average_pool
    assert_result(op(_t(x), pool_size, strides=strides, padding=padding), expected, "float32")


@pytest.mark.parametrize("kind", ["max", "average"])
def test_pool_defaults(kind):
    x = sample("distinct", (1, 4, 4, 1)) * 0.1
    expected = R.pool(widen(x), 2, None, "valid", "max" if kind == "max" else "mean")
    op = ops.max_pool if kind == "max" else ops.average_pool
    assert_result(op(_t(x), 2), expected, "float32")


# ---------------------------------------------------------------- normalization
@pytest.mark.parametrize("keepdims", [False, True], ids=["drop", "keep"])
@pytest.mark.parametrize("axes", [[0], [0, 1], [-1], (0, 2)], ids=["0", "01", "neg1", "t02"])
def test_moments(axes, keepdims):
    x = sample("any", (3, 4, 2))
    mean, var = ops.moments(_t(x), axes, keepdims=keepdims)
    ax = tuple(axes)
    assert_result(mean, np.mean(widen(x), axis=ax, keepdims=keepdims), "float32")
    assert_result(var, np.var(widen(x), axis=ax, keepdims=keepdims), "float32")


@pytest.mark.parametrize("with_affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("axis", [-1, 1], ids=["neg1", "1"])
def test_batch_normalization(axis, with_affine):
    x = sample("any", (2, 3, 4))
    c = x.shape[axis]
    mean, var = sample("any", (c,), 1), sample("pos", (c,), 2)
    offset = sample("any", (c,), 3) if with_affine else None
    scale = sample("any", (c,), 4) if with_affine else None
    expected = R.batch_normalization(widen(x), widen(mean), widen(var), axis,
                                     None if offset is None else widen(offset),
                                     None if scale is None else widen(scale), 1e-3)
    got = ops.batch_normalization(_t(x), _t(mean), _t(var), axis,
                                  offset=None if offset is None else _t(offset),
                                  scale=None if scale is None else _t(scale))
    assert_result(got, expected, "float32")


def test_batch_normalization_epsilon():
    x = sample("any", (4, 2))
    mean, var = np.zeros(2, "float32"), np.full(2, 0.5, "float32")
    expected = R.batch_normalization(widen(x), widen(mean), widen(var), -1, epsilon=0.5)
    got = ops.batch_normalization(_t(x), _t(mean), _t(var), -1, epsilon=0.5)
    assert_result(got, expected, "float32")
