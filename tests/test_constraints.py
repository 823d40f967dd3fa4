"""Weight constraints against NumPy references, on layers during training, through saving,
and against Keras 3 where it is installed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import constraints, layers, ops

EPS = 1e-7
W = np.random.default_rng(0).normal(size=(4, 3)).astype("f4") * 2


def _norm(w, axis):
    return np.sqrt((w * w).sum(axis=axis, keepdims=True))


CASES = {
    "MaxNorm": ({"max_value": 1.5, "axis": 0},
                lambda w: w * np.clip(_norm(w, 0), 0, 1.5) / (EPS + _norm(w, 0))),
    "MinMaxNorm": ({"min_value": 1.0, "max_value": 2.0, "rate": 0.5, "axis": 1},
                   lambda w: w * (0.5 * np.clip(_norm(w, 1), 1, 2) + 0.5 * _norm(w, 1))
                   / (EPS + _norm(w, 1))),
    "NonNeg": ({}, lambda w: w * (w >= 0)),
    "UnitNorm": ({"axis": [0, 1]}, lambda w: w / (EPS + _norm(w, (0, 1)))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_constraint_matches_numpy(name):
    kwargs, reference = CASES[name]
    constraint = getattr(constraints, name)(**kwargs)
    got = ops.convert_to_numpy(constraint(ops.convert_to_tensor(W)))
    np.testing.assert_allclose(got, reference(W.astype("f8")), rtol=1e-5, atol=1e-6)
    again = constraints.deserialize(constraints.serialize(constraint))
    assert type(again) is type(constraint) and again.get_config() == constraint.get_config()


def test_layer_constraints_hold_after_training_and_saving(tmp_path):
    polykeras.utils.set_random_seed(0)
    x = np.random.default_rng(1).normal(size=(32, 4)).astype("f4")
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "f4")
    model = polykeras.Sequential([
        layers.Input((4,)),
        layers.Dense(3, kernel_constraint="non_neg", bias_constraint=constraints.MaxNorm(0.1)),
        layers.Dense(1, kernel_constraint=constraints.UnitNorm()),
    ])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    first, second = model.layers
    assert first.kernel.numpy().min() >= 0
    assert np.linalg.norm(first.bias.numpy()) <= 0.1 + 1e-5
    np.testing.assert_allclose(np.linalg.norm(second.kernel.numpy(), axis=0), 1.0, rtol=1e-4)
    path = tmp_path / "constrained.keras"
    model.save(path)
    loaded = polykeras.saving.load_model(path)
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.NonNeg)
    assert loaded.layers[0].bias_constraint.max_value == 0.1


def test_unknown_constraint_names_are_refused():
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("positive")


@pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                    reason="keras not installed (tox -e tensorflow)")
@pytest.mark.parametrize("name", sorted(CASES))
def test_constraint_matches_keras(name):
    import keras

    kwargs, _ = CASES[name]
    ours = ops.convert_to_numpy(getattr(constraints, name)(**kwargs)(ops.convert_to_tensor(W)))
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**kwargs)(
        keras.ops.convert_to_tensor(W)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
