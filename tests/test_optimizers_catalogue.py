"""Adamax, Ftrl, Lion, Lamb, Adafactor, LossScaleOptimizer, the step options every
optimizer takes (use_ema, gradient_accumulation_steps, loss_scale_factor) and the
PolynomialDecay / CosineDecayRestarts schedules: against NumPy references written here on
the active backend, and against Keras 3 where it is installed."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from test_optimizers import (
    B0,
    F32,
    STEPS,
    W0,
    _close,
    _fresh_variables,
    _grads,
    _power32,
    _run,
    _tensors,
)

import polykeras
from polykeras import layers, ops, optimizers
from polykeras.optimizers import schedules


def _ref_adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["m"] = s.get("m", np.zeros_like(w)) + (g - s.get("m", np.zeros_like(w))) * (1 - beta_1)
    s["u"] = np.maximum(beta_2 * s.get("u", np.zeros_like(w)), np.abs(g))
    return w - lr * s["m"] / ((1 - _power32(beta_1, t)) * (s["u"] + epsilon))


def _ref_lion(w, g, s, t, lr, beta_1=0.9, beta_2=0.99):
    m = s.get("m", np.zeros_like(w))
    w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
    s["m"] = beta_2 * m + (1 - beta_2) * g
    return w


def _ref_lamb(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = s.get("m", np.zeros_like(w)) * beta_1 + (1 - beta_1) * g
    v = s.get("v", np.zeros_like(w)) * beta_2 + (1 - beta_2) * g * g
    s["m"], s["v"] = m, v
    update = (m / (1 - _power32(beta_1, t))) / (np.sqrt(v / (1 - _power32(beta_2, t))) + epsilon)
    wn, un = np.linalg.norm(w), np.linalg.norm(update)
    ratio = wn / un if wn > 0 and un > 0 else 1.0
    return w - ratio * lr * update


def _ref_ftrl(w, g, s, t, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1,
              l1_regularization_strength=0.0, l2_regularization_strength=0.0,
              l2_shrinkage_regularization_strength=0.0, beta=0.0):
    acc = s.get("acc", np.full_like(w, initial_accumulator_value))
    lin = s.get("lin", np.zeros_like(w))
    p = -learning_rate_power
    new_acc = acc + g * g
    lin = lin + g + 2 * l2_shrinkage_regularization_strength * w - \
        (new_acc ** p - acc ** p) / lr * w
    quadratic = new_acc ** p / lr + 2 * (l2_regularization_strength + beta / (2 * lr))
    l1 = l1_regularization_strength
    s["acc"], s["lin"] = new_acc, lin
    return (np.clip(lin, -l1, l1) - lin) / quadratic


def _ref_adafactor(w, g, s, t, lr, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                   clip_threshold=1.0):
    rho = min(lr, 1 / math.sqrt(t))
    alpha = max(epsilon_2, np.sqrt(np.mean(w * w))) * rho
    sq = g * g + epsilon_1
    b2 = 1 - t ** beta_2_decay
    if w.ndim >= 2:
        s["r"] = b2 * s.get("r", 0.0) + (1 - b2) * sq.mean(-1)
        s["c"] = b2 * s.get("c", 0.0) + (1 - b2) * sq.mean(-2)
        v = (s["r"] / s["r"].mean(-1, keepdims=True))[..., None] * s["c"][..., None, :]
    else:
        v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * sq
    u = g / np.sqrt(v)
    u = u / max(1.0, np.sqrt(np.mean(u * u)) / clip_threshold)
    return w - alpha * u


def _reference(update, kwargs, steps=STEPS, lr=0.1):
    ws, states = [W0.copy(), B0.copy()], [{}, {}]
    for step in range(steps):
        for i, g in enumerate(_grads(step)):
            ws[i] = update(ws[i], g, states[i], step + 1, lr, **kwargs)
    return ws


CASES = [
    ("Adamax", {}, _ref_adamax), ("Adamax", {"beta_1": 0.5}, _ref_adamax),
    ("Lion", {}, _ref_lion), ("Lamb", {}, _ref_lamb),
    ("Ftrl", {}, _ref_ftrl),
    ("Ftrl", {"l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
              "l2_shrinkage_regularization_strength": 0.02, "beta": 0.3}, _ref_ftrl),
    ("Adafactor", {}, _ref_adafactor),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0] + "".join(f"_{k}" for k in c[1])
                         if isinstance(c, tuple) else str(c))
def test_updates_match_numpy_reference(case):
    name, kwargs, update = case
    optimizer = getattr(optimizers, name)(learning_rate=0.1, **kwargs)
    actual, expected = _run(optimizer), _reference(update, kwargs)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    optimizer = optimizers.SGD(learning_rate=0.1, gradient_accumulation_steps=2)
    variables = _fresh_variables()
    optimizer.apply(_tensors(_grads(0)), variables)
    _close([v.numpy() for v in variables], [W0, B0])
    optimizer.apply(_tensors(_grads(1)), variables)
    mean = [(a + b) / 2 for a, b in zip(_grads(0), _grads(1))]
    _close([v.numpy() for v in variables], [W0 - 0.1 * mean[0], B0 - 0.1 * mean[1]])
    assert int(optimizer.iterations.numpy()) == 2
    assert not np.any(optimizer._accumulators[0].numpy())


def test_ema_averages_and_overwrites():
    optimizer = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5)
    variables = _fresh_variables()
    w, avg = W0.copy(), None
    for step in range(3):
        optimizer.apply(_tensors(_grads(step)), variables)
        w = w - 0.1 * _grads(step)[0]
        avg = w if avg is None else 0.5 * avg + 0.5 * w
    np.testing.assert_allclose(variables[0].numpy(), w, rtol=1e-5, atol=1e-6)
    optimizer.finalize_variable_values(variables)
    np.testing.assert_allclose(variables[0].numpy(), avg, rtol=1e-5, atol=1e-6)


def test_loss_scale_factor_divides_gradients_and_scales_the_loss():
    optimizer = optimizers.SGD(learning_rate=0.1, loss_scale_factor=8.0)
    variables = _fresh_variables()
    optimizer.apply(_tensors([8 * g for g in _grads(0)]), variables)
    _close([v.numpy() for v in variables], [W0 - 0.1 * _grads(0)[0], B0 - 0.1 * _grads(0)[1]])
    assert float(optimizer.scale_loss(ops.convert_to_tensor(2.0))) == 16.0


def test_loss_scale_optimizer_skips_non_finite_steps_and_adapts_the_scale():
    optimizer = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=4.0,
                                              dynamic_growth_steps=2)
    variables = _fresh_variables()
    optimizer.apply(_tensors([4 * g for g in _grads(0)]), variables)
    _close([v.numpy() for v in variables], [W0 - 0.1 * _grads(0)[0], B0 - 0.1 * _grads(0)[1]])
    before = [v.numpy() for v in variables]
    bad = _tensors(_grads(1))
    bad[0] = ops.convert_to_tensor(np.full(W0.shape, np.inf, "f4"))
    optimizer.apply(bad, variables)
    _close([v.numpy() for v in variables], before)
    assert float(optimizer.dynamic_scale.numpy()) == 2.0
    for step in (2, 3):
        optimizer.apply(_tensors(_grads(step)), variables)
    assert float(optimizer.dynamic_scale.numpy()) == 4.0
    assert int(optimizer.iterations.numpy()) == 3


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(0.01, use_ema=True, gradient_accumulation_steps=2),
    lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=64.0),
    lambda: optimizers.Lion(0.001, global_clipnorm=1.0, loss_scale_factor=4.0),
], ids=["ema_accumulation", "loss_scale_optimizer", "lion_clip_scale"])
def test_step_options_train_inside_fit(make):
    polykeras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("f4")
    y = x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "f4")
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=make(), loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]
    assert np.isfinite(history).all() and history[-1] < history[0]


def test_new_optimizers_round_trip_and_check_arguments():
    for opt in (optimizers.Adamax(0.01, beta_1=0.8), optimizers.Ftrl(beta=0.1),
                optimizers.Lion(use_ema=True), optimizers.Lamb(gradient_accumulation_steps=3),
                optimizers.Adafactor(relative_step=False),
                optimizers.LossScaleOptimizer(optimizers.SGD(0.2), initial_scale=8.0)):
        again = optimizers.deserialize(optimizers.serialize(opt))
        assert type(again) is type(opt) and again.get_config() == opt.get_config()
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="inner optimizer"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)


def test_polynomial_decay_and_cosine_restarts():
    poly = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0)
    for step in (0, 3, 10, 20):
        expected = 0.9 * (1 - min(step, 10) / 10) ** 2 + 0.1
        assert math.isclose(float(poly(step)), expected, rel_tol=1e-5)
    cyc = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    assert math.isclose(float(cyc(15)), 1 - 15 / 20, rel_tol=1e-5)
    sgdr = schedules.CosineDecayRestarts(1.0, 4, t_mul=2.0, m_mul=0.5, alpha=0.1)
    # restarts at steps 0, 4, 12: step 6 is 2/8 into the second period, at half height.
    cos = 0.5 * 0.5 * (1 + math.cos(math.pi * 2 / 8))
    assert math.isclose(float(sgdr(6)), 0.9 * cos + 0.1, rel_tol=1e-5)
    for s in (poly, sgdr):
        again = schedules.deserialize(schedules.serialize(s))
        assert again.get_config() == s.get_config()


# ------------------------------------------------------------------ against Keras 3
KERAS_CASES = [
    ("Adamax", {"learning_rate": 0.1}), ("Lion", {"learning_rate": 0.1}),
    ("Lamb", {"learning_rate": 0.1}), ("Adafactor", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.05, "beta": 0.2}),
    ("Adam", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.7,
              "ema_overwrite_frequency": 3}),
    ("Adam", {"learning_rate": 0.1, "gradient_accumulation_steps": 2,
              "global_clipnorm": 1.0}),
    ("Nadam", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
]


@pytest.mark.parametrize("name,kwargs", KERAS_CASES,
                         ids=[c[0] + "-" + "_".join(c[1]) for c in KERAS_CASES])
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_matches_keras3(name, kwargs):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras", reason="keras not installed (tox -e tensorflow)")
    k_vars = [keras.Variable(W0.astype(np.float32), name="kernel"),
              keras.Variable(B0.astype(np.float32), name="bias")]
    k_opt = getattr(keras.optimizers, name)(**kwargs)
    for step in range(STEPS + 1):
        k_opt.apply([keras.ops.convert_to_tensor(g.astype(np.float32)) for g in _grads(step)],
                    k_vars)
    ours = getattr(optimizers, name)(**kwargs)
    variables = _fresh_variables()
    for step in range(STEPS + 1):
        ours.apply(_tensors(_grads(step)), variables)
    for a, v in zip(variables, k_vars):
        np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(v.value),
                                   rtol=1e-5, atol=1e-5)
    if name != "Nadam":  # Nadam's u_product slot has a name of its own here
        assert [v.name for v in ours.variables] == [v.name for v in k_opt.variables]


assert F32 is np.float32  # the shared float32 helpers come from test_optimizers
