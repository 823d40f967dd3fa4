"""Layers and models: building, shapes, weights, summary, config, on the active backend."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops


def to_np(x):
    return np.asarray(ops.convert_to_numpy(x))


def seed_mlp():
    return polykeras.Sequential([
        layers.Dense(500, input_shape=(784,)), layers.Activation("tanh"), layers.Dropout(0.5),
        layers.Dense(500), layers.Activation("tanh"), layers.Dropout(0.5),
        layers.Dense(10), layers.Activation("softmax"),
    ])


def test_sequential_builds_eagerly_from_input_shape():
    model = seed_mlp()
    assert model.built
    assert model.output_shape == (None, 10)
    assert [v.shape for v in model.weights] == [(784, 500), (500,), (500, 500), (500,), (500, 10), (10,)]
    assert model.count_params() == 784 * 500 + 500 + 500 * 500 + 500 + 5010


def test_sequential_add_and_list_constructor_agree():
    a = polykeras.Sequential([layers.Dense(4, input_dim=3), layers.Dense(2)])
    b = polykeras.Sequential()
    b.add(layers.Dense(4, input_shape=(3,)))
    b.add(layers.Dense(2))
    assert [v.shape for v in a.weights] == [v.shape for v in b.weights]
    assert len(a.layers) == 2 and not any(isinstance(x, layers.InputLayer) for x in a.layers)


def test_sequential_builds_lazily_from_data():
    model = polykeras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((5, 3), "float32"))
    assert tuple(ops.shape(out)) == (5, 2)
    assert model.built and [v.shape for v in model.weights] == [(3, 4), (4,), (4, 2), (2,)]
    out = model(np.ones((7, 3), "float32"))  # another batch size still works
    assert tuple(ops.shape(out)) == (7, 2)


def test_functional_snippet_from_the_docs():
    inputs = polykeras.Input(shape=(3,))
    x = layers.Dense(4, activation=polykeras.activations.relu)(inputs)
    outputs = layers.Dense(5, activation=polykeras.activations.softmax)(x)
    model = polykeras.Model(inputs=inputs, outputs=outputs)
    assert isinstance(model, polykeras.models.Functional)
    y = model.predict(np.ones((2, 3)), verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_functional_multi_input_multi_output():
    a = polykeras.Input(shape=(3,), name="a")
    b = polykeras.Input(shape=(2,), name="b")
    h = layers.Concatenate()([layers.Dense(4)(a), layers.Dense(4)(b)])
    out1 = layers.Dense(1, name="reg")(h)
    out2 = layers.Dense(3, activation="softmax", name="cls")(layers.Add()([h, h]))
    model = polykeras.Model(inputs=[a, b], outputs=[out1, out2])
    xa, xb = np.ones((6, 3), "float32"), np.ones((6, 2), "float32")
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (6, 1) and p2.shape == (6, 3)
    d1, _ = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(d1, p1, rtol=1e-6)
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    hist = model.fit([xa, xb], [np.zeros((6, 1)), np.zeros(6, "int32")], epochs=2, verbose=0)
    assert {"loss", "cls_accuracy"} <= set(hist.history)


def test_subclassed_model_trains():
    class TwoLayer(polykeras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayer()
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    model.fit(x, x.sum(axis=1, keepdims=True), epochs=2, verbose=0)
    assert [v.shape for v in model.weights] == [(3, 8), (8,), (8, 1), (1,)]
    assert len(model.trainable_weights) == 4


def test_get_set_weights_in_keras_order():
    model = polykeras.Sequential([layers.Dense(3, input_shape=(2,)), layers.BatchNormalization()])
    names = [v.path for v in model.weights]
    assert names == ["dense/kernel", "dense/bias", "batch_normalization/gamma",
                     "batch_normalization/beta", "batch_normalization/moving_mean",
                     "batch_normalization/moving_variance"] or [n.split("/")[1] for n in names] == [
        "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"]
    new = [np.full(w.shape, i, dtype="float32") for i, w in enumerate(model.get_weights())]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expects 6 weight arrays"):
        model.set_weights(new[:2])
    with pytest.raises(ValueError, match="shape"):
        model.set_weights([np.zeros((5, 5))] + new[1:])


def test_trainable_false_freezes():
    model = polykeras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    before = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=1, verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_get_layer_and_summary(capsys):
    model = seed_mlp()
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(model.layers[2].name) is model.layers[2]
    with pytest.raises(ValueError, match="No layer named"):
        model.get_layer("nope")
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 500)" in text and "392,500" in text and "Total params: 648,010" in text


def test_custom_layer_with_add_weight():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return ops.multiply(x, self.w)

    layer = Scale()
    out = layer(np.full((2, 3), 2.0, "float32"))
    np.testing.assert_allclose(to_np(out), 2.0)
    assert [w.shape for w in layer.weights] == [(3,)]


@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: layers.Conv2D(4, 3), (2, 8, 8, 1), (2, 6, 6, 4)),
    (lambda: layers.Conv2D(4, 3, strides=2, padding="same"), (2, 7, 7, 2), (2, 4, 4, 4)),
    (lambda: layers.Conv1D(3, 2, dilation_rate=2), (2, 9, 2), (2, 7, 3)),
    (lambda: layers.MaxPooling2D(2), (2, 6, 6, 3), (2, 3, 3, 3)),
    (lambda: layers.AveragePooling2D(2, padding="same"), (2, 5, 5, 3), (2, 3, 3, 3)),
    (lambda: layers.GlobalAveragePooling2D(), (2, 4, 4, 3), (2, 3)),
    (lambda: layers.Flatten(), (2, 4, 4, 3), (2, 48)),
    (lambda: layers.Reshape((4, -1)), (2, 4, 4, 3), (2, 4, 12)),
    (lambda: layers.BatchNormalization(), (2, 5, 3), (2, 5, 3)),
    (lambda: layers.LayerNormalization(), (2, 5, 3), (2, 5, 3)),
    (lambda: layers.Dropout(0.3), (2, 5), (2, 5)),
])
def test_layer_output_shapes_match_compute_output_shape(layer, in_shape, out_shape):
    lyr = layer()
    out = lyr(np.random.default_rng(0).normal(size=in_shape).astype("float32"))
    assert tuple(ops.shape(out)) == out_shape
    sym = layer()(polykeras.Input(shape=in_shape[1:]))
    assert sym.shape == (None,) + out_shape[1:]


def test_embedding_and_merge_layers():
    emb = layers.Embedding(10, 4)
    out = emb(np.array([[1, 2, 3]], "int32"))
    assert tuple(ops.shape(out)) == (1, 3, 4)
    np.testing.assert_allclose(to_np(out)[0, 0], emb.get_weights()[0][1])
    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    np.testing.assert_allclose(to_np(layers.Add()([a, b])), 3.0)
    assert tuple(ops.shape(layers.Concatenate()([a, b]))) == (2, 6)


def test_batchnorm_training_updates_moving_stats_and_inference_uses_them():
    bn = layers.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)).astype("float32")
    y = to_np(bn(x, training=True))
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-4)
    mm = bn.moving_mean.numpy()
    np.testing.assert_allclose(mm, 0.5 * x.mean(axis=0), rtol=1e-4)
    y_inf = to_np(bn(x, training=False))
    expected = (x - mm) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(y_inf, expected, rtol=1e-4, atol=1e-4)


def test_set_random_seed_gives_identical_weights_on_every_backend():
    polykeras.utils.set_random_seed(7)
    model = seed_mlp()
    weights = model.get_weights()
    with polykeras.backend.use("numpy"):
        polykeras.utils.set_random_seed(7)
        ref = seed_mlp()
    assert ref._backend.name == "numpy"
    for a, b in zip(weights, ref.get_weights()):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


def test_model_remembers_its_backend():
    model = polykeras.Sequential([layers.Dense(2, input_shape=(3,))])
    with polykeras.backend.use("numpy"):
        out = model.predict(np.ones((1, 3)), verbose=0)
    assert out.shape == (1, 2)
    assert model._backend is polykeras.backend.current()
