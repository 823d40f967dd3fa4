"""``backend.value_and_grad`` against float64 central finite differences of the references.

Each case differentiates ``sum(op(*inputs) * w)`` (``w`` fixed random weights, so every
output element contributes) with respect to the float inputs, in float32 on the
backend, and compares with finite differences of the float64 NumPy reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import reference as R
from reference import (
    BINARY_CASES,
    GRAD_ATOL,
    GRAD_RTOL,
    UNARY_CASES,
    numerical_gradient,
    sample,
    to_np,
    widen,
)

from polykeras import ops


class GradCase:
    """``fn`` (on backend tensors) and ``ref`` (on float64 arrays) of the same inputs.

    ``inputs`` holds ``(domain, shape)`` pairs drawn with :func:`reference.sample` or
    fixed arrays (integer indices, labels). ``wrt`` lists the inputs to differentiate
    (default: every float input).
    """

    def __init__(self, id: str, fn: Callable[..., Any], ref: Callable[..., Any],
                 inputs: Sequence[Any], wrt: Sequence[int] | None = None) -> None:
        self.id, self.fn, self.ref, self.inputs, self.wrt = id, fn, ref, inputs, wrt

    def arrays(self) -> list[np.ndarray]:
        out = []
        for i, spec in enumerate(self.inputs):
            if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
                out.append(sample(spec[0], spec[1], seed=11 * i + 3))
            else:
                out.append(np.asarray(spec))
        return out

    def __repr__(self) -> str:
        return self.id


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_gradients(backend, case: GradCase) -> None:
    arrays = case.arrays()
    wrt = case.wrt
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    ref_outs = _as_list(case.ref(*[widen(a) for a in arrays]))
    rng = np.random.default_rng(7)
    weights = [rng.normal(size=np.shape(o)).astype("float32") for o in ref_outs]

    def ref_loss(*args):
        outs = _as_list(case.ref(*args))
        return sum(float(np.sum(o * widen(w))) for o, w in zip(outs, weights, strict=True))

    tensors = [ops.convert_to_tensor(a) for a in arrays]
    weight_tensors = [ops.convert_to_tensor(w) for w in weights]

    def loss(params):
        args = list(tensors)
        for j, i in enumerate(wrt):
            args[i] = params[j]
        outs = _as_list(case.fn(*args))
        total = ops.sum(ops.multiply(outs[0], weight_tensors[0]))
        for o, w in zip(outs[1:], weight_tensors[1:], strict=True):
            total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total

    value, grads = backend.value_and_grad(loss)([tensors[i] for i in wrt])
    np.testing.assert_allclose(to_np(value), ref_loss(*arrays), rtol=1e-4, atol=1e-5,
                               err_msg="loss value")
    assert isinstance(grads, list) and len(grads) == len(wrt)
    for j, i in enumerate(wrt):
        g = grads[j]
        assert ops.dtype(g) == "float32", f"gradient {j} has dtype {ops.dtype(g)}"
        assert tuple(ops.shape(g)) == arrays[i].shape, (
            f"gradient of input {i} has shape {tuple(ops.shape(g))}, expected {arrays[i].shape}"
        )
        expected = numerical_gradient(ref_loss, arrays, i)
        np.testing.assert_allclose(to_np(g), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL,
                                   err_msg=f"gradient of input {i}")


# --------------------------------------------------------------------- elementwise
def _elementwise_cases() -> list[GradCase]:
    cases = []
    for c in UNARY_CASES:
        if c.differentiable:
            cases.append(GradCase(c.id, c, c.ref, [(c.domains[0], (2, 3))]))
    for c in BINARY_CASES:
        if not c.differentiable:
            continue
        for tag, shapes in [("bcast", ((2, 1, 3), (3,))), ("scalar", ((), (2, 3)))]:
            cases.append(GradCase(f"{c.id}_{tag}", c, c.ref,
                                  [(d, s) for d, s in zip(c.domains, shapes, strict=True)]))
    return cases


@pytest.mark.parametrize("case", _elementwise_cases(), ids=repr)
def test_elementwise_gradients(backend, case):
    check_gradients(backend, case)


# ------------------------------------------------------------------- reductions
def _reduction_cases() -> list[GradCase]:
    refs = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
            "var": np.var, "std": np.std, "logsumexp": R.logsumexp}
    cases = []
    for name, ref in refs.items():
        domain = "any" if name == "prod" else "distinct"
        for tag, axis, keepdims in [("last", -1, False), ("tuple_keep", (0, 2), True)]:
            cases.append(GradCase(
                f"{name}_{tag}",
                lambda x, n=name, a=axis, k=keepdims: getattr(ops, n)(x, axis=a, keepdims=k),
                lambda x, r=ref, a=axis, k=keepdims: r(x, axis=a, keepdims=k),
                [(domain, (2, 3, 2))],
            ))
    for name in ("cumsum", "cumprod"):
        for axis in (None, 1):
            cases.append(GradCase(
                f"{name}_{axis}",
                lambda x, n=name, a=axis: getattr(ops, n)(x, axis=a),
                lambda x, n=name, a=axis: getattr(np, n)(x, axis=a),
                [("any", (2, 3))],
            ))
    for tag, kwargs in [("default", {}), ("ord1", {"ord": 1, "axis": -1}),
                        ("rows", {"axis": -1}), ("fro", {"ord": "fro", "axis": (0, 1)})]:
        cases.append(GradCase(f"norm_{tag}", lambda x, k=kwargs: ops.norm(x, **k),
                              lambda x, k=kwargs: np.linalg.norm(x, **k), [("any", (2, 3))]))
    return cases


@pytest.mark.parametrize("case", _reduction_cases(), ids=repr)
def test_reduction_gradients(backend, case):
    check_gradients(backend, case)


# ------------------------------------------------------------------------ linalg
LINALG_CASES = [
    GradCase("matmul_2d", ops.matmul, np.matmul, [("any", (3, 4)), ("any", (4, 2))]),
    GradCase("matmul_batched_bcast", ops.matmul, np.matmul,
             [("any", (2, 1, 3, 4)), ("any", (3, 4, 2))]),
    GradCase("matmul_vec_mat", ops.matmul, np.matmul, [("any", (4,)), ("any", (4, 2))]),
    GradCase("matmul_mat_vec", ops.matmul, np.matmul, [("any", (3, 4)), ("any", (4,))]),
    GradCase("matmul_vec_vec", ops.matmul, np.matmul, [("any", (4,)), ("any", (4,))]),
    GradCase("dot_2d_1d", ops.dot, np.dot, [("any", (3, 4)), ("any", (4,))]),
    GradCase("tensordot_pairs", lambda a, b: ops.tensordot(a, b, axes=([1, 2], [2, 0])),
             lambda a, b: np.tensordot(a, b, axes=([1, 2], [2, 0])),
             [("any", (2, 3, 4)), ("any", (4, 2, 3))]),
    GradCase("tensordot_1", lambda a, b: ops.tensordot(a, b, axes=1),
             lambda a, b: np.tensordot(a, b, axes=1), [("any", (2, 3)), ("any", (3, 2))]),
    GradCase("einsum_bmm", lambda a, b: ops.einsum("bij,bjk->bik", a, b),
             lambda a, b: np.einsum("bij,bjk->bik", a, b),
             [("any", (2, 2, 3)), ("any", (2, 3, 2))]),
    GradCase("einsum_reduce", lambda a: ops.einsum("ijk->k", a),
             lambda a: np.einsum("ijk->k", a), [("any", (2, 3, 2))]),
    GradCase("einsum_outer", lambda a, b: ops.einsum("i,j->ij", a, b),
             lambda a, b: np.einsum("i,j->ij", a, b), [("any", (3,)), ("any", (2,))]),
    GradCase("outer", ops.outer, np.outer, [("any", (3,)), ("any", (2,))]),
]


@pytest.mark.parametrize("case", LINALG_CASES, ids=repr)
def test_linalg_gradients(backend, case):
    check_gradients(backend, case)


# -------------------------------------------------------------------- shape ops
def _getitem(key):
    from polykeras.backend import current

    def fn(x):
        k = key
        if isinstance(k, np.ndarray):
            k = ops.convert_to_tensor(k.astype("int32"))
        return current().getitem(x, k)

    return fn


A23 = ("any", (2, 3))
A234 = ("any", (2, 3, 4))
DUP = np.array([2, 0, 2, 1, 2], dtype="int32")

SHAPE_CASES = [
    GradCase("reshape", lambda x: ops.reshape(x, (4, -1)), lambda x: x.reshape(4, -1), [A234]),
    GradCase("transpose", lambda x: ops.transpose(x, (2, 0, 1)),
             lambda x: x.transpose(2, 0, 1), [A234]),
    GradCase("expand_dims", lambda x: ops.expand_dims(x, 1), lambda x: x[:, None], [A23]),
    GradCase("squeeze", lambda x: ops.squeeze(x, axis=1), lambda x: x[:, 0], [("any", (2, 1, 3))]),
    GradCase("concatenate", lambda a, b: ops.concatenate([a, b, a], axis=-1),
             lambda a, b: np.concatenate([a, b, a], -1), [A23, ("any", (2, 2))]),
    GradCase("stack", lambda a, b: ops.stack([a, b], axis=1),
             lambda a, b: np.stack([a, b], 1), [A23, A23]),
    GradCase("split", lambda x: ops.split(x, [1, 3], axis=-1),
             lambda x: np.split(x, [1, 3], axis=-1), [A234]),
    GradCase("tile", lambda x: ops.tile(x, (2, 3)), lambda x: np.tile(x, (2, 3)), [A23]),
    GradCase("repeat_flat", lambda x: ops.repeat(x, 2), lambda x: np.repeat(x, 2), [A23]),
    GradCase("repeat_axis", lambda x: ops.repeat(x, 3, axis=0),
             lambda x: np.repeat(x, 3, axis=0), [A23]),
    GradCase("broadcast_to", lambda x: ops.broadcast_to(x, (4, 2, 3)),
             lambda x: np.broadcast_to(x, (4, 2, 3)), [("any", (2, 1))]),
    GradCase("pad_constant", lambda x: ops.pad(x, ((1, 0), (2, 1)), constant_values=1.5),
             lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=1.5), [A23]),
    GradCase("pad_reflect", lambda x: ops.pad(x, ((1, 1), (2, 2)), mode="reflect"),
             lambda x: np.pad(x, ((1, 1), (2, 2)), mode="reflect"), [("any", (3, 4))]),
    GradCase("pad_symmetric", lambda x: ops.pad(x, ((2, 1), (0, 3)), mode="symmetric"),
             lambda x: np.pad(x, ((2, 1), (0, 3)), mode="symmetric"), [("any", (3, 4))]),
    GradCase("flip", lambda x: ops.flip(x, axis=(0, -1)), lambda x: np.flip(x, (0, -1)), [A234]),
    GradCase("slice", lambda x: ops.slice(x, (0, 1, 1), (2, 2, 2)),
             lambda x: x[0:2, 1:3, 1:3], [A234]),
    GradCase("ravel", ops.ravel, np.ravel, [A23]),
    GradCase("swapaxes", lambda x: ops.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), [A234]),
    GradCase("moveaxis", lambda x: ops.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), [A234]),
    GradCase("getitem_basic", _getitem((slice(None), None, slice(1, None), 0)),
             lambda x: x[:, None, 1:, 0], [A234]),
    GradCase("getitem_int_array", _getitem(DUP), lambda x: x[DUP], [("any", (3, 2))]),
    GradCase("take_axis0", lambda x, i: ops.take(x, i, axis=0), lambda x, i: np.take(x, i, 0),
             [("any", (3, 2)), DUP]),
    GradCase("take_flat", lambda x, i: ops.take(x, i), lambda x, i: np.take(x, i),
             [A23, np.array([[5, 0], [5, 5]], dtype="int32")]),
    GradCase("take_along_axis", lambda x, i: ops.take_along_axis(x, i, axis=1),
             lambda x, i: np.take_along_axis(x, i, 1),
             [A23, np.array([[2, 2, 0, 1], [1, 0, 0, 0]], dtype="int32")]),
    GradCase("scatter_values", lambda v, i: ops.scatter(i, v, (3, 2)),
             lambda v, i: R.scatter(i, v, (3, 2)),
             [("any", (4,)), np.array([[0, 1], [2, 0], [0, 1], [1, 1]], dtype="int32")]),
    GradCase("where", lambda c, a, b: ops.where(c, a, b), lambda c, a, b: np.where(c, a, b),
             [np.array([[True, False, True], [False, False, True]]), A23, ("any", (3,))]),
    GradCase("clip", lambda x: ops.clip(x, -1.0, 1.2), lambda x: np.clip(x, -1.0, 1.2),
             [("distinct", (3, 4))]),
    GradCase("sort", lambda x: ops.sort(x, axis=-1), lambda x: np.sort(x, -1), [("distinct", (2, 4))]),
    GradCase("top_k_values", lambda x: ops.top_k(x, 2)[0],
             lambda x: -np.sort(-x, -1)[:, :2], [("distinct", (2, 5))]),
    GradCase("cast_float16_roundtrip", lambda x: ops.cast(ops.cast(x, "float16"), "float32"),
             lambda x: x, [("eighths", (2, 3))]),
]


@pytest.mark.parametrize("case", SHAPE_CASES, ids=repr)
def test_shape_and_indexing_gradients(backend, case):
    check_gradients(backend, case)


# ------------------------------------------------------------------------ nn ops
def _softmax_rows(shape, seed):
    return R.softmax(widen(sample("any", shape, seed=seed))).astype("float32")


ONE_HOT_TARGET = np.eye(4, dtype="float32")[[1, 3, 0]]
SOFT_TARGET = _softmax_rows((3, 4), 5)
PROB_OUTPUT = ("prob", (3, 4))
LABELS = np.array([1, 3, 0], dtype="int32")

NN_CASES = [
    GradCase("softmax", lambda x: ops.softmax(x), R.softmax, [A234]),
    GradCase("softmax_axis0", lambda x: ops.softmax(x, axis=0), lambda x: R.softmax(x, 0), [A234]),
    GradCase("log_softmax", lambda x: ops.log_softmax(x), R.log_softmax, [A234]),
    GradCase("cce_logits", lambda t, o: ops.categorical_crossentropy(t, o, from_logits=True),
             lambda t, o: R.categorical_crossentropy(t, o, True), [SOFT_TARGET, ("any", (3, 4))]),
    GradCase("cce_probs", lambda t, o: ops.categorical_crossentropy(t, o),
             lambda t, o: R.categorical_crossentropy(t, o), [SOFT_TARGET, PROB_OUTPUT]),
    GradCase("cce_onehot_probs", lambda t, o: ops.categorical_crossentropy(t, o),
             lambda t, o: R.categorical_crossentropy(t, o), [ONE_HOT_TARGET, PROB_OUTPUT], wrt=[1]),
    GradCase("scce_logits",
             lambda t, o: ops.sparse_categorical_crossentropy(t, o, from_logits=True),
             lambda t, o: R.sparse_categorical_crossentropy(t, o, True), [LABELS, ("any", (3, 4))]),
    GradCase("scce_probs", lambda t, o: ops.sparse_categorical_crossentropy(t, o),
             lambda t, o: R.sparse_categorical_crossentropy(t, o), [LABELS, PROB_OUTPUT]),
    GradCase("bce_logits", lambda t, o: ops.binary_crossentropy(t, o, from_logits=True),
             lambda t, o: R.binary_crossentropy(t, o, True), [("prob", (2, 3)), ("wide", (2, 3))]),
    GradCase("bce_probs", lambda t, o: ops.binary_crossentropy(t, o),
             lambda t, o: R.binary_crossentropy(t, o), [("prob", (2, 3)), ("prob", (2, 3))]),
    GradCase("moments", lambda x: ops.moments(x, [0, 2]),
             lambda x: (np.mean(x, (0, 2)), np.var(x, (0, 2))), [A234]),
    GradCase("batch_normalization",
             lambda x, m, v, o, s: ops.batch_normalization(x, m, v, axis=-1, offset=o, scale=s),
             lambda x, m, v, o, s: R.batch_normalization(x, m, v, -1, o, s),
             [A234, ("any", (4,)), ("pos", (4,)), ("any", (4,)), ("any", (4,))]),
]

CONV_GRAD_CASES = [
    ("1d_same_stride2", (1, 6, 2), (3, 2, 2), 2, "same", 1),
    ("1d_valid_dilated", (1, 7, 1), (2, 1, 2), 1, "valid", 2),
    ("2d_valid", (1, 4, 4, 2), (2, 2, 2, 2), 1, "valid", 1),
    ("2d_same_stride2", (1, 5, 4, 1), (3, 2, 1, 2), 2, "same", 1),
    ("2d_same_dilated", (1, 4, 5, 1), (2, 2, 1, 1), 1, "same", 2),
]
for _id, _xs, _ks, _s, _p, _d in CONV_GRAD_CASES:
    NN_CASES.append(GradCase(
        f"conv_{_id}",
        lambda x, k, s=_s, p=_p, d=_d: ops.conv(x, k, strides=s, padding=p, dilation_rate=d),
        lambda x, k, s=_s, p=_p, d=_d: R.conv(x, k, s, p, d),
        [("any", _xs), ("any", _ks)],
    ))

POOL_GRAD_CASES = [
    ("1d_valid", (1, 6, 2), 2, None, "valid"),
    ("1d_same_overlap", (1, 5, 1), 3, 2, "same"),
    ("2d_valid", (1, 4, 4, 1), 2, None, "valid"),
    ("2d_same_odd", (1, 3, 5, 2), 2, None, "same"),
    ("2d_overlap", (1, 4, 4, 1), 3, 1, "valid"),
]
for _kind in ("max", "average"):
    for _id, _xs, _ps, _s, _p in POOL_GRAD_CASES:
        NN_CASES.append(GradCase(
            f"{_kind}_pool_{_id}",
            lambda x, k=_kind, ps=_ps, s=_s, p=_p: getattr(ops, f"{k}_pool")(x, ps, s, p),
            lambda x, k=_kind, ps=_ps, s=_s, p=_p: R.pool(x, ps, s, p,
                                                        "max" if k == "max" else "mean"),
            [("distinct", _xs)],
        ))


@pytest.mark.parametrize("case", NN_CASES, ids=repr)
def test_nn_gradients(backend, case):
    check_gradients(backend, case)


# --------------------------------------------------------------- value_and_grad API
def _t(x):
    return ops.convert_to_tensor(np.asarray(x, dtype="float32"))


def _close(a, b):
    np.testing.assert_allclose(to_np(a), np.asarray(b, dtype=np.float64), rtol=1e-5, atol=1e-6)


def test_single_tensor_params(backend):
    value, grad = backend.value_and_grad(lambda p: ops.sum(ops.square(p)))(_t([1.0, -2.0]))
    _close(value, 5.0)
    _close(grad, [2.0, -4.0])


def test_tuple_and_nested_pytrees(backend):
    params = {"dense": [_t([[1.0, 2.0]]), _t([0.5])], "scale": (_t(3.0),)}

    def fn(p):
        w, b = p["dense"]
        (s,) = p["scale"]
        return ops.multiply(ops.sum(ops.add(w, b)), s)

    value, grads = backend.value_and_grad(fn)(params)
    _close(value, 12.0)
    assert set(grads) == {"dense", "scale"}
    assert isinstance(grads["dense"], list) and isinstance(grads["scale"], tuple)
    _close(grads["dense"][0], [[3.0, 3.0]])
    _close(grads["dense"][1], [6.0])
    _close(grads["scale"][0], 4.0)


def test_extra_arguments_are_passed_through(backend):
    x = _t([[1.0, 2.0], [3.0, 4.0]])
    labels = ops.convert_to_tensor(np.array([1, 0], dtype="int32"))

    def fn(w, inputs, y):
        logits = ops.matmul(inputs, w)
        return ops.mean(ops.sparse_categorical_crossentropy(y, logits, from_logits=True))

    w = sample("any", (2, 2))
    value, grad = backend.value_and_grad(fn)(_t(w), x, labels)

    def ref(wv):
        return float(np.mean(R.sparse_categorical_crossentropy(
            np.array([1, 0]), widen(to_np(x)) @ wv, True)))

    _close(value, ref(widen(w)))
    np.testing.assert_allclose(to_np(grad), numerical_gradient(ref, [w], 0),
                               rtol=GRAD_RTOL, atol=GRAD_ATOL)


def test_unused_leaves_get_zero_gradients(backend):
    params = [_t([1.0, 2.0]), _t([[3.0, 4.0, 5.0]]), {"unused": _t(7.0)}]

    def fn(p):
        return ops.sum(ops.multiply(p[0], 3.0))

    value, grads = backend.value_and_grad(fn)(params)
    _close(value, 9.0)
    _close(grads[0], [3.0, 3.0])
    for g, shape in [(grads[1], (1, 3)), (grads[2]["unused"], ())]:
        assert tuple(ops.shape(g)) == shape and ops.dtype(g) == "float32"
        _close(g, np.zeros(shape))


def test_broadcast_bias_gradient(backend):
    x = sample("any", (5, 3))
    w0, b0 = sample("any", (3, 2), seed=1), sample("any", (2,), seed=2)

    def fn(p):
        return ops.sum(ops.square(ops.add(ops.matmul(_t(x), p["w"]), p["b"])))

    _, grads = backend.value_and_grad(fn)({"w": _t(w0), "b": _t(b0)})
    y = widen(x) @ widen(w0) + widen(b0)
    _close(grads["b"], np.sum(2 * y, axis=0))
    _close(grads["w"], widen(x).T @ (2 * y))
    assert tuple(ops.shape(grads["b"])) == (2,)


def test_scalar_times_tensor_gradient(backend):
    def fn(p):
        return ops.sum(ops.multiply(p[0], p[1]))

    _, grads = backend.value_and_grad(fn)([_t(2.0), _t([1.0, 2.0, 3.0])])
    _close(grads[0], 6.0)
    _close(grads[1], [2.0, 2.0, 2.0])


def test_has_aux(backend):
    def fn(p, x):
        y = ops.multiply(p, x)
        return ops.sum(y), {"y": y, "stats": [ops.mean(y), ops.max(y)]}

    (value, aux), grad = backend.value_and_grad(fn, has_aux=True)(_t([1.0, 2.0]), _t([3.0, 5.0]))
    _close(value, 13.0)
    _close(grad, [3.0, 5.0])
    assert set(aux) == {"y", "stats"} and len(aux["stats"]) == 2
    _close(aux["y"], [3.0, 10.0])
    _close(aux["stats"][0], 6.5)
    _close(aux["stats"][1], 10.0)


def _is_plain_value(x) -> bool:
    """A result with no gradient history converts straight to a float32 NumPy array."""
    if getattr(x, "requires_grad", False):
        return False
    arr = np.asarray(x)
    return arr.dtype == np.float32


def test_value_and_aux_carry_no_gradient(backend):
    def fn(p):
        y = ops.tanh(p)
        return ops.sum(y), y

    (value, aux), _ = backend.value_and_grad(fn, has_aux=True)(_t([0.1, 0.2]))
    assert ops.is_tensor(value) and ops.is_tensor(aux)
    assert _is_plain_value(value), f"value carries gradient state: {type(value).__name__}"
    assert _is_plain_value(aux), f"aux carries gradient state: {type(aux).__name__}"
    assert tuple(ops.shape(value)) == ()
    assert ops.dtype(value) == "float32"
    _, grad = backend.value_and_grad(lambda p: ops.sum(ops.multiply(p, aux)))(_t([1.0, 1.0]))
    _close(grad, np.tanh(np.float32([0.1, 0.2])))


def test_stop_gradient(backend):
    def fn(p):
        return ops.sum(ops.multiply(ops.stop_gradient(p), p))

    value, grad = backend.value_and_grad(fn)(_t([2.0, 3.0]))
    _close(value, 13.0)
    _close(grad, [2.0, 3.0])


def test_gradient_through_variable_reads(backend):
    import polykeras

    v = polykeras.Variable(np.array([1.0, 2.0], dtype="float32"))

    def fn(p):
        return ops.sum(ops.multiply(ops.add(p, v), p))

    value, grad = backend.value_and_grad(fn)(_t([3.0, 4.0]))
    _close(value, 3.0 * 4.0 + 4.0 * 6.0)
    _close(grad, [2 * 3.0 + 1.0, 2 * 4.0 + 2.0])


def test_repeated_calls_are_independent(backend):
    g = backend.value_and_grad(lambda p: ops.sum(ops.exp(p)))
    for x in ([0.0, 1.0], [2.0, -1.0]):
        value, grad = g(_t(x))
        _close(value, np.sum(np.exp(x)))
        _close(grad, np.exp(x))
