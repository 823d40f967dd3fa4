"""Shape ops: reshape, transpose, squeeze, concatenate, split, pad, slicing, indexing."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_result, sample, widen

from polykeras import ops


def _t(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


X234 = sample("any", (2, 3, 4))

# (id, ops call, numpy reference) over the float32 tensor X234.
SHAPE_CASES = [
    ("reshape", lambda x: ops.reshape(x, (4, 6)), lambda x: x.reshape(4, 6)),
    ("reshape_infer", lambda x: ops.reshape(x, (-1, 4)), lambda x: x.reshape(-1, 4)),
    ("reshape_flat", lambda x: ops.reshape(x, (-1,)), lambda x: x.reshape(-1)),
    ("reshape_ones", lambda x: ops.reshape(x, (1, 24, 1)), lambda x: x.reshape(1, 24, 1)),
    ("transpose_default", lambda x: ops.transpose(x), lambda x: x.T),
    ("transpose_axes", lambda x: ops.transpose(x, (1, 0, 2)), lambda x: x.transpose(1, 0, 2)),
    ("transpose_neg", lambda x: ops.transpose(x, (-1, 0, 1)), lambda x: x.transpose(2, 0, 1)),
    ("expand_dims_0", lambda x: ops.expand_dims(x, 0), lambda x: x[None]),
    ("expand_dims_neg", lambda x: ops.expand_dims(x, -1), lambda x: x[..., None]),
    ("expand_dims_mid", lambda x: ops.expand_dims(x, 2), lambda x: np.expand_dims(x, 2)),
    ("squeeze_all", lambda x: ops.squeeze(ops.reshape(x, (1, 2, 1, 12))),
     lambda x: x.reshape(2, 12)),
    ("squeeze_axis", lambda x: ops.squeeze(ops.reshape(x, (1, 2, 1, 12)), axis=2),
     lambda x: x.reshape(1, 2, 12)),
    ("squeeze_neg", lambda x: ops.squeeze(ops.reshape(x, (2, 12, 1)), axis=-1),
     lambda x: x.reshape(2, 12)),
    ("squeeze_tuple", lambda x: ops.squeeze(ops.reshape(x, (1, 24, 1)), axis=(0, 2)),
     lambda x: x.reshape(24)),
    ("concatenate_0", lambda x: ops.concatenate([x, x[:1]], axis=0),
     lambda x: np.concatenate([x, x[:1]], 0)),
    ("concatenate_default", lambda x: ops.concatenate([x, x]), lambda x: np.concatenate([x, x])),
    ("concatenate_neg", lambda x: ops.concatenate([x, x[..., :1], x], axis=-1),
     lambda x: np.concatenate([x, x[..., :1], x], -1)),
    ("concatenate_empty", lambda x: ops.concatenate([x, x[:, :0]], axis=1),
     lambda x: np.concatenate([x, x[:, :0]], 1)),
    ("stack_0", lambda x: ops.stack([x, ops.multiply(x, 2)]), lambda x: np.stack([x, x * 2])),
    ("stack_neg", lambda x: ops.stack([x, ops.multiply(x, 2)], axis=-1),
     lambda x: np.stack([x, x * 2], -1)),
    ("tile", lambda x: ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3))),
    ("repeat_flat", lambda x: ops.repeat(x, 2), lambda x: np.repeat(x, 2)),
    ("repeat_axis", lambda x: ops.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1)),
    ("repeat_neg", lambda x: ops.repeat(x, 2, axis=-1), lambda x: np.repeat(x, 2, axis=-1)),
    ("broadcast_to", lambda x: ops.broadcast_to(x[:, :1], (5, 2, 3, 4)),
     lambda x: np.broadcast_to(x[:, :1], (5, 2, 3, 4))),
    ("flip_all", lambda x: ops.flip(x), lambda x: np.flip(x)),
    ("flip_axis", lambda x: ops.flip(x, axis=1), lambda x: np.flip(x, 1)),
    ("flip_tuple", lambda x: ops.flip(x, axis=(0, -1)), lambda x: np.flip(x, (0, -1))),
    ("slice", lambda x: ops.slice(x, (1, 0, 1), (1, 2, 3)), lambda x: x[1:2, 0:2, 1:4]),
    ("ravel", lambda x: ops.ravel(x), lambda x: x.ravel()),
    ("swapaxes", lambda x: ops.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1)),
    ("moveaxis", lambda x: ops.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1)),
    ("moveaxis_tuple", lambda x: ops.moveaxis(x, (0, 1), (2, 0)),
     lambda x: np.moveaxis(x, (0, 1), (2, 0))),
    ("pad_constant", lambda x: ops.pad(x, ((0, 1), (2, 0), (1, 1))),
     lambda x: np.pad(x, ((0, 1), (2, 0), (1, 1)))),
    ("pad_value", lambda x: ops.pad(x, ((1, 0), (0, 0), (0, 2)), constant_values=-3.0),
     lambda x: np.pad(x, ((1, 0), (0, 0), (0, 2)), constant_values=-3.0)),
    ("pad_reflect", lambda x: ops.pad(x, ((1, 1), (2, 1), (3, 0)), mode="reflect"),
     lambda x: np.pad(x, ((1, 1), (2, 1), (3, 0)), mode="reflect")),
    ("pad_symmetric", lambda x: ops.pad(x, ((1, 2), (0, 3), (2, 2)), mode="symmetric"),
     lambda x: np.pad(x, ((1, 2), (0, 3), (2, 2)), mode="symmetric")),
]


@pytest.mark.parametrize("call,ref", [(c, r) for _, c, r in SHAPE_CASES],
                         ids=[i for i, _, _ in SHAPE_CASES])
def test_shape_op(call, ref):
    assert_result(call(_t(X234)), ref(widen(X234)), "float32")


@pytest.mark.parametrize("call,ref", [(c, r) for _, c, r in SHAPE_CASES],
                         ids=[i for i, _, _ in SHAPE_CASES])
def test_shape_op_keeps_int_dtype(call, ref):
    x = np.arange(24, dtype="int32").reshape(2, 3, 4)
    assert_result(call(_t(x)), ref(x), "int32")


@pytest.mark.parametrize("sections,axis", [
    (2, 0), (3, 1), (2, -1), ([1, 3], -1), ([2], 1), ([0, 2], 2),
], ids=["2_a0", "3_a1", "2_neg", "list_neg", "list1", "list_empty_part"])
def test_split(sections, axis):
    x = sample("any", (2, 3, 4))
    parts = ops.split(_t(x), sections, axis=axis)
    expected = np.split(widen(x), sections, axis=axis)
    assert isinstance(parts, (list, tuple)) and len(parts) == len(expected)
    for p, e in zip(parts, expected, strict=True):
        assert_result(p, e, "float32")


def test_split_defaults_to_axis_0():
    x = sample("any", (4, 2))
    parts = ops.split(_t(x), 2)
    for p, e in zip(parts, np.split(widen(x), 2), strict=True):
        assert_result(p, e, "float32")


def test_shape_ops_on_empty_and_scalar():
    e = np.zeros((0, 3), dtype="float32")
    assert_result(ops.reshape(_t(e), (3, 0)), np.zeros((3, 0)), "float32")
    assert_result(ops.transpose(_t(e)), np.zeros((3, 0)), "float32")
    assert_result(ops.concatenate([_t(e), _t(np.ones((1, 3), "float32"))]), np.ones((1, 3)),
                  "float32")
    s = _t(np.float32(2.0))
    assert_result(ops.reshape(s, (1, 1)), np.full((1, 1), 2.0), "float32")
    assert_result(ops.expand_dims(s, 0), np.array([2.0]), "float32")
    assert_result(ops.squeeze(ops.reshape(s, (1,))), np.array(2.0), "float32")
    assert_result(ops.broadcast_to(s, (2, 2)), np.full((2, 2), 2.0), "float32")


def test_tile_with_int_repeats_on_vector():
    x = np.array([1.0, 2.0], dtype="float32")
    assert_result(ops.tile(_t(x), 3), np.tile(widen(x), 3), "float32")


# ----------------------------------------------------------------- basic indexing
GETITEM_KEYS = [
    ("int", 1),
    ("neg_int", -1),
    ("slice", slice(0, 2)),
    ("step", (slice(None), slice(None, None, 2))),
    ("newaxis", (None, 1, slice(1, None))),
    ("ellipsis", (Ellipsis, 0)),
    ("mixed", (1, slice(None), -2)),
    ("int_array", np.array([2, 0, 2])),
    ("int_array_axis1", (slice(None), np.array([1, 1, 0]))),
    ("int_array_pair", (np.array([0, 1]), np.array([2, 0]))),
]


@pytest.mark.parametrize("key", [k for _, k in GETITEM_KEYS], ids=[i for i, _ in GETITEM_KEYS])
def test_backend_getitem(backend, key):
    x = sample("any", (3, 3, 4))
    t = _t(x)
    expected = widen(x)[key]
    if isinstance(key, np.ndarray):
        key = _t(key.astype("int32"))
    assert_result(backend.getitem(t, key), expected, "float32")
