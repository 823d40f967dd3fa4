"""``polykeras.ops.fused`` and the optional adapter kernels behind it (``OPTIONAL_KERNELS``).

Every backend runs these: where the adapter defines a kernel, ``fused`` calls it, else it
composes the ops. Either way the result must match float64 NumPy, with the same
gradients, and the inputs must not change.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import to_np

import polykeras
from polykeras import layers, ops, optimizers
from polykeras.backend.protocol import OPTIONAL_KERNELS
from polykeras.ops import fused

#: The kernels each built-in adapter defines (compiling backends leave fusion to XLA and
#: Grappler). Keeps a kernel from disappearing unnoticed.
EXPECTED = {
    "numpy": set(OPTIONAL_KERNELS),
    "torch": set(OPTIONAL_KERNELS),
    "jax": set(),
    "tensorflow": set(),
}

RTOL, ATOL = 1e-5, 1e-6


def _kernel(backend, name):
    return getattr(backend, name, None)


def _arrays(seed, *shapes, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s).astype(np.float32) for s in shapes]


def test_adapter_defines_the_expected_kernels(backend):
    defined = {name for name in OPTIONAL_KERNELS if _kernel(backend, name) is not None}
    assert defined == EXPECTED.get(backend.name, defined)


@pytest.mark.parametrize("x_shape", [(5, 4), (2, 3, 4)])
def test_dense_matches_matmul_plus_bias_with_gradients(backend, x_shape):
    x, w, c = _arrays(0, x_shape, (4, 3), (3,))

    def loss(p):
        out = fused.dense(p[0], p[1], p[2])
        return ops.sum(ops.multiply(out, out))

    params = [ops.convert_to_tensor(a) for a in (x, w, c)]
    value, grads = backend.value_and_grad(loss)(params)
    out = x.astype(np.float64) @ w + c
    np.testing.assert_allclose(to_np(fused.dense(*params)), out, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(float(to_np(value)), (out ** 2).sum(), rtol=RTOL)
    g = 2 * out
    flat_x, flat_g = x.reshape(-1, 4).astype(np.float64), g.reshape(-1, 3)
    expected = [g @ w.T, flat_x.T @ flat_g, flat_g.sum(axis=0)]
    for got, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-5)


def test_dense_promotes_mixed_dtypes_like_matmul(backend):
    x = ops.convert_to_tensor(np.ones((2, 3), np.float16))
    w = ops.convert_to_tensor(np.ones((3, 2), np.float32))
    c = ops.convert_to_tensor(np.ones((2,), np.float32))
    out = fused.dense(x, w, c)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(to_np(out), np.full((2, 2), 4.0, np.float32))
    np.testing.assert_array_equal(to_np(fused.dense(x, w, None)), np.full((2, 2), 3.0))


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_uses_the_uniform_draw_of_its_key(backend, rate):
    x = ops.convert_to_tensor(_arrays(1, (64, 32))[0])
    key = backend.rng_split(backend.rng_key(11))[1]
    u = to_np(backend.random_uniform((64, 32), 0.0, 1.0, "float32", key))
    expected = np.where(u < 1.0 - rate, to_np(x) / (1.0 - rate), 0.0)
    got = polykeras.random.dropout(x, rate, seed=key)  # the adapter's kernel, if it has one
    np.testing.assert_allclose(to_np(got), expected, rtol=RTOL, atol=ATOL)
    assert ops.dtype(got) == "float32"


def test_dropout_gradient_is_the_scaled_mask(backend):
    x = ops.convert_to_tensor(_arrays(2, (16, 8))[0])
    key = backend.rng_key(3)
    _, grad = backend.value_and_grad(
        lambda p: ops.sum(polykeras.random.dropout(p, 0.25, seed=key)))(x)
    u = to_np(backend.random_uniform((16, 8), 0.0, 1.0, "float32", key))
    np.testing.assert_allclose(to_np(grad), np.where(u < 0.75, 1.0 / 0.75, 0.0), rtol=RTOL)


def _sgd_reference(w, g, m, lr, momentum, nesterov):
    step = g * lr
    if m is None:
        return w - step, None
    m_new = m * momentum - step
    return (w + m_new * momentum - step if nesterov else w + m_new), m_new


def _tensors(*groups):
    return [None if g is None else [ops.convert_to_tensor(a) for a in g] for g in groups]


def _assert_unchanged(tensors, originals):
    for group, arrays in zip(tensors, originals, strict=True):
        for t, a in zip(group or [], arrays or [], strict=True):
            np.testing.assert_array_equal(to_np(t), a)


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_update_matches_the_formula_and_keeps_inputs(momentum, nesterov):
    ws = _arrays(3, (4, 3), (3,))
    gs = _arrays(4, (4, 3), (3,))
    ms = None if momentum == 0 else _arrays(5, (4, 3), (3,))
    tensors = _tensors(ws, gs, ms)
    new_w, new_m = fused.sgd_update(*tensors, ops.convert_to_tensor(np.float32(0.1)),
                                    momentum, nesterov)
    assert (new_m is None) == (ms is None)
    for i in range(len(ws)):
        ref_w, ref_m = _sgd_reference(ws[i].astype(np.float64), gs[i], None if ms is None
                                      else ms[i], 0.1, momentum, nesterov)
        np.testing.assert_allclose(to_np(new_w[i]), ref_w, rtol=RTOL, atol=ATOL)
        if ms is not None:
            np.testing.assert_allclose(to_np(new_m[i]), ref_m, rtol=RTOL, atol=ATOL)
    _assert_unchanged(tensors, (ws, gs, ms))


def test_adam_update_matches_the_formula_and_keeps_inputs():
    ws, gs, ms = _arrays(6, (4, 3), (3,)), _arrays(7, (4, 3), (3,)), _arrays(8, (4, 3), (3,))
    vs = _arrays(9, (4, 3), (3,), low=0.0, high=1.0)
    tensors = _tensors(ws, gs, ms, vs)
    new_w, new_m, new_v = fused.adam_update(*tensors, ops.convert_to_tensor(np.float32(0.01)),
                                            0.9, 0.999, 1e-7)
    for i in range(2):
        w, g, m, v = (a[i].astype(np.float64) for a in (ws, gs, ms, vs))
        m2 = m + (g - m) * 0.1
        v2 = v + (g * g - v) * 0.001
        np.testing.assert_allclose(to_np(new_m[i]), m2, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(to_np(new_v[i]), v2, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(to_np(new_w[i]), w - m2 * 0.01 / (np.sqrt(v2) + 1e-7),
                                   rtol=1e-4, atol=1e-5)
    _assert_unchanged(tensors, (ws, gs, ms, vs))


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: optimizers.Adam(0.01),
], ids=["sgd", "adam"])
def test_optimizer_updates_variables_of_mixed_dtypes(make):
    """Variables are batched per dtype for a fused update; each keeps its dtype."""
    w32 = polykeras.Variable(np.ones((3,), np.float32), name="w32")
    w16 = polykeras.Variable(np.ones((2,), np.float16), dtype="float16", name="w16")
    opt = make()
    grads = [ops.convert_to_tensor(np.full((3,), 0.5, np.float32)),
             ops.convert_to_tensor(np.full((2,), 0.5, np.float32))]  # cast to float16
    for _ in range(2):
        opt.apply(grads, [w32, w16])
    assert w32.dtype == "float32" and w16.dtype == "float16"
    np.testing.assert_allclose(w16.numpy().astype(np.float32), w32.numpy()[:2], rtol=2e-3)
    assert (w32.numpy() < 1.0).all()


def test_dense_and_dropout_layers_train_a_step(backend):
    """Through the layers: a Dense-Dropout-Dense step lowers the loss on every backend."""
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([polykeras.Input((6,)), layers.Dense(16, activation="tanh"),
                                  layers.Dropout(0.3), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="mse")
    x, coef = _arrays(10, (64, 6), (6, 1))
    y = np.tanh(x @ coef)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first
