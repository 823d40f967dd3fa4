"""Files written by polykeras load in Keras 3 with the same predictions and optimizer
state, and files written by Keras 3 load in polykeras.

Keras is installed in the ``tox -e tensorflow`` environment (``KERAS_BACKEND=tensorflow``);
elsewhere the whole module is skipped with that reason. The active polykeras backend may
be the framework Keras runs on: nothing here depends on them being different.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import layers
from polykeras.saving.weights_store import optimizer_file_order

if importlib.util.find_spec("keras") is None:
    keras = None
else:
    import keras

pytestmark = [
    pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e tensorflow"),
    # Keras's TensorFlow backend calls np.array(tensor) the NumPy 2 way; not ours to fix.
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy"),
]

ATOL = 1e-5


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def keras_numpy(value):
    if isinstance(value, (list, tuple)):
        return [keras_numpy(v) for v in value]
    if isinstance(value, dict):
        return [keras_numpy(value[k]) for k in sorted(value)]
    return np.asarray(keras.ops.convert_to_numpy(value))


def pk_step(model, steps=2):
    variables = model.trainable_variables
    model.optimizer.build(variables)
    for i in range(steps):
        grads = [polykeras.ops.convert_to_tensor(rand(*v.shape, seed=i)) for v in variables]
        model.optimizer.apply(grads, variables)


def keras_step(model, steps=2):
    variables = model.trainable_variables
    model.optimizer.build(variables)
    for i in range(steps):
        grads = [keras.ops.convert_to_tensor(rand(*v.shape, seed=i)) for v in variables]
        model.optimizer.apply(grads, variables)


# ------------------------------------------------------- models built on each side
def pk_mlp(L=layers, Input=polykeras.Input, Model=polykeras.Model, seq=polykeras.Sequential):
    return seq([Input(shape=(6,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                L.Dropout(0.2), L.Dense(4, activation="softmax")])


def pk_functional(L=layers, Input=polykeras.Input, Model=polykeras.Model, seq=None):
    a = Input(shape=(6,), name="a")
    b = Input(shape=(3,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    deep = L.Dense(5, name="deep")(L.Dense(5, name="deeper")(shared(a)))
    h = L.Concatenate(name="cat")([deep, L.Dense(5, name="proj")(b), shared(a)])
    h = L.Add(name="plus")([L.Dense(4, name="left")(h), L.Dense(4, name="right")(h)])
    out1 = L.Dense(1, name="reg")(h)
    out2 = L.Dense(3, activation="softmax", name="cls")(L.LayerNormalization(name="ln")(h))
    return Model(inputs=[a, b], outputs=[out1, out2])


def pk_cnn(L=layers, Input=polykeras.Input, Model=polykeras.Model, seq=polykeras.Sequential):
    return seq([Input(shape=(8, 8, 2)), L.Conv2D(3, 3, padding="same", activation="relu"),
                L.MaxPooling2D(2), L.Conv2D(4, (2, 2), strides=(1, 1)),
                L.AveragePooling2D(pool_size=(2, 2), padding="same"), L.Flatten(),
                L.Reshape((4, 4)), L.Conv1D(2, 2, activation="elu"), L.MaxPooling1D(1),
                L.GlobalMaxPooling1D(), L.Dense(2)])


def pk_text(L=layers, Input=polykeras.Input, Model=polykeras.Model, seq=None):
    tokens = Input(shape=(7,), dtype="int32", name="tokens")
    x = L.Embedding(30, 6)(tokens)
    x = L.LayerNormalization()(x)
    x = L.Conv1D(4, 3, padding="same")(x)
    pooled = [L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D()(x)]
    merged = [cls()(pooled) for cls in (L.Subtract, L.Multiply, L.Average, L.Maximum,
                                        L.Minimum)]
    return Model(tokens, L.Dense(2, activation="sigmoid")(L.Concatenate()(merged)))


def pk_nested(L=layers, Input=polykeras.Input, Model=polykeras.Model,
              seq=polykeras.Sequential):
    inner = seq([Input(shape=(4,)), L.Dense(3), L.Activation("relu")], name="inner")
    x = Input(shape=(4,))
    return Model(x, L.Dense(2)(inner(x)))


def pk_shared_submodel(L=layers, Input=polykeras.Input, Model=polykeras.Model, seq=None):
    i = Input(shape=(4,))
    inner = Model(i, L.Dense(4, activation="tanh", name="inner_dense")(i), name="inner_model")
    x = Input(shape=(4,))
    twice = inner(L.Dense(4, name="before")(inner(x)))
    return Model(x, L.Add()([twice, inner(x)]))


BUILDERS = {"mlp": pk_mlp, "functional": pk_functional, "cnn": pk_cnn, "text": pk_text,
            "nested": pk_nested, "shared_submodel": pk_shared_submodel}


def inputs_for(name):
    if name == "functional":
        return [rand(5, 6), rand(5, 3, seed=1)]
    if name == "cnn":
        return rand(5, 8, 8, 2)
    if name == "text":
        return np.random.default_rng(0).integers(0, 30, (5, 7)).astype("int32")
    if name in ("nested", "shared_submodel"):
        return rand(5, 4)
    return rand(5, 6)


def keras_builder(name):
    build = BUILDERS[name]
    return build(L=keras.layers, Input=keras.Input, Model=keras.Model, seq=keras.Sequential)


def loss_for(name):
    return ["mse", "sparse_categorical_crossentropy"] if name == "functional" else "mse"


# ------------------------------------------------------------------------ tests
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_polykeras_file_loads_in_keras(name, tmp_path):
    polykeras.utils.set_random_seed(3)
    model = BUILDERS[name]()
    model.compile(optimizer=polykeras.optimizers.Adam(0.01), loss=loss_for(name))
    pk_step(model)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = inputs_for(name)
    expected = model.predict(x, verbose=0)
    got = keras_numpy(loaded(x, training=False))
    for e, g in zip(expected if isinstance(expected, list) else [expected],
                    got if isinstance(got, list) else [got], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=ATOL)
    assert type(loaded.optimizer).__name__ == "Adam"
    ours = [v.numpy() for v in optimizer_file_order(model, model.optimizer)]
    theirs = [keras_numpy(v) for v in loaded.optimizer.variables]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_file_loads_in_polykeras(name, tmp_path):
    keras.utils.set_random_seed(4)
    model = keras_builder(name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss_for(name),
                  metrics=[["mae"], ["accuracy"]] if name == "functional" else ["mae"])
    keras_step(model)
    path = tmp_path / f"k_{name}.keras"
    model.save(path)
    loaded = polykeras.models.load_model(path)
    assert loaded._backend.name == polykeras.config.backend()
    x = inputs_for(name)
    expected = keras_numpy(model(x, training=False))
    got = loaded.predict(x, verbose=0)
    for e, g in zip(expected if isinstance(expected, list) else [expected],
                    got if isinstance(got, list) else [got], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=ATOL)
    assert type(loaded.optimizer).__name__ == "Adam"
    theirs = [keras_numpy(v) for v in model.optimizer.variables]
    ours = [v.numpy() for v in optimizer_file_order(loaded, loaded.optimizer)]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_keras_trained_model_keeps_training_in_polykeras(tmp_path):
    keras.utils.set_random_seed(5)
    model = keras_builder("mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = rand(32, 6), np.random.default_rng(1).integers(0, 4, 32)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "trained.keras")
    loaded = polykeras.models.load_model(tmp_path / "trained.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 4
    history = loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert {"loss", "accuracy"} <= set(history.history)
    assert int(loaded.optimizer.iterations.numpy()) == 8


def test_weights_files_cross_both_ways(tmp_path):
    polykeras.utils.set_random_seed(6)
    ours = pk_cnn()
    theirs = keras_builder("cnn")
    x = inputs_for("cnn")
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(keras_numpy(theirs(x)), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=ATOL)
    keras.utils.set_random_seed(7)
    theirs = keras_builder("functional")
    ours = pk_functional()
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    ours.load_weights(tmp_path / "theirs.weights.h5")
    xs = inputs_for("functional")
    for a, b in zip(ours.predict(xs, verbose=0), keras_numpy(theirs(xs)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=ATOL)


def test_untrained_keras_model_loads_without_an_optimizer_warning(tmp_path):
    """Keras 3 saves an optimizer that never trained as its step counter and learning
    rate only: that is its whole state, not a mismatch to warn about."""
    import warnings

    model = keras_builder("mlp")
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="mse")
    model.save(tmp_path / "untrained.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = polykeras.models.load_model(tmp_path / "untrained.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 0
    lr = polykeras.ops.convert_to_numpy(loaded.optimizer.learning_rate)
    assert float(lr) == pytest.approx(0.005)
