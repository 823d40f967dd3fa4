"""The one dtype promotion rule (polykeras.backend.dtypes.result_type) on the active backend."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, round_to

from polykeras import ops
from polykeras.backend.dtypes import result_type

PROMOTING_OPS = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "maximum": np.maximum,
    "minimum": np.minimum,
}

#: (dtype of x1, dtype or Python scalar for x2, the dtype the rule gives).
PAIRS = [
    ("int32", "float32", "float32"),
    ("float32", "int32", "float32"),
    ("float16", "float32", "float32"),
    ("int8", "int32", "int32"),
    ("uint8", "int8", "int16"),
    ("int32", "float16", "float16"),
    ("bool", "int32", "int32"),
    ("bool", "float32", "float32"),
    ("int16", "uint8", "int16"),
    ("float16", 2.5, "float16"),
    ("float32", 2.5, "float32"),
    ("int32", 2.5, "float32"),
    ("int8", 3, "int8"),
    ("float16", 3, "float16"),
    ("uint8", 3, "uint8"),
    ("bfloat16", "float16", "float32"),
    ("bfloat16", "float32", "float32"),
    ("bfloat16", 2.5, "bfloat16"),
    ("float64", "float32", "float64"),
    ("int64", "float32", "float32"),
    ("int64", "int32", "int64"),
    ("float64", 2.5, "float64"),
]

_BASE = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 2.0]])


def _needs(dtype: object) -> str | None:
    if dtype in ("float64", "int64"):
        return "float64"
    if dtype == "bfloat16":
        return "bfloat16"
    return None


def _operand(dtype: object, offset: float):
    if not isinstance(dtype, str):
        return dtype, np.float64(dtype)
    values = _BASE + offset
    held = round_to(values.astype("float32"), dtype) if dtype.startswith(("float", "bfloat")) \
        else values.astype(dtype)
    return ops.convert_to_tensor(values.astype("float32"), dtype=dtype), held.astype(np.float64)


def _pair_id(p) -> str:
    return f"{p[0]}_{p[1]}".replace(".", "p")


@pytest.mark.parametrize("name", list(PROMOTING_OPS))
@pytest.mark.parametrize("d1,d2,expected", PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_binary_op_promotion(backend, name, d1, d2, expected):
    for d in (d1, d2):
        capability = _needs(d)
        if capability and not backend.supports(capability):
            pytest.skip(f"backend {backend.name!r} does not declare the {capability} capability")
    assert result_type(d1, d2) == expected, "the case table disagrees with result_type"
    (x1, v1), (x2, v2) = _operand(d1, 0.0), _operand(d2, 1.0)
    ref = PROMOTING_OPS[name](v1, v2)
    if expected == "bool":
        ref = ref.astype(bool)
    elif not expected.startswith(("float", "bfloat")):
        ref = ref.astype(expected)
    for a, b in ((x1, x2), (x2, x1)):
        result = getattr(ops, name)(a, b)
        assert ops.dtype(result) == expected, (
            f"{name}({d1}, {d2}) gave {ops.dtype(result)}, the promotion rule says {expected}"
        )
    assert_result(getattr(ops, name)(x1, x2), ref, expected)


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "int8", "bool"])
def test_same_dtype_is_kept(dtype):
    x = ops.convert_to_tensor([1, 0, 1], dtype=dtype)
    assert ops.dtype(ops.maximum(x, x)) == dtype
    if dtype != "bool":
        assert ops.dtype(ops.add(x, x)) == dtype


@pytest.mark.parametrize("name", ["where", "concatenate", "stack"])
def test_multi_input_ops_follow_the_rule(name):
    i = ops.convert_to_tensor([1, 2], dtype="int32")
    f = ops.convert_to_tensor([0.5, 1.5], dtype="float16")
    if name == "where":
        out = ops.where(ops.convert_to_tensor([True, False]), i, f)
    else:
        out = getattr(ops, name)([i, f])
    assert ops.dtype(out) == result_type("int32", "float16") == "float16"


def test_matmul_promotes():
    a = ops.convert_to_tensor(np.ones((2, 3)), dtype="int32")
    b = ops.convert_to_tensor(np.ones((3, 2)), dtype="float32")
    assert_result(ops.matmul(a, b), np.full((2, 2), 3.0), "float32")
    h = ops.convert_to_tensor(np.ones((3, 2)), dtype="float16")
    assert ops.dtype(ops.matmul(ops.cast(a, "float32"), h)) == "float32"


def test_no_silent_float64():
    x = ops.convert_to_tensor(np.linspace(0.0, 1.0, 6).reshape(2, 3))
    assert ops.dtype(x) == "float32"
    checks = [ops.add(x, 1.0), ops.multiply(2.0, x), ops.mean(x), ops.exp(x),
              ops.power(x, 2.0), ops.divide(x, 3), ops.sum(x, axis=0), ops.var(x),
              ops.matmul(x, ops.transpose(x)), ops.softmax(x), ops.sqrt(x),
              ops.where(ops.greater(x, 0.5), x, 0.0)]
    assert [ops.dtype(c) for c in checks] == ["float32"] * len(checks)
