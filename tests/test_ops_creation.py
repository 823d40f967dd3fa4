"""Conversion, cast, shape/dtype queries and tensor creation."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, to_np, widen

import polykeras
from polykeras import ops


# -------------------------------------------------------------------- conversion
@pytest.mark.parametrize("value,dtype", [
    (1.5, "float32"),
    (3, "int32"),
    (True, "bool"),
    (np.array([1.0, 2.0]), "float32"),
    (np.array([1.0, 2.0], dtype="float32"), "float32"),
    (np.array([1.0, 2.0], dtype="float16"), "float16"),
    (np.array([1, 2], dtype="int32"), "int32"),
    (np.array([1, 2], dtype="int8"), "int8"),
    (np.array([1, 2], dtype="uint8"), "uint8"),
    (np.array([True, False]), "bool"),
    ([[1.0, 2.0], [3.0, 4.0]], "float32"),
    (np.zeros((0, 2)), "float32"),
], ids=["pyfloat", "pyint", "pybool", "f64array", "f32array", "f16array", "i32array",
        "i8array", "u8array", "boolarray", "nestedlist", "empty"])
def test_convert_to_tensor_dtypes(value, dtype):
    t = ops.convert_to_tensor(value)
    assert ops.is_tensor(t)
    expected = np.asarray(value)
    assert_result(t, expected.astype(np.float64) if dtype.startswith("float") else expected, dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "int32", "int8", "bool"])
def test_convert_to_tensor_with_dtype(dtype):
    t = ops.convert_to_tensor([0.0, 1.0, 2.0], dtype=dtype)
    expected = np.array([0.0, 1.0, 2.0]).astype(dtype)
    assert_result(t, expected if dtype in ("int32", "int8", "bool") else widen(expected), dtype)


def test_convert_keeps_backend_tensors_and_variables():
    t = ops.convert_to_tensor(np.arange(3, dtype="float32"))
    assert to_np(ops.convert_to_tensor(t)).tolist() == [0.0, 1.0, 2.0]
    v = polykeras.Variable(np.ones((2, 2), dtype="float32"))
    tv = ops.convert_to_tensor(v)
    assert ops.is_tensor(tv)
    assert_result(tv, np.ones((2, 2)), "float32")
    assert_result(ops.add(v, 1.0), np.full((2, 2), 2.0), "float32")


def test_is_tensor_shape_dtype_queries():
    t = ops.convert_to_tensor(np.zeros((2, 3), dtype="float32"))
    assert ops.is_tensor(t)
    assert not ops.is_tensor([1.0, 2.0])
    shape = ops.shape(t)
    assert shape == (2, 3) and isinstance(shape, tuple)
    assert all(type(d) is int for d in shape)
    assert ops.dtype(t) == "float32"
    assert int(ops.size(t)) == 6
    assert int(ops.ndim(t)) == 2
    assert ops.shape(ops.convert_to_tensor(2.0)) == ()


def test_convert_to_numpy_returns_ndarray():
    t = ops.convert_to_tensor([[1.0, 2.0]])
    a = ops.convert_to_numpy(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.shape == (1, 2)


# -------------------------------------------------------------------------- cast
@pytest.mark.parametrize("src,dst", [
    ("float32", "int32"), ("float32", "float16"), ("float32", "bool"), ("int32", "float32"),
    ("bool", "float32"), ("int32", "int8"), ("float16", "float32"), ("float32", "float32"),
    ("int32", "uint8"),
])
def test_cast(src, dst):
    base = np.array([[-2.7, -0.5, 0.0], [0.4, 1.5, 3.9]])
    x = (base if src != "bool" else base > 0).astype(src)
    if dst == "uint8":
        x = np.abs(x)
    expected = x.astype(dst)
    y = ops.cast(ops.convert_to_tensor(x), dst)
    assert_result(y, widen(expected) if dst.startswith("float") else expected, dst)


def test_cast_accepts_dtype_objects_and_aliases():
    x = ops.convert_to_tensor([1.5, 2.5])
    assert ops.dtype(ops.cast(x, np.int32)) == "int32"
    assert ops.dtype(ops.cast(x, "float")) == "float32"
    assert ops.dtype(ops.cast(x, np.dtype("float16"))) == "float16"


def test_cast_bfloat16_roundtrip(backend):
    if not backend.supports("bfloat16"):
        pytest.skip(f"backend {backend.name!r} does not declare the bfloat16 capability")
    x = ops.convert_to_tensor([1.0, 2.5, -3.0])
    y = ops.cast(x, "bfloat16")
    assert ops.dtype(y) == "bfloat16"
    assert_result(ops.cast(y, "float32"), np.array([1.0, 2.5, -3.0]), "float32")


# ---------------------------------------------------------------------- creation
@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize("shape", [(2, 3), (0,), (), (1, 1, 2)], ids=["2x3", "empty", "scalar", "ones"])
def test_zeros_ones(name, shape):
    ref = getattr(np, name)
    assert_result(getattr(ops, name)(shape), ref(shape), "float32")
    assert_result(getattr(ops, name)(shape, dtype="int32"), ref(shape, dtype="int32"), "int32")


def test_zeros_accepts_int_shape_and_lists():
    assert_result(ops.zeros(3), np.zeros(3), "float32")
    assert_result(ops.ones([2, 2], dtype="float16"), np.ones((2, 2)), "float16")


def test_full():
    assert_result(ops.full((2, 3), 7.5), np.full((2, 3), 7.5), "float32")
    assert_result(ops.full((2,), 3, dtype="int32"), np.full((2,), 3), "int32")
    assert_result(ops.full((2,), 3), np.full((2,), 3.0), "float32")


@pytest.mark.parametrize("dtype", ["float32", "int32", "float16"])
def test_like_constructors_keep_dtype(dtype):
    x = ops.convert_to_tensor(np.zeros((2, 3), dtype=dtype))
    assert_result(ops.zeros_like(x), np.zeros((2, 3), dtype=dtype), dtype)
    assert_result(ops.ones_like(x), np.ones((2, 3), dtype=dtype), dtype)
    assert_result(ops.full_like(x, 2), np.full((2, 3), 2, dtype=dtype), dtype)
    assert_result(ops.zeros_like(x, dtype="bool"), np.zeros((2, 3), dtype=bool), "bool")


def test_full_like_casts_the_fill_value():
    x = ops.convert_to_tensor(np.array([1, 2], dtype="int32"))
    assert_result(ops.full_like(x, 2.7), np.full((2,), 2), "int32")
    assert_result(ops.full((2,), 2.7, dtype="int32"), np.full((2,), 2), "int32")


@pytest.mark.parametrize("args,kwargs,expected,dtype", [
    ((5,), {}, np.arange(5), "int32"),
    ((2, 9, 3), {}, np.arange(2, 9, 3), "int32"),
    ((1.0, 2.0, 0.25), {}, np.arange(1.0, 2.0, 0.25), "float32"),
    ((5,), {"dtype": "float32"}, np.arange(5.0), "float32"),
    ((3, -3, -1), {}, np.arange(3, -3, -1), "int32"),
    ((0,), {}, np.arange(0), "int32"),
], ids=["stop", "start_stop_step", "float", "dtype", "negative_step", "empty"])
def test_arange(args, kwargs, expected, dtype):
    assert_result(ops.arange(*args, **kwargs), expected, dtype)


@pytest.mark.parametrize("kwargs", [{}, {"endpoint": False}, {"num": 1}, {"dtype": "float16"}],
                         ids=["default", "no_endpoint", "num1", "float16"])
def test_linspace(kwargs):
    kw = {"num": 5, **kwargs}
    dtype = kw.pop("dtype", "float32")
    expected = np.linspace(-1.0, 2.0, **kw)
    assert_result(ops.linspace(-1.0, 2.0, dtype=None if dtype == "float32" else dtype, **kw),
                  expected, dtype)


def test_linspace_default_num_is_50():
    assert ops.shape(ops.linspace(0.0, 1.0)) == (50,)


@pytest.mark.parametrize("args,kwargs", [
    ((3,), {}), ((2, 4), {}), ((4,), {"k": 1}), ((3, 5), {"k": -1}), ((3,), {"dtype": "int32"}),
], ids=["square", "rect", "k1", "kneg", "int"])
def test_eye(args, kwargs):
    dtype = kwargs.get("dtype", "float32")
    expected = np.eye(*args, **{k: v for k, v in kwargs.items() if k != "dtype"})
    assert_result(ops.eye(*args, **kwargs), expected.astype(dtype) if dtype == "int32" else expected, dtype)


def test_identity():
    assert_result(ops.identity(3), np.identity(3), "float32")
    assert_result(ops.identity(2, dtype="int32"), np.identity(2, dtype="int32"), "int32")



VARIABLE_CALLS = [
    ("add", lambda v, x: ops.add(v, x), lambda v, x: v + x),
    ("matmul", lambda v, x: ops.matmul(x, v), lambda v, x: x @ v),
    ("reshape", lambda v, x: ops.reshape(v, (-1,)), lambda v, x: v.reshape(-1)),
    ("transpose", lambda v, x: ops.transpose(v), lambda v, x: v.T),
    ("sum", lambda v, x: ops.sum(v, axis=0), lambda v, x: v.sum(0)),
    ("take", lambda v, x: ops.take(v, np.array([1, 0, 1], "int32"), axis=0),
     lambda v, x: v[[1, 0, 1]]),
    ("concatenate", lambda v, x: ops.concatenate([v, x], axis=0),
     lambda v, x: np.concatenate([v, x], 0)),
    ("where", lambda v, x: ops.where(ops.greater(x, 0.0), v, x), lambda v, x: np.where(x > 0, v, x)),
]


@pytest.mark.parametrize("call,ref", [(c, r) for _, c, r in VARIABLE_CALLS],
                         ids=[i for i, _, _ in VARIABLE_CALLS])
def test_ops_accept_variables(call, ref):
    value = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")
    other = np.array([[0.25, 1.0], [-1.0, 2.0]], dtype="float32")
    v = polykeras.Variable(value)
    assert_result(call(v, ops.convert_to_tensor(other)), ref(widen(value), widen(other)), "float32")
