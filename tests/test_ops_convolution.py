"""Grouped and 3-D convolution, channels_first, transposed, depthwise and separable
convolution and adaptive pooling: values against float64 loop references and gradients
against finite differences, on the active backend."""

from __future__ import annotations

import conv_reference as C
import numpy as np
import pytest
import reference as R
from reference import assert_result, sample, widen
from test_autodiff import GradCase, check_gradients

from polykeras import ops


def _t(x):
    return ops.convert_to_tensor(x)


TOL = dict(rtol=1e-5, atol=1e-5)

# -------------------------------------------------------------- conv: groups, 3-D, causal
CONV_CASES = [
    ("3d_same", (1, 4, 5, 3, 2), (2, 3, 2, 2, 3), 1, "same", 1),
    ("3d_stride2_valid", (1, 5, 5, 4, 1), (3, 2, 2, 1, 2), 2, "valid", 1),
    ("2d_groups2", (2, 5, 6, 4), (3, 3, 2, 6), 1, "same", 1),
    ("2d_groups4_stride_dilated", (1, 7, 7, 4), (2, 2, 1, 4), 2, "same", 2),
    ("1d_groups3", (2, 7, 6), (3, 2, 3), 1, "valid", 1),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", [c[1:] for c in CONV_CASES],
                         ids=[c[0] for c in CONV_CASES])
def test_conv_grouped_and_3d(xs, ks, strides, padding, dilation):
    x, k = sample("any", xs), sample("any", ks, seed=1)
    expected = C.grouped_conv(widen(x), widen(k), strides, padding, dilation)
    got = ops.conv(_t(x), _t(k), strides=strides, padding=padding, dilation_rate=dilation)
    assert_result(got, expected, "float32", **TOL)


def test_conv_causal_and_channels_first():
    x, k = sample("any", (2, 6, 3)), sample("any", (3, 3, 2), seed=1)
    got = ops.conv(_t(x), _t(k), padding="causal", dilation_rate=2)
    assert_result(got, C.causal_conv(widen(x), widen(k), 1, 2), "float32", **TOL)
    x2, k2 = sample("any", (2, 3, 5, 4)), sample("any", (2, 2, 4, 2), seed=2)
    got = ops.conv(_t(C.first(x2)), _t(k2), padding="same", data_format="channels_first")
    assert_result(got, C.first(R.conv(widen(x2), widen(k2), 1, "same")), "float32", **TOL)


@pytest.mark.parametrize("kind", ["max", "average"])
def test_pool_3d_and_channels_first(kind):
    x = sample("distinct", (1, 4, 5, 3, 2)) * 0.1
    mode = "max" if kind == "max" else "mean"
    op = getattr(ops, f"{kind}_pool")
    assert_result(op(_t(x), 2, padding="same"), R.pool(widen(x), 2, None, "same", mode),
                  "float32")
    x2 = sample("distinct", (2, 6, 5, 3)) * 0.1
    got = op(_t(C.first(x2)), (2, 2), strides=1, data_format="channels_first")
    assert_result(got, C.first(R.pool(widen(x2), 2, 1, "valid", mode)), "float32")


def test_conv_rejects_mismatched_groups():
    with pytest.raises(ValueError, match="grouped convolution"):
        ops.conv(ops.ones((1, 5, 5, 4)), ops.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match="data_format"):
        ops.conv(ops.ones((1, 5, 5, 4)), ops.ones((3, 3, 4, 2)), data_format="NHWC")


# --------------------------------------------------------------------- conv_transpose
TRANSPOSE_CASES = [
    ("1d_valid", (2, 4, 3), (3, 5, 3), 1, "valid", None, 1),
    ("1d_same_stride2", (2, 4, 3), (3, 2, 3), 2, "same", None, 1),
    ("1d_valid_stride3_short_kernel", (1, 3, 2), (2, 2, 2), 3, "valid", None, 1),
    ("1d_same_outpad", (1, 4, 2), (3, 2, 2), 2, "same", 1, 1),
    ("1d_same_even_outpad0", (1, 4, 1), (2, 2, 1), 2, "same", 0, 1),
    ("1d_dilated", (1, 4, 2), (3, 2, 2), 1, "valid", None, 2),
    ("2d_same_stride2", (2, 4, 3, 2), (3, 3, 4, 2), 2, "same", None, 1),
    ("2d_valid_tuple", (1, 3, 4, 2), (2, 3, 3, 2), (2, 1), "valid", None, 1),
    ("2d_valid_outpad", (1, 3, 3, 2), (3, 3, 2, 2), 2, "valid", (1, 0), 1),
    ("2d_same_dilated", (1, 4, 4, 1), (2, 3, 2, 1), 1, "same", None, (2, 1)),
    ("3d_same_stride2", (1, 2, 3, 2, 2), (2, 2, 3, 3, 2), 2, "same", None, 1),
]


@pytest.mark.parametrize("xs,ks,strides,padding,outpad,dilation",
                         [c[1:] for c in TRANSPOSE_CASES], ids=[c[0] for c in TRANSPOSE_CASES])
def test_conv_transpose(xs, ks, strides, padding, outpad, dilation):
    x, k = sample("any", xs), sample("any", ks, seed=1)
    expected = C.conv_transpose(widen(x), widen(k), strides, padding, outpad, dilation)
    got = ops.conv_transpose(_t(x), _t(k), strides=strides, padding=padding,
                             output_padding=outpad, dilation_rate=dilation)
    assert_result(got, expected, "float32", **TOL)


def test_conv_transpose_channels_first_and_errors():
    x, k = sample("any", (2, 4, 3, 2)), sample("any", (3, 3, 5, 2), seed=1)
    got = ops.conv_transpose(_t(C.first(x)), _t(k), 2, "same", data_format="channels_first")
    assert_result(got, C.first(C.conv_transpose(widen(x), widen(k), 2, "same")), "float32",
                  **TOL)
    with pytest.raises(ValueError, match="input channels"):
        ops.conv_transpose(_t(x), ops.ones((3, 3, 2, 5)))
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv_transpose(_t(x), _t(k), 2, output_padding=-1)


# ------------------------------------------------------------ depthwise and separable
DEPTHWISE_CASES = [
    ("1d_valid", (2, 7, 3), (3, 3, 2), 1, "valid", 1),
    ("1d_causal", (1, 6, 2), (3, 2, 1), 1, "causal", 1),
    ("2d_same", (2, 5, 6, 3), (3, 3, 3, 1), 1, "same", 1),
    ("2d_mult2_stride2", (1, 6, 5, 2), (3, 2, 2, 2), 2, "same", 1),
    ("2d_dilated", (1, 7, 7, 2), (2, 2, 2, 3), 1, "valid", 2),
    ("2d_stride_and_dilation", (1, 8, 8, 2), (3, 3, 2, 1), 2, "same", 2),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", [c[1:] for c in DEPTHWISE_CASES],
                         ids=[c[0] for c in DEPTHWISE_CASES])
def test_depthwise_conv(xs, ks, strides, padding, dilation):
    x, k = sample("any", xs), sample("any", ks, seed=1)
    if padding == "causal":
        left = dilation * (ks[0] - 1)
        expected = C.depthwise_conv(np.pad(widen(x), [(0, 0), (left, 0), (0, 0)]), widen(k),
                                    strides, "valid", dilation)
    else:
        expected = C.depthwise_conv(widen(x), widen(k), strides, padding, dilation)
    got = ops.depthwise_conv(_t(x), _t(k), strides=strides, padding=padding,
                             dilation_rate=dilation)
    assert_result(got, expected, "float32", **TOL)


@pytest.mark.parametrize("nd", [1, 2])
def test_separable_conv(nd):
    xs = (2, 6, 3) if nd == 1 else (2, 5, 6, 3)
    x = sample("any", xs)
    dk = sample("any", (3,) * nd + (3, 2), seed=1)
    pk = sample("any", (1,) * nd + (6, 4), seed=2)
    expected = R.conv(C.depthwise_conv(widen(x), widen(dk), 1, "same"), widen(pk))
    got = ops.separable_conv(_t(x), _t(dk), _t(pk), padding="same")
    assert_result(got, expected, "float32", **TOL)


# --------------------------------------------------------------------- adaptive pooling
ADAPTIVE_CASES = [
    ("1d_uneven", (2, 7, 3), 3),
    ("1d_identity", (1, 4, 2), 4),
    ("2d", (2, 5, 7, 2), (2, 3)),
    ("2d_upsample", (1, 2, 3, 1), (3, 4)),
    ("3d", (1, 4, 5, 3, 2), (2, 2, 1)),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("xs,out", [c[1:] for c in ADAPTIVE_CASES],
                         ids=[c[0] for c in ADAPTIVE_CASES])
def test_adaptive_pool(kind, xs, out):
    x = sample("distinct", xs) * 0.1
    op = ops.adaptive_max_pool if kind == "max" else ops.adaptive_average_pool
    expected = C.adaptive_pool(widen(x), out, kind)
    assert_result(op(_t(x), out), expected, "float32", **TOL)
    got = op(_t(C.first(x)), out, data_format="channels_first")
    assert_result(got, C.first(expected), "float32", **TOL)


# -------------------------------------------------------------------------- gradients
GRAD_CASES = [
    GradCase("conv_groups2",
             lambda x, k: ops.conv(x, k, 2, "same"),
             lambda x, k: C.grouped_conv(x, k, 2, "same"), [("any", (1, 5, 4, 4)),
                                                            ("any", (2, 2, 2, 4))]),
    GradCase("conv_3d", lambda x, k: ops.conv(x, k, 1, "valid"),
             lambda x, k: R.conv(x, k), [("any", (1, 3, 3, 3, 1)), ("any", (2, 2, 2, 1, 2))]),
    GradCase("conv_transpose_2d_same_s2",
             lambda x, k: ops.conv_transpose(x, k, 2, "same"),
             lambda x, k: C.conv_transpose(x, k, 2, "same"),
             [("any", (1, 3, 2, 2)), ("any", (3, 3, 2, 2))]),
    GradCase("conv_transpose_1d_valid_dilated",
             lambda x, k: ops.conv_transpose(x, k, 1, "valid", dilation_rate=2),
             lambda x, k: C.conv_transpose(x, k, 1, "valid", None, 2),
             [("any", (1, 4, 2)), ("any", (2, 3, 2))]),
    GradCase("conv_transpose_1d_outpad",
             lambda x, k: ops.conv_transpose(x, k, 2, "same", output_padding=1),
             lambda x, k: C.conv_transpose(x, k, 2, "same", 1),
             [("any", (1, 3, 1)), ("any", (3, 2, 1))]),
    GradCase("depthwise_conv_2d",
             lambda x, k: ops.depthwise_conv(x, k, 1, "same"),
             lambda x, k: C.depthwise_conv(x, k, 1, "same"),
             [("any", (1, 4, 4, 2)), ("any", (3, 3, 2, 2))]),
    GradCase("separable_conv_1d",
             lambda x, d, p: ops.separable_conv(x, d, p, 2, "same"),
             lambda x, d, p: R.conv(C.depthwise_conv(x, d, 2, "same"), p),
             [("any", (1, 6, 2)), ("any", (3, 2, 1)), ("any", (1, 2, 3))]),
    GradCase("adaptive_average_pool",
             lambda x: ops.adaptive_average_pool(x, (2, 3)),
             lambda x: C.adaptive_pool(x, (2, 3), "average"), [("any", (1, 5, 4, 2))]),
    GradCase("adaptive_max_pool",
             lambda x: ops.adaptive_max_pool(x, 2),
             lambda x: C.adaptive_pool(x, 2, "max"), [("distinct", (1, 5, 3))]),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=repr)
def test_convolution_gradients(backend, case):
    check_gradients(backend, case)
