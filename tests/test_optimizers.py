"""Optimizers and learning-rate schedules on the active backend, against NumPy references.

Each optimizer runs a few steps on small float32 Variables and is compared with a
float64 NumPy implementation of the Keras 3 update written here. The optional Keras
comparison at the end runs only when Keras 3 is importable.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest

import polykeras
from polykeras import ops, optimizers
from polykeras.optimizers import schedules
from polykeras.variables import StatelessScope

ATOL = 1e-6
RTOL = 1e-6
STEPS = 4

W0 = np.array([[0.5, -1.2, 2.0], [0.1, 0.3, -0.7]])
B0 = np.array([0.25, -0.5])


def _grads(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [rng.uniform(-1.5, 1.5, W0.shape), rng.uniform(-1.5, 1.5, B0.shape)]


def _tensors(arrays: list[np.ndarray]) -> list[object]:
    return [ops.convert_to_tensor(a.astype(np.float32)) for a in arrays]


def _fresh_variables() -> list[polykeras.Variable]:
    return [polykeras.Variable(W0.astype(np.float32), name="kernel"),
            polykeras.Variable(B0.astype(np.float32), name="bias")]


def _run(optimizer: optimizers.Optimizer, steps: int = STEPS) -> list[np.ndarray]:
    variables = _fresh_variables()
    for step in range(steps):
        optimizer.apply(_tensors(_grads(step)), variables)
    return [v.numpy() for v in variables]


def _close(actual: list[np.ndarray], expected: list[np.ndarray]) -> None:
    for a, e in zip(actual, expected, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ NumPy references
# The arrays are float64. Step-dependent scalars with cancellation (``1 - beta_2**t``
# and Nadam's momentum products) are computed in float32, as the optimizers (and
# Keras) compute them in the variable's dtype; in float64 they differ by ~1e-5.
F32 = np.float32


def _power32(base, t):
    return float(F32(base) ** F32(t))


def _ref_sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    m = s.get("m", np.zeros_like(w))
    m = momentum * m - lr * g
    s["m"] = m
    return w + (momentum * m - lr * g if nesterov else m)


def _ref_adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    m = s.get("m", np.zeros_like(w)) * beta_1 + (1 - beta_1) * g
    v = s.get("v", np.zeros_like(w)) * beta_2 + (1 - beta_2) * g * g
    s["m"], s["v"] = m, v
    if amsgrad:
        v = s["v_hat"] = np.maximum(s.get("v_hat", np.zeros_like(w)), v)
    alpha = lr * math.sqrt(float(F32(1) - F32(_power32(beta_2, t)))) / float(
        F32(1) - F32(_power32(beta_1, t)))
    return w - alpha * m / (np.sqrt(v) + epsilon)


def _ref_rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    v = s["v"] = rho * s.get("v", np.zeros_like(w)) + (1 - rho) * g * g
    if centered:
        a = s["a"] = rho * s.get("a", np.zeros_like(w)) + (1 - rho) * g
        step = lr * g / np.sqrt(v - a * a + epsilon)
    else:
        step = lr * g / np.sqrt(v + epsilon)
    if momentum > 0:
        step = s["mom"] = momentum * s.get("mom", np.zeros_like(w)) + step
    return w - step


def _ref_adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = s["acc"] = s.get("acc", np.full_like(w, initial_accumulator_value)) + g * g
    return w - lr * g / np.sqrt(acc + epsilon)


def _ref_adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    acc_g = s["acc_g"] = rho * s.get("acc_g", np.zeros_like(w)) + (1 - rho) * g * g
    acc_d = s.get("acc_d", np.zeros_like(w))
    delta = -np.sqrt(acc_d + epsilon) * g / np.sqrt(acc_g + epsilon)
    s["acc_d"] = rho * acc_d + (1 - rho) * delta * delta
    return w + lr * delta


def _ref_nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, u_product=None):
    # ``u_product`` is shared by all variables: the caller passes prod_{k<=t} u_k.
    def u(k):
        return float(F32(beta_1) * (F32(1) - F32(0.5) * F32(_power32(0.96, k))))

    # Nadam takes ``1 - beta`` in float32 too (Adam takes it from Python floats).
    m = s.get("m", np.zeros_like(w))
    v = s.get("v", np.zeros_like(w))
    m = s["m"] = m + (g - m) * float(F32(1) - F32(beta_1))
    v = s["v"] = v + (g * g - v) * float(F32(1) - F32(beta_2))
    m_hat = (u(t + 1) * m / float(F32(1) - F32(u_product) * F32(u(t + 1)))
             + float(F32(1) - F32(u(t))) * g / float(F32(1) - F32(u_product)))
    v_hat = v / float(F32(1) - F32(_power32(beta_2, t)))
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def _reference(update, kwargs, steps=STEPS, lr=0.1, weight_decay=None, lr_at=None):
    """Runs ``update`` over both variables; ``lr_at(step)`` overrides the constant lr."""
    ws = [W0.copy(), B0.copy()]
    states = [{}, {}]
    u_product = 1.0
    for step in range(steps):
        t = step + 1
        rate = lr if lr_at is None else lr_at(step)
        extra = {}
        if update is _ref_nadam:
            beta_1 = F32(kwargs.get("beta_1", 0.9))
            u_product = float(F32(u_product) * (beta_1 * (
                F32(1) - F32(0.5) * F32(_power32(0.96, t)))))
            extra["u_product"] = u_product
        for i, g in enumerate(_grads(step)):
            if weight_decay:
                ws[i] = ws[i] - ws[i] * weight_decay * rate
            ws[i] = update(ws[i], g, states[i], t, rate, **kwargs, **extra)
    return ws


CASES = [
    ("SGD", {}, _ref_sgd),
    ("SGD", {"momentum": 0.9}, _ref_sgd),
    ("SGD", {"momentum": 0.9, "nesterov": True}, _ref_sgd),
    ("Adam", {}, _ref_adam),
    ("Adam", {"amsgrad": True, "beta_1": 0.8}, _ref_adam),
    ("RMSprop", {}, _ref_rmsprop),
    ("RMSprop", {"momentum": 0.5}, _ref_rmsprop),
    ("RMSprop", {"centered": True, "rho": 0.8}, _ref_rmsprop),
    ("Adagrad", {}, _ref_adagrad),
    ("Adagrad", {"initial_accumulator_value": 0.5}, _ref_adagrad),
    ("Adadelta", {}, _ref_adadelta),
    ("Nadam", {}, _ref_nadam),
]


def _case_id(case):
    name, kwargs, _ = case
    return name + "".join(f"_{k}" for k in kwargs)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_updates_match_numpy_reference(case):
    name, kwargs, update = case
    optimizer = getattr(optimizers, name)(learning_rate=0.1, **kwargs)
    _close(_run(optimizer), _reference(update, kwargs))
    assert int(optimizer.iterations.numpy()) == STEPS


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Nadam"])
def test_float16_variables_stay_float16(name):
    kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    lr = 1.0 if name == "Adadelta" else 0.01  # Adadelta's first steps are ~lr * 3e-4
    optimizer = getattr(optimizers, name)(learning_rate=lr, clipnorm=1.0, **kwargs)
    variable = polykeras.Variable(W0, dtype="float16", name="half")
    for step in range(2):
        optimizer.apply([ops.convert_to_tensor(_grads(step)[0].astype(np.float32))], [variable])
    assert variable.dtype == "float16"
    assert variable.numpy().dtype == np.float16
    assert all(v.dtype == "float16" for v in optimizer.variables[2:])
    assert np.all(np.isfinite(variable.numpy()))
    assert not np.allclose(variable.numpy(), W0.astype(np.float16))


def test_variable_constraints_apply_after_the_update():
    variables = _fresh_variables()
    variables[0].constraint = lambda w: ops.clip(w, -1.0, 1.0)
    optimizers.SGD(learning_rate=0.1).apply(_tensors(_grads(0)), variables)
    expected = _reference(_ref_sgd, {}, steps=1)
    _close([variables[0].numpy(), variables[1].numpy()],
           [np.clip(expected[0], -1.0, 1.0), expected[1]])


def test_adamw_decoupled_weight_decay():
    optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.05)
    _close(_run(optimizer), _reference(_ref_adam, {}, weight_decay=0.05))


def test_adamw_default_weight_decay_and_none_rejected():
    assert optimizers.AdamW().weight_decay == 0.004
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_weight_decay_on_any_optimizer_and_exclusion():
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.1)
    _close(_run(optimizer), _reference(_ref_sgd, {"momentum": 0.9}, weight_decay=0.1))

    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    kernel, bias = _run(optimizer, steps=1)
    g_kernel, g_bias = _grads(0)
    np.testing.assert_allclose(kernel, W0 - W0 * 0.01 - 0.1 * g_kernel, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(bias, B0 - 0.1 * g_bias, rtol=RTOL, atol=ATOL)
    with pytest.raises(ValueError, match="before"):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])


# ------------------------------------------------------------------------- clipping
def _one_sgd_step(**kwargs):
    grads = [np.array([3.0, -4.0]), np.array([0.5, 12.0])]
    variables = [polykeras.Variable(np.zeros(2, np.float32), name=f"v{i}") for i in range(2)]
    optimizers.SGD(learning_rate=1.0, **kwargs).apply(_tensors(grads), variables)
    return grads, [-v.numpy() for v in variables]


def test_clipnorm_clips_each_gradient():
    grads, applied = _one_sgd_step(clipnorm=2.0)
    for g, a in zip(grads, applied, strict=True):
        np.testing.assert_allclose(a, g * 2.0 / max(np.linalg.norm(g), 2.0), rtol=RTOL)


def test_clipnorm_leaves_small_and_zero_gradients():
    grads, applied = _one_sgd_step(clipnorm=100.0)
    _close(applied, grads)
    variable = polykeras.Variable(np.ones(2, np.float32))
    optimizers.SGD(1.0, clipnorm=1.0).apply([ops.zeros((2,))], [variable])
    np.testing.assert_array_equal(variable.numpy(), [1.0, 1.0])


def test_clipvalue_clips_elements():
    grads, applied = _one_sgd_step(clipvalue=1.0)
    _close(applied, [np.clip(g, -1.0, 1.0) for g in grads])


def test_global_clipnorm_scales_all_gradients_together():
    grads, applied = _one_sgd_step(global_clipnorm=5.0)
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    _close(applied, [g * 5.0 / norm for g in grads])
    variable = polykeras.Variable(np.ones(2, np.float32))
    optimizers.SGD(1.0, global_clipnorm=1.0).apply([ops.zeros((2,))], [variable])
    np.testing.assert_array_equal(variable.numpy(), [1.0, 1.0])


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


# ------------------------------------------------------------------------ schedules
def _values(schedule, steps):
    return np.array([float(ops.convert_to_numpy(schedule(s))) for s in steps])


STEP_POINTS = [0, 1, 3, 10, 25, 99, 100, 250]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9, staircase=staircase)
    p = np.array(STEP_POINTS, np.float64) / 10
    p = np.floor(p) if staircase else p
    np.testing.assert_allclose(_values(s, STEP_POINTS), 0.1 * 0.9 ** p, rtol=1e-6)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.5, decay_steps=4, decay_rate=0.3, staircase=staircase)
    p = np.array(STEP_POINTS, np.float64) / 4
    p = np.floor(p) if staircase else p
    np.testing.assert_allclose(_values(s, STEP_POINTS), 0.5 / (1 + 0.3 * p), rtol=1e-6)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1])
    expected = [1.0 if t <= 10 else 0.5 if t <= 100 else 0.1 for t in STEP_POINTS]
    np.testing.assert_allclose(_values(s, STEP_POINTS), expected, rtol=1e-7)
    with pytest.raises(ValueError, match="one more element"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def _cosine(step, initial, decay_steps, alpha):
    step = min(step, decay_steps)
    return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)


@pytest.mark.parametrize("alpha", [0.0, 0.2])
def test_cosine_decay(alpha):
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=alpha)
    expected = [_cosine(t, 0.1, 100, alpha) for t in STEP_POINTS]
    np.testing.assert_allclose(_values(s, STEP_POINTS), expected, rtol=1e-5, atol=1e-8)


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=100, alpha=0.1, warmup_target=0.2,
                              warmup_steps=10)

    def ref(t):
        if t < 10:
            return 0.2 * t / 10
        return _cosine(min(t, 110) - 10, 0.2, 100, 0.1)

    np.testing.assert_allclose(_values(s, STEP_POINTS), [ref(t) for t in STEP_POINTS],
                               rtol=1e-5, atol=1e-8)


def test_schedule_accepts_integer_step_tensor():
    s = schedules.ExponentialDecay(1.0, decay_steps=2, decay_rate=0.5)
    step = ops.convert_to_tensor(np.array(4, np.int32))
    value = s(step)
    assert ops.dtype(value) == "float32"
    np.testing.assert_allclose(float(ops.convert_to_numpy(value)), 0.25, rtol=1e-7)


def test_schedule_decay_steps_must_be_positive():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9)


@pytest.mark.parametrize("schedule", [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.InverseTimeDecay(0.1, 5, 0.5),
    schedules.PiecewiseConstantDecay([2, 5], [0.3, 0.2, 0.1]),
    schedules.CosineDecay(0.1, 50, alpha=0.1, warmup_target=0.2, warmup_steps=3),
], ids=lambda s: type(s).__name__)
def test_schedule_round_trip(schedule):
    restored = schedules.deserialize(schedules.serialize(schedule))
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    np.testing.assert_allclose(_values(restored, STEP_POINTS), _values(schedule, STEP_POINTS))


def test_optimizer_uses_schedule_of_iterations():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    optimizer = optimizers.Adam(learning_rate=schedule)
    expected = _reference(_ref_adam, {}, lr_at=lambda step: 0.1 * 0.5 ** (step / 2))
    _close(_run(optimizer), expected)
    assert optimizer.learning_rate is schedule
    assert [v.name for v in optimizer.variables[:1]] == ["iteration"]
    assert len(optimizer.variables) == 1 + 2 * 2  # no learning-rate Variable


def test_plain_callables_as_learning_rate():
    optimizer = optimizers.SGD(learning_rate=lambda step: ops.divide(
        0.2, ops.add(ops.cast(step, "float32"), 1.0)))
    _close(_run(optimizer), _reference(_ref_sgd, {}, lr_at=lambda step: 0.2 / (step + 1)))
    _close(_run(optimizers.SGD(learning_rate=lambda: 0.05)), _reference(_ref_sgd, {}, lr=0.05))


# ----------------------------------------------------------------- legacy arguments
def _deprecations(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w for w in caught if issubclass(w.category, DeprecationWarning)]


def test_legacy_lr_and_decay_match_modern_spelling():
    legacy, caught = _deprecations(
        lambda: optimizers.SGD(lr=0.05, decay=0.1, momentum=0.9, nesterov=True))
    assert len(caught) == 2
    messages = " ".join(str(w.message) for w in caught)
    assert "learning_rate=0.05" in messages and "InverseTimeDecay" in messages
    assert all(w.filename == __file__ for w in caught), "warning should point at the caller"
    modern = optimizers.SGD(
        learning_rate=schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=0.1),
        momentum=0.9, nesterov=True)
    legacy_values, modern_values = _run(legacy, steps=5), _run(modern, steps=5)
    for a, b in zip(legacy_values, modern_values, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-7)
    expected = _reference(_ref_sgd, {"momentum": 0.9, "nesterov": True}, steps=5,
                          lr_at=lambda step: 0.05 / (1 + 0.1 * step))
    _close(legacy_values, expected)


@pytest.mark.parametrize("kwargs", [{"lr": 0.01}, {"decay": 1e-6}])
def test_each_legacy_argument_warns_once(kwargs):
    optimizer, caught = _deprecations(lambda: optimizers.Adam(**kwargs))
    assert len(caught) == 1
    assert "instead" in str(caught[0].message)
    if "lr" in kwargs:
        assert optimizer.learning_rate == pytest.approx(0.01)
    _, caught = _deprecations(lambda: optimizers.Adam(learning_rate=0.01))
    assert caught == []


def test_legacy_decay_survives_config_round_trip_without_new_warning():
    optimizer, _ = _deprecations(lambda: optimizers.SGD(lr=0.1, decay=0.5))
    config = optimizer.get_config()
    assert config["decay"] == 0.5
    restored, caught = _deprecations(lambda: optimizers.SGD.from_config(config))
    assert caught == []
    _close(_run(restored), _run(optimizer))


# ---------------------------------------------------------------- stateless scopes
@pytest.mark.parametrize("name", ["SGD", "Adam", "Nadam"])
def test_apply_in_stateless_scope_records_eager_values(name):
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    eager_opt = getattr(optimizers, name)(learning_rate=0.1, clipnorm=1.0, **kwargs)
    eager_vars = _fresh_variables()
    opt = getattr(optimizers, name)(learning_rate=0.1, clipnorm=1.0, **kwargs)
    variables = _fresh_variables()
    opt.build(variables)
    eager_opt.build(eager_vars)
    everything = variables + opt.variables
    before = [v.numpy().copy() for v in everything]
    values = [v.value for v in everything]
    for step in range(3):
        grads = _tensors(_grads(step))
        with StatelessScope(list(zip(everything, values, strict=True))) as scope:
            opt.apply(grads, variables)
        values = [scope.get(v) for v in everything]
        eager_opt.apply(grads, eager_vars)
    for v, b in zip(everything, before, strict=True):
        np.testing.assert_array_equal(v.numpy(), b)
    for got, want in zip(values, eager_vars + eager_opt.variables, strict=True):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want.numpy(), rtol=1e-7, atol=1e-7)
    assert int(ops.convert_to_numpy(values[len(variables)])) == 3


def test_stateless_apply_under_backend_jit():
    optimizer = optimizers.Adam(learning_rate=0.1, global_clipnorm=1.0)
    variables = _fresh_variables()
    optimizer.build(variables)
    backend = polykeras.backend.current()

    def step(opt_values, grads, values):
        return optimizer.stateless_apply(opt_values, grads, values)

    compiled = backend.jit(step)
    values = [v.value for v in variables]
    opt_values = [v.value for v in optimizer.variables]
    for s in range(3):
        values, opt_values = compiled(opt_values, _tensors(_grads(s)), values)
    assert int(ops.convert_to_numpy(opt_values[0])) == 3
    eager = optimizers.Adam(learning_rate=0.1, global_clipnorm=1.0)
    expected = _run(eager, steps=3)
    for got, want in zip(values, expected, strict=True):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(variables[0].numpy(), W0.astype(np.float32))


# ---------------------------------------------------------- variables and dtypes
KERAS_SLOT_NAMES = {
    "SGD": (["momentum"], {"momentum": 0.9}),
    "Adam": (["momentum", "velocity"], {}),
    "RMSprop": (["velocity"], {}),
    "Adagrad": (["accumulator"], {}),
    "Adadelta": (["accumulated_grad", "accumulated_delta_var"], {}),
}


@pytest.mark.parametrize("name", sorted(KERAS_SLOT_NAMES))
def test_variable_names_order_and_dtypes(name):
    slots, kwargs = KERAS_SLOT_NAMES[name]
    optimizer = getattr(optimizers, name)(**kwargs)
    variables = _fresh_variables()
    optimizer.build(variables)
    expected = ["iteration", "learning_rate"] + [
        f"{v}_{slot}" for v in ("kernel", "bias") for slot in slots]
    assert [v.name for v in optimizer.variables] == expected
    assert optimizer.variables[0].dtype == "int32"
    assert all(v.dtype == "float32" for v in optimizer.variables[1:])
    assert not any(v.trainable for v in optimizer.variables)
    assert optimizer.variables[2].path == f"{optimizer.name}/kernel_{slots[0]}"
    optimizer.build(variables)  # building again changes nothing
    assert len(optimizer.variables) == len(expected)


def test_optional_slots_follow_keras_order():
    rms = optimizers.RMSprop(momentum=0.5, centered=True)
    rms.build(_fresh_variables())
    assert [v.name for v in rms.variables[2:]] == [
        "kernel_velocity", "bias_velocity", "kernel_momentum", "bias_momentum",
        "kernel_average_gradient", "bias_average_gradient"]
    adam = optimizers.Adam(amsgrad=True)
    adam.build(_fresh_variables())
    assert [v.name for v in adam.variables[-2:]] == ["kernel_velocity_hat", "bias_velocity_hat"]
    nadam = optimizers.Nadam()
    nadam.build(_fresh_variables())
    assert len(nadam.variables) == 2 + 4 + 1  # u_product last, as in Keras
    assert optimizers.SGD().build(_fresh_variables()) is None


def test_default_names_follow_keras():
    assert optimizers.SGD().name.startswith("sgd")
    assert optimizers.RMSprop().name.startswith("rm_sprop")
    assert optimizers.SGD(name="mine").name == "mine"


def test_state_lives_on_the_backend_of_the_variables():
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    assert int(optimizer.iterations.numpy()) == 0  # created on the active backend
    with polykeras.backend.use("numpy") as numpy_backend:
        variables = _fresh_variables()
    optimizer.apply(_tensors(_grads(0)), variables)  # applied outside the use() block
    assert all(v._backend is numpy_backend for v in optimizer.variables)
    assert int(optimizer.iterations.numpy()) == 1
    _close([v.numpy() for v in variables], _reference(_ref_sgd, {"momentum": 0.5}, steps=1))


def test_adagrad_accumulator_starts_at_initial_value():
    optimizer = optimizers.Adagrad(initial_accumulator_value=0.3)
    optimizer.build(_fresh_variables())
    np.testing.assert_allclose(optimizer.variables[2].numpy(), np.full(W0.shape, 0.3),
                               rtol=1e-7)


# ------------------------------------------------------------------- learning rate
def test_setting_learning_rate_changes_next_update():
    optimizer = optimizers.SGD(learning_rate=0.1)
    variables = _fresh_variables()
    optimizer.apply(_tensors(_grads(0)), variables)
    before = [v.numpy() for v in variables]
    optimizer.learning_rate = 0.5
    np.testing.assert_allclose(float(ops.convert_to_numpy(optimizer.learning_rate)), 0.5)
    optimizer.apply(_tensors(_grads(1)), variables)
    for v, b, g in zip(variables, before, _grads(1), strict=True):
        np.testing.assert_allclose(v.numpy(), b - 0.5 * g, rtol=RTOL, atol=ATOL)
    assert optimizer.get_config()["learning_rate"] == 0.5


def test_setting_learning_rate_before_build():
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = 0.3
    assert optimizer.learning_rate == pytest.approx(0.3)
    _close(_run(optimizer, steps=1), _reference(_ref_sgd, {}, steps=1, lr=0.3))


def test_setting_float_learning_rate_on_schedule_is_an_error():
    optimizer = optimizers.SGD(learning_rate=schedules.InverseTimeDecay(0.1, 1, 0.5))
    with pytest.raises(TypeError, match="schedule"):
        optimizer.learning_rate = 0.5


def test_learning_rate_type_is_checked():
    with pytest.raises(TypeError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")


# ------------------------------------------------------------ get / serialization
@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta",
                                  "nadam", "Adam", "RMSprop", "SGD", "AdamW"])
def test_get_by_name(name):
    optimizer = optimizers.get(name)
    assert type(optimizer).__name__.lower() == name.lower()


def test_get_instance_and_dict():
    optimizer = optimizers.Adam(learning_rate=0.01)
    assert optimizers.get(optimizer) is optimizer
    restored = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.02}})
    assert isinstance(restored, optimizers.Adam)
    assert restored.learning_rate == pytest.approx(0.02)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="sgd, adam, adamw, rmsprop, adagrad, adadelta, nadam"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)


CONFIGS = [
    optimizers.SGD(learning_rate=0.05, momentum=0.8, nesterov=True, clipnorm=1.0),
    optimizers.Adam(learning_rate=0.002, beta_1=0.85, amsgrad=True, global_clipnorm=2.0),
    optimizers.AdamW(weight_decay=0.01, epsilon=1e-6),
    optimizers.RMSprop(rho=0.8, momentum=0.1, centered=True, clipvalue=0.5),
    optimizers.Adagrad(initial_accumulator_value=0.2),
    optimizers.Adadelta(rho=0.9),
    optimizers.Nadam(beta_2=0.99, weight_decay=0.001),
    optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 1000, alpha=0.01)),
]


@pytest.mark.parametrize("optimizer", CONFIGS, ids=lambda o: type(o).__name__)
def test_config_round_trip(optimizer):
    config = optimizer.get_config()
    for key in ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                "clipvalue"):
        assert key in config
    restored = type(optimizer).from_config(config)
    assert restored.get_config() == config
    again = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(again) is type(optimizer) and again.get_config() == config
    _close(_run(restored), _run(type(optimizer).from_config(config)))


def test_config_after_build_has_float_learning_rate():
    optimizer = optimizers.SGD(learning_rate=0.25)
    optimizer.build(_fresh_variables())
    assert optimizer.get_config()["learning_rate"] == 0.25


def test_keras_configs_with_step_options_load():
    config = {"learning_rate": 0.001, "use_ema": True, "ema_momentum": 0.9,
              "ema_overwrite_frequency": None, "loss_scale_factor": None,
              "gradient_accumulation_steps": 2}
    optimizer = optimizers.Adam.from_config(config)
    assert optimizer.use_ema and optimizer.gradient_accumulation_steps == 2
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=0)


# ------------------------------------------------------------------------ errors
def test_argument_errors():
    with pytest.raises(ValueError, match="unknown argument"):
        optimizers.Adam(learning_rat=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    optimizer = optimizers.SGD()
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizer.apply(_tensors(_grads(0)), _fresh_variables()[:1])
    optimizer.apply([ops.zeros(W0.shape)], _fresh_variables()[:1])
    with pytest.raises(ValueError, match="built for other variables"):
        optimizer.apply([ops.zeros(W0.shape)], _fresh_variables()[:1])


def test_none_gradients_are_skipped_with_a_warning():
    optimizer = optimizers.SGD(learning_rate=0.1)
    variables = _fresh_variables()
    grads = _tensors(_grads(0))
    with pytest.warns(UserWarning, match="bias"):
        optimizer.apply([grads[0], None], variables)
    np.testing.assert_array_equal(variables[1].numpy(), B0.astype(np.float32))
    with pytest.raises(ValueError, match="no gradient"):
        optimizer.apply([None, None], variables)


def test_apply_gradients_pairs():
    optimizer = optimizers.SGD(learning_rate=0.1)
    variables = _fresh_variables()
    optimizer.apply_gradients(zip(_tensors(_grads(0)), variables, strict=True))
    _close([v.numpy() for v in variables], _reference(_ref_sgd, {}, steps=1))


# ------------------------------------------ optional comparison with Keras 3 itself
KERAS_CASES = [
    ("Adam", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"learning_rate": 0.1, "momentum": 0.3, "centered": True}),
    ("Nadam", {"learning_rate": 0.1}),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 0.05}),
]


@pytest.mark.parametrize("name,kwargs", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_optional_matches_keras3(name, kwargs):
    """Optional: runs only where Keras 3 is installed (its NumPy backend, no training)."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    if int(keras.__version__.split(".")[0]) < 3:
        pytest.skip("the comparison needs Keras 3")
    k_vars = [keras.Variable(W0.astype(np.float32)), keras.Variable(B0.astype(np.float32))]
    k_opt = getattr(keras.optimizers, name)(**kwargs)
    for step in range(STEPS):
        k_opt.apply([keras.ops.convert_to_tensor(g.astype(np.float32)) for g in _grads(step)],
                    k_vars)
    expected = [keras.ops.convert_to_numpy(v.value) for v in k_vars]
    _close(_run(getattr(optimizers, name)(**kwargs)), expected)
