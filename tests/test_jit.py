"""``backend.jit(fn)`` computes what ``fn`` computes eagerly."""

from __future__ import annotations

import numpy as np
from reference import sample, to_np

from polykeras import ops


def _t(x):
    return ops.convert_to_tensor(np.asarray(x, dtype="float32"))


def _params(seed: int = 0) -> dict:
    return {
        "w1": _t(sample("any", (4, 8), seed=seed) * 0.5),
        "b1": _t(sample("any", (8,), seed=seed + 1) * 0.1),
        "w2": _t(sample("any", (8, 3), seed=seed + 2) * 0.5),
        "b2": _t(sample("any", (3,), seed=seed + 3) * 0.1),
    }


def mlp(params: dict, x):
    h = ops.tanh(ops.add(ops.matmul(x, params["w1"]), params["b1"]))
    return ops.softmax(ops.add(ops.matmul(h, params["w2"]), params["b2"]))


def _assert_same(a, b):
    np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-5, atol=1e-6)


def test_jit_mlp_matches_eager(backend):
    params, x = _params(), _t(sample("any", (5, 4), seed=9))
    compiled = backend.jit(mlp)
    _assert_same(compiled(params, x), mlp(params, x))
    x2 = _t(sample("any", (5, 4), seed=10))
    _assert_same(compiled(params, x2), mlp(params, x2))
    out = compiled(params, x2)
    assert ops.is_tensor(out) and ops.dtype(out) == "float32" and ops.shape(out) == (5, 3)


def test_jit_returns_the_same_pytree(backend):
    def fn(params, x):
        logits = mlp(params, x)
        return {"probs": logits, "stats": [ops.mean(logits), (ops.max(logits), ops.sum(x))]}

    params, x = _params(), _t(sample("any", (3, 4), seed=4))
    eager, compiled = fn(params, x), backend.jit(fn)(params, x)
    assert isinstance(compiled, dict) and set(compiled) == {"probs", "stats"}
    assert isinstance(compiled["stats"], list) and isinstance(compiled["stats"][1], tuple)
    _assert_same(compiled["probs"], eager["probs"])
    _assert_same(compiled["stats"][0], eager["stats"][0])
    _assert_same(compiled["stats"][1][0], eager["stats"][1][0])
    _assert_same(compiled["stats"][1][1], eager["stats"][1][1])


def test_jit_of_a_train_step(backend):
    labels = ops.convert_to_tensor(np.array([0, 2, 1, 1, 0], dtype="int32"))

    def loss(params, x, y):
        probs = mlp(params, x)
        return ops.mean(ops.sparse_categorical_crossentropy(y, probs))

    def step(params, x, y):
        value, grads = backend.value_and_grad(loss)(params, x, y)
        new = {k: ops.subtract(params[k], ops.multiply(grads[k], 0.1)) for k in params}
        return new, value

    params, x = _params(), _t(sample("any", (5, 4), seed=9))
    eager_params, eager_loss = step(params, x, labels)
    compiled = backend.jit(step)
    jit_params, jit_loss = compiled(params, x, labels)
    _assert_same(jit_loss, eager_loss)
    for k in params:
        _assert_same(jit_params[k], eager_params[k])
    _, again_loss = compiled(jit_params, x, labels)
    _, ref_loss = step(eager_params, x, labels)
    _assert_same(again_loss, ref_loss)
    assert float(to_np(again_loss)) < float(to_np(jit_loss))


def test_eager_backends_return_fn_unchanged(backend):
    if backend.supports("jit"):
        compiled = backend.jit(mlp)
        assert callable(compiled)
    else:
        assert backend.jit(mlp) is mlp


def test_jit_follows_new_input_shapes_and_structures(backend):
    def fn(params, x, extra):
        out = mlp(params, x)
        return (out, None) if extra is None else (out, ops.add(extra, 1.0))

    params, compiled = _params(), backend.jit(fn)
    for n in (5, 2, 5):
        x = np.asarray(sample("any", (n, 4), seed=n), dtype="float32")  # a host batch
        for extra in (None, _t([1.0, 2.0])):
            got, eager = compiled(params, x, extra), fn(params, _t(x), extra)
            _assert_same(got[0], eager[0])
            assert ops.shape(got[0]) == (n, 3)
            if extra is None:
                assert got[1] is None
            else:
                _assert_same(got[1], eager[1])


def test_value_and_grad_through_a_compiled_function(backend):
    compiled = backend.jit(lambda p, x: ops.sum(ops.square(ops.multiply(p["w"], x))))
    value, grads = backend.value_and_grad(compiled)({"w": _t([1.0, 2.0])}, _t([3.0, 1.0]))
    np.testing.assert_allclose(to_np(value), 13.0, rtol=1e-6)
    np.testing.assert_allclose(to_np(grads["w"]), [18.0, 4.0], rtol=1e-6)
