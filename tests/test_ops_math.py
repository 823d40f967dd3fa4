"""Elementwise math, activations, comparisons and logical ops against NumPy float64."""

from __future__ import annotations

import numpy as np
import pytest
from reference import (
    BINARY_CASES,
    BROADCAST_SHAPES,
    COMPARISON_CASES,
    UNARY_CASES,
    assert_result,
    erf,
    round_to,
    sample,
    widen,
)

from polykeras import ops

UNARY_SHAPES = [(), (0, 3), (2, 1, 3)]
SHAPE_IDS = ["scalar", "empty", "size1"]


def _shape_id(shapes) -> str:
    return "_".join("x".join(map(str, s)) or "s" for s in shapes)


def _tensor(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


# ------------------------------------------------------------------------ unary
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("case", UNARY_CASES, ids=repr)
def test_unary_values(case, shape):
    (x,) = case.inputs([shape])
    assert_result(case(_tensor(x)), case.ref(widen(x)), "float32")


FLOAT16_UNARY = ["abs", "negative", "exp", "log", "sqrt", "square", "sin", "cos", "tanh",
                 "sigmoid", "relu", "erf", "softplus", "silu", "gelu"]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", [c for c in UNARY_CASES if c.id in FLOAT16_UNARY], ids=repr)
def test_unary_half_precision(backend, case, dtype):
    if dtype == "bfloat16" and not backend.supports("bfloat16"):
        pytest.skip(f"backend {backend.name!r} does not declare the bfloat16 capability")
    (x,) = case.inputs([(2, 3)])
    x_in = _tensor(x, dtype)
    assert_result(case(x_in), case.ref(round_to(x, dtype)), dtype)


def test_float64_is_kept_where_supported(backend):
    if not backend.supports("float64"):
        pytest.skip(f"backend {backend.name!r} does not declare the float64 capability")
    x = sample("pos", (3,), dtype="float64")
    for name, ref in [("exp", np.exp), ("sqrt", np.sqrt), ("tanh", np.tanh)]:
        assert_result(getattr(ops, name)(_tensor(x, "float64")), ref(x), "float64")


def test_python_float_inputs_give_floatx():
    assert_result(ops.exp(1.0), np.exp(1.0), "float32")
    assert_result(ops.add(1.5, 2.0), np.array(3.5), "float32")


@pytest.mark.parametrize("name,ref", [
    ("sqrt", np.sqrt), ("exp", np.exp), ("log", np.log), ("sin", np.sin), ("tanh", np.tanh),
    ("sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x))), ("erf", erf),
])
def test_int_input_to_float_op_gives_float32(name, ref):
    x = np.array([1, 2, 3], dtype="int32")
    assert_result(getattr(ops, name)(_tensor(x)), ref(x.astype(np.float64)), "float32")


@pytest.mark.parametrize("name,ref", [
    ("abs", np.abs), ("negative", np.negative), ("square", np.square), ("sign", np.sign),
])
def test_int_preserving_unary(name, ref):
    x = np.array([-3, 0, 2, 5], dtype="int32")
    assert_result(getattr(ops, name)(_tensor(x)), ref(x), "int32")


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5], dtype="float32")
    assert_result(ops.round(_tensor(x)), np.round(widen(x)), "float32")


def test_isnan_isinf_isfinite():
    x = np.array([0.0, -1.5, np.nan, np.inf, -np.inf], dtype="float32")
    t = _tensor(x)
    assert_result(ops.isnan(t), np.isnan(x), "bool")
    assert_result(ops.isinf(t), np.isinf(x), "bool")
    assert_result(ops.isfinite(t), np.isfinite(x), "bool")
    assert_result(ops.isfinite(_tensor(np.array([1, 2], "int32"))), np.array([True, True]), "bool")


def test_clip():
    x = sample("any", (3, 4))
    assert_result(ops.clip(_tensor(x), -0.5, 0.75), np.clip(widen(x), -0.5, 0.75), "float32")
    i = np.arange(-3, 4, dtype="int32")
    assert_result(ops.clip(_tensor(i), -1, 2), np.clip(i, -1, 2), "int32")


# ------------------------------------------------------------------------ binary
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=_shape_id)
@pytest.mark.parametrize("case", BINARY_CASES, ids=repr)
def test_binary_values(case, shapes):
    x1, x2 = case.inputs(shapes)
    assert_result(case(_tensor(x1), _tensor(x2)), case.ref(widen(x1), widen(x2)), "float32")


@pytest.mark.parametrize("case", BINARY_CASES, ids=repr)
def test_binary_with_python_scalar(case):
    x1, x2 = case.inputs([(2, 3), ()])
    s = float(x2)
    assert_result(case(_tensor(x1), s), case.ref(widen(x1), np.float64(np.float32(s))), "float32")
    y1, y2 = case.inputs([(), (2, 3)])
    s = float(y1)
    assert_result(case(s, _tensor(y2)), case.ref(np.float64(np.float32(s)), widen(y2)), "float32")


@pytest.mark.parametrize("case", [c for c in BINARY_CASES if c.id in ("add", "multiply", "maximum")],
                         ids=repr)
def test_binary_float16(case):
    x1, x2 = case.inputs([(2, 3), (3,)], dtype="float16")
    assert_result(case(_tensor(x1), _tensor(x2)), case.ref(widen(x1), widen(x2)), "float16")


@pytest.mark.parametrize("name,ref", [
    ("floor_divide", np.floor_divide), ("mod", np.mod),
])
def test_floor_semantics_on_ints(name, ref):
    a = np.array([7, -7, 7, -7, 0, 5], dtype="int32")
    b = np.array([2, 2, -2, -2, 3, -3], dtype="int32")
    assert_result(getattr(ops, name)(_tensor(a), _tensor(b)), ref(a, b), "int32")


def test_int_arithmetic_keeps_int32():
    a = np.array([1, -2, 3], dtype="int32")
    b = np.array([4, 5, -6], dtype="int32")
    for name, ref in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
                      ("maximum", np.maximum), ("minimum", np.minimum)]:
        assert_result(getattr(ops, name)(_tensor(a), _tensor(b)), ref(a, b), "int32")
    assert_result(ops.power(_tensor(a), 2), a**2, "int32")
    assert_result(ops.add(_tensor(a), 2), a + 2, "int32")


@pytest.mark.parametrize("name", ["divide", "true_divide"])
def test_int_division_gives_float32(name):
    a = np.array([1, -7, 3], dtype="int32")
    b = np.array([2, 2, 4], dtype="int32")
    assert_result(getattr(ops, name)(_tensor(a), _tensor(b)), a / b, "float32")


# ------------------------------------------------------------- comparisons / logical
@pytest.mark.parametrize("shapes", [BROADCAST_SHAPES[i] for i in (1, 2, 4)], ids=_shape_id)
@pytest.mark.parametrize("case", COMPARISON_CASES, ids=repr)
def test_comparison_values(case, shapes):
    x1, x2 = case.inputs(shapes)
    assert_result(case(_tensor(x1), _tensor(x2)), case.ref(x1, x2), "bool")


@pytest.mark.parametrize("case", COMPARISON_CASES, ids=repr)
def test_comparison_mixed_dtypes_and_scalars(case):
    x1 = sample("small_int", (2, 3)).astype("int32")
    x2 = sample("small_int", (2, 3), seed=1)
    assert_result(case(_tensor(x1), _tensor(x2)), case.ref(x1, x2), "bool")
    assert_result(case(_tensor(x2), 1.0), case.ref(x2, 1.0), "bool")
    assert_result(case(_tensor(x1), 1), case.ref(x1, 1), "bool")


LOGICAL = [("logical_and", np.logical_and), ("logical_or", np.logical_or),
           ("logical_xor", np.logical_xor)]


@pytest.mark.parametrize("name,ref", LOGICAL, ids=[n for n, _ in LOGICAL])
def test_logical_binary(name, ref):
    a = np.array([[True, False, True, False]])
    b = np.array([[True], [False]])
    assert_result(getattr(ops, name)(_tensor(a), _tensor(b)), ref(a, b), "bool")
    f = np.array([0.0, 1.5, -2.0, 0.0], dtype="float32")
    g = np.array([3.0, 0.0, 1.0, 0.0], dtype="float32")
    assert_result(getattr(ops, name)(_tensor(f), _tensor(g)), ref(f, g), "bool")


def test_logical_not():
    a = np.array([True, False, True])
    assert_result(ops.logical_not(_tensor(a)), ~a, "bool")
    f = np.array([0.0, 2.0, -1.0], dtype="float32")
    assert_result(ops.logical_not(_tensor(f)), np.logical_not(f), "bool")


# ---------------------------------------------------------------------- where
def test_where_broadcasts():
    cond = np.array([[True, False, True]])
    x1 = sample("any", (2, 1))
    x2 = sample("any", (2, 3), seed=1)
    expected = np.where(cond, widen(x1), widen(x2))
    assert_result(ops.where(_tensor(cond), _tensor(x1), _tensor(x2)), expected, "float32")


def test_where_with_scalars_and_mixed_dtypes():
    x = sample("any", (2, 3))
    cond = x > 0
    assert_result(ops.where(_tensor(cond), _tensor(x), 0.0), np.where(cond, widen(x), 0.0),
                  "float32")
    i = np.array([1, 2, 3], dtype="int32")
    f = np.array([0.5, 1.5, 2.5], dtype="float32")
    c = np.array([True, False, True])
    assert_result(ops.where(_tensor(c), _tensor(i), _tensor(f)), np.where(c, i, widen(f)),
                  "float32")


def test_numpy_and_list_inputs_are_accepted():
    x = sample("any", (2, 3))
    assert_result(ops.add(x, x), 2 * widen(x), "float32")
    assert_result(ops.multiply([1.0, 2.0], [3.0, 4.0]), np.array([3.0, 8.0]), "float32")
