"""The active backend against the NumPy backend: same weights, same predictions and the
same optimizer steps (float32, within 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers

TOL = dict(rtol=1e-5, atol=1e-5)


def mlp():
    return polykeras.Sequential([
        layers.Dense(16, input_shape=(12,)), layers.Activation("tanh"), layers.Dropout(0.5),
        layers.Dense(16, activation="relu"), layers.Dense(4, activation="softmax"),
    ])


def cnn():
    return polykeras.Sequential([
        polykeras.Input(shape=(8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(3, 2, strides=2), layers.BatchNormalization(),
        layers.Flatten(), layers.Dense(4, activation="softmax"),
    ])


def on_numpy(builder):
    with polykeras.backend.use("numpy"):
        return builder()


@pytest.mark.parametrize("builder, shape", [(mlp, (20, 12)), (cnn, (20, 8, 8, 2))],
                         ids=["mlp", "cnn"])
def test_predict_matches_numpy_backend(builder, shape):
    polykeras.utils.set_random_seed(11)
    model = builder()
    polykeras.utils.set_random_seed(11)
    ref = on_numpy(builder)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), ref.predict(x, verbose=0), **TOL)


OPTIMIZERS = {
    "sgd": lambda o: o.SGD(0.1),
    "sgd_nesterov": lambda o: o.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda o: o.Adam(0.01),
    "adamw": lambda o: o.AdamW(0.01),
    "rmsprop": lambda o: o.RMSprop(0.01, centered=True),
    "adagrad": lambda o: o.Adagrad(0.1),
    "adadelta": lambda o: o.Adadelta(1.0),
    "nadam": lambda o: o.Nadam(0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_match_numpy_backend(name):
    def build():
        model = polykeras.Sequential([layers.Dense(8, input_shape=(12,), activation="tanh"),
                                      layers.Dense(4, activation="softmax")])
        model.compile(optimizer=OPTIMIZERS[name](polykeras.optimizers),
                      loss="sparse_categorical_crossentropy")
        return model

    polykeras.utils.set_random_seed(3)
    model = build()
    polykeras.utils.set_random_seed(3)
    ref = on_numpy(build)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 12)).astype("float32")
    y = rng.integers(0, 4, size=16)
    for _ in range(2):
        model.train_on_batch(x, y)
        ref.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, **TOL)
