"""matmul, dot, tensordot, einsum, outer and norm against NumPy float64."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, sample, widen

from polykeras import ops


def _t(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4,)),
    ((0, 4), (4, 2)),
    ((3, 0), (0, 2)),
]


def _id(shapes) -> str:
    return "_".join("x".join(map(str, s)) for s in shapes)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=_id)
def test_matmul(shapes):
    a, b = sample("any", shapes[0]), sample("any", shapes[1], seed=1)
    assert_result(ops.matmul(_t(a), _t(b)), np.matmul(widen(a), widen(b)), "float32")


def test_matmul_int_and_mixed_dtypes():
    a = np.arange(6, dtype="int32").reshape(2, 3)
    b = np.arange(12, dtype="int32").reshape(3, 4) - 5
    assert_result(ops.matmul(_t(a), _t(b)), a @ b, "int32")
    f = sample("any", (3, 4))
    assert_result(ops.matmul(_t(a), _t(f)), a @ widen(f), "float32")


def test_matmul_float16():
    a, b = sample("any", (3, 8), dtype="float16"), sample("any", (8, 2), seed=1, dtype="float16")
    assert_result(ops.matmul(_t(a), _t(b)), widen(a) @ widen(b), "float16", rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("shapes", [
    ((4,), (4,)), ((3, 4), (4, 2)), ((3, 4), (4,)), ((2, 3, 4), (4,)), ((), (2, 3)),
], ids=_id)
def test_dot(shapes):
    a, b = sample("any", shapes[0]), sample("any", shapes[1], seed=1)
    assert_result(ops.dot(_t(a), _t(b)), np.dot(widen(a), widen(b)), "float32")


@pytest.mark.parametrize("shapes,axes", [
    (((2, 3, 4), (3, 4, 5)), 2),
    (((3, 4), (4, 5)), 1),
    (((2, 3), (4, 5)), 0),
    (((2, 3, 4), (4, 2, 3)), ([1, 2], [2, 0])),
    (((3, 4), (2, 3)), ([0], [1])),
], ids=["int2", "int1", "outer", "pairs", "single_pair"])
def test_tensordot(shapes, axes):
    a, b = sample("any", shapes[0]), sample("any", shapes[1], seed=1)
    expected = np.tensordot(widen(a), widen(b), axes=axes)
    assert_result(ops.tensordot(_t(a), _t(b), axes=axes), expected, "float32")


def test_tensordot_default_axes_is_2():
    a, b = sample("any", (2, 3, 4)), sample("any", (3, 4, 2), seed=1)
    assert_result(ops.tensordot(_t(a), _t(b)), np.tensordot(widen(a), widen(b)), "float32")


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->k", [(2, 3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM_CASES,
                         ids=[s.replace(",", "_").replace("->", "_to_").replace("...", "e")
                              for s, _ in EINSUM_CASES])
def test_einsum(subscripts, shapes):
    operands = [sample("any", s, seed=i) for i, s in enumerate(shapes)]
    expected = np.einsum(subscripts, *[widen(o) for o in operands])
    assert_result(ops.einsum(subscripts, *[_t(o) for o in operands]), expected, "float32")


def test_outer():
    a, b = sample("any", (3,)), sample("any", (2, 2), seed=1)
    assert_result(ops.outer(_t(a), _t(b)), np.outer(widen(a), widen(b)), "float32")


NORM_CASES = [
    ("vector_default", (5,), {}),
    ("vector_ord1", (5,), {"ord": 1}),
    ("vector_ord2", (5,), {"ord": 2}),
    ("vector_inf", (5,), {"ord": np.inf}),
    ("flat_default", (2, 3), {}),
    ("rows", (2, 3), {"axis": 1}),
    ("rows_keepdims", (2, 3), {"axis": -1, "keepdims": True}),
    ("fro", (2, 3), {"ord": "fro", "axis": (0, 1)}),
    ("batched_vectors_ord1", (2, 3, 4), {"ord": 1, "axis": -1}),
]


@pytest.mark.parametrize("shape,kwargs", [(s, k) for _, s, k in NORM_CASES],
                         ids=[i for i, _, _ in NORM_CASES])
def test_norm(shape, kwargs):
    x = sample("any", shape)
    assert_result(ops.norm(_t(x), **kwargs), np.linalg.norm(widen(x), **kwargs), "float32")
