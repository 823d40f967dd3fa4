"""User errors raise ValueError naming what was received and what was expected."""

from __future__ import annotations

import re

import numpy as np
import pytest

from polykeras import ops


def _shape_pattern(shape: tuple[int, ...]) -> str:
    """Matches a shape written as a tuple or a list: ``(2, 3)``, ``(6,)`` or ``[2, 3]``."""
    inner = r",\s*".join(str(d) for d in shape)
    return rf"[\(\[]{inner},?[\)\]]"


def _message(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value)


@pytest.mark.parametrize("bad", ["float31", "int33", "complex256x", "floatx"])
def test_cast_bad_dtype(bad):
    x = ops.convert_to_tensor([1.0, 2.0])
    with pytest.raises(ValueError) as excinfo:
        ops.cast(x, bad)
    assert bad in _message(excinfo)
    assert "float32" in _message(excinfo), "the message should list the allowed dtypes"


@pytest.mark.parametrize("name,args", [
    ("zeros", ((2,),)), ("ones", ((2,),)), ("full", ((2,), 1.0)), ("arange", (3,)),
    ("eye", (2,)), ("convert_to_tensor", ([1.0],)),
])
def test_creation_bad_dtype(name, args):
    with pytest.raises(ValueError) as excinfo:
        getattr(ops, name)(*args, dtype="nope32")
    assert "nope32" in _message(excinfo)


@pytest.mark.parametrize("a,b", [
    ((2, 3), (4, 5)),
    ((3,), (4,)),
    ((2, 2, 3), (2, 4, 1)),
], ids=["2d", "1d", "batched"])
def test_matmul_incompatible_shapes(a, b):
    x, y = ops.ones(a), ops.ones(b)
    with pytest.raises(ValueError) as excinfo:
        ops.matmul(x, y)
    msg = _message(excinfo)
    assert re.search(_shape_pattern(a), msg) and re.search(_shape_pattern(b), msg), msg


@pytest.mark.parametrize("shape,new", [
    ((2, 3), (4, 2)),
    ((2, 3), (-1, 4)),
    ((6,), (2, -1, -1)),
], ids=["size", "infer", "two_unknowns"])
def test_reshape_wrong_size(shape, new):
    x = ops.zeros(shape)
    with pytest.raises(ValueError) as excinfo:
        ops.reshape(x, new)
    msg = _message(excinfo)
    assert re.search(_shape_pattern(shape), msg), msg
    assert re.search(_shape_pattern(new), msg), msg


def test_errors_are_not_assertions():
    """User input is validated with exceptions that survive ``python -O``."""
    with pytest.raises(ValueError):
        ops.matmul(ops.ones((2, 3)), ops.ones((2, 3)))
    with pytest.raises(ValueError):
        ops.zeros((2,), dtype=np.dtype("complex64").name + "x")


SHAPE_ERRORS = [
    ("concatenate", lambda: ops.concatenate([ops.ones((2, 3)), ops.ones((2, 4))], axis=0),
     [(2, 3), (2, 4)]),
    ("stack", lambda: ops.stack([ops.ones((2,)), ops.ones((3,))]), [(2,), (3,)]),
    ("dot", lambda: ops.dot(ops.ones((2, 3)), ops.ones((4,))), [(2, 3), (4,)]),
    ("broadcast_to", lambda: ops.broadcast_to(ops.ones((3,)), (2, 4)), [(3,), (2, 4)]),
    ("add_broadcast", lambda: ops.add(ops.ones((2, 3)), ops.ones((4,))), [(2, 3), (4,)]),
    ("multiply_broadcast", lambda: ops.multiply(ops.ones((2, 3)), ops.ones((2, 2))),
     [(2, 3), (2, 2)]),
    ("conv_channels", lambda: ops.conv(ops.ones((1, 5, 5, 3)), ops.ones((2, 2, 4, 1))),
     [(1, 5, 5, 3), (2, 2, 4, 1)]),
    ("split_uneven", lambda: ops.split(ops.ones((5,)), 2), [(5,)]),
    ("squeeze_non_unit_axis", lambda: ops.squeeze(ops.ones((1, 3)), axis=1), [(1, 3)]),
]


@pytest.mark.parametrize("call,shapes", [(c, s) for _, c, s in SHAPE_ERRORS],
                         ids=[i for i, _, _ in SHAPE_ERRORS])
def test_shape_errors_are_value_errors_naming_the_shapes(call, shapes):
    with pytest.raises(ValueError) as excinfo:
        call()
    msg = _message(excinfo)
    for shape in shapes:
        assert re.search(_shape_pattern(shape), msg), msg


@pytest.mark.parametrize("call,word", [
    (lambda: ops.pad(ops.ones((2,)), ((1, 1),), mode="wrapx"), "wrapx"),
    (lambda: ops.conv(ops.ones((1, 5, 3)), ops.ones((2, 3, 1)), padding="full"), "full"),
    (lambda: ops.max_pool(ops.ones((1, 4, 1)), 2, padding="full"), "full"),
    (lambda: ops.conv(ops.ones((1, 5, 3)), ops.ones((2, 3, 1)), data_format="NWC"), "NWC"),
], ids=["pad_mode", "conv_padding", "pool_padding", "data_format"])
def test_bad_option_values_are_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()
