"""The Layer and Model API around custom training: add_loss, layer.output, feature
extraction, nesting, output specs, stateless_call, training propagation, callbacks."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


class AddsLoss(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs))
        return inputs


def test_add_loss_is_reset_at_each_top_level_call():
    layer = AddsLoss()
    layer(ops.ones((2, 2)))
    layer(ops.ones((2, 2)))
    assert len(layer.losses) == 1 and float(_np(layer.losses[0])) == 4.0
    model = polykeras.Sequential([layers.Input((2,)), AddsLoss(), AddsLoss()])
    model(np.ones((1, 2), "float32"))
    model(np.ones((1, 2), "float32"))
    assert [float(_np(v)) for v in model.losses] == [2.0, 2.0]
    with pytest.raises(ValueError, match="add_loss\\(\\) expects a scalar tensor"):
        layer.add_loss("not a tensor")


def test_activity_regularization_layer_and_argument():
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    reg = layers.ActivityRegularization(l1=0.1, l2=0.01)
    out = reg(x)
    np.testing.assert_allclose(_np(out), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2  # per sample
    assert float(_np(reg.losses[0])) == pytest.approx(expected, rel=1e-5)
    assert reg.get_config()["l1"] == 0.1
    dense = layers.Dense(2, kernel_initializer="ones", activity_regularizer="l2")
    y = dense(x)
    assert float(_np(dense.losses[0])) == pytest.approx(0.01 * (_np(y) ** 2).sum() / 2,
                                                         rel=1e-5)
    model = polykeras.Sequential([layers.Input((2,)), layers.Dense(3),
                                  layers.ActivityRegularization(l2=1.0)])
    model.compile(optimizer="sgd", loss="mse")
    plain = model.evaluate(x, np.zeros((2, 3), "float32"), verbose=0)
    assert plain > float(np.mean(_np(model(x)) ** 2))  # the penalty is in the loss


def test_feature_extraction_on_sequential_and_functional():
    seq = polykeras.Sequential([layers.Input((4,)), layers.Dense(3, name="a"),
                                layers.Dense(2, name="b")])
    features = polykeras.Model(inputs=seq.inputs, outputs=[layer.output for layer in seq.layers])
    x = np.ones((5, 4), "float32")
    a, b = features.predict(x, verbose=0)
    assert a.shape == (5, 3) and b.shape == (5, 2)
    np.testing.assert_allclose(b, seq.predict(x, verbose=0), rtol=1e-5)
    assert seq.get_layer(index=1).name == "b" and seq.layers[0].input is seq.inputs[0]
    assert seq.output is seq.outputs[0]

    lazy = polykeras.Sequential([layers.Dense(3), layers.Dense(2)])
    lazy(x)
    sub = polykeras.Model(lazy.inputs, lazy.layers[0].output)
    np.testing.assert_allclose(sub.predict(x, verbose=0), _np(lazy.layers[0](x)), rtol=1e-5)

    inputs = polykeras.Input((4,))
    hidden = layers.Dense(3)(inputs)
    func = polykeras.Model(inputs, layers.Dense(2)(hidden))
    assert func.layers[1].output is hidden and func.input is inputs
    with pytest.raises(AttributeError, match="never been called on symbolic inputs"):
        _ = layers.Dense(1).output


def test_nested_models_train_as_layers():
    inner = polykeras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu")])
    inputs = polykeras.Input((3,))
    outer = polykeras.Model(inputs, layers.Dense(1)(inner(inputs)))
    assert len(outer.trainable_weights) == 4
    outer.compile(optimizer="adam", loss="mse")
    before = inner.get_weights()[0].copy()
    rng = np.random.default_rng(0)
    outer.fit(rng.normal(size=(32, 3)).astype("float32"), np.ones((32, 1), "float32"),
              epochs=1, verbose=0)
    assert not np.allclose(before, inner.get_weights()[0])


def test_compute_output_shape_and_spec():
    dense = layers.Dense(5)
    assert dense.compute_output_shape((None, 3)) == (None, 5)
    spec = dense.compute_output_spec(polykeras.Input((3,)))
    assert spec.shape == (None, 5) and spec.dtype == "float32"
    seq = polykeras.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(7)])
    assert seq.compute_output_shape((None, 3)) == (None, 7)


def test_stateless_call_changes_no_variable():
    model = polykeras.Sequential([layers.Input((2,)), layers.Dense(1), AddsLoss()])
    x = np.ones((1, 2), "float32")
    before = model.get_weights()
    trainable = [ops.ones(v.shape) for v in model.trainable_variables]
    out, non_trainable, losses = model.stateless_call(trainable, [], x, return_losses=True)
    np.testing.assert_allclose(_np(out), [[3.0]])
    assert non_trainable == [] and float(_np(losses[0])) == 3.0
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expects 2 trainable"):
        model.stateless_call([], [], x)


def test_training_flag_reaches_sublayers_not_passed_it():
    class Wrapper(polykeras.Model):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.99, seed=1)

        def call(self, x):
            return self.drop(x)  # training not passed explicitly

    model = Wrapper()
    x = np.ones((4, 50), "float32")
    assert np.all(_np(model(x)) == 1.0)
    assert np.mean(_np(model(x, training=True)) == 0.0) > 0.5


def test_callbacks_always_receive_a_logs_dict():
    received = []

    class Check(polykeras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            received.append(("train_begin", logs, self.model))

        def on_epoch_begin(self, epoch, logs=None):
            received.append(("epoch_begin", logs, self.model))

        def on_epoch_end(self, epoch, logs=None):
            received.append(("epoch_end", logs, self.model))
            self.model.stop_training = True

    model = polykeras.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=5, verbose=0,
                        callbacks=[Check()])
    assert len(history.history["loss"]) == 1  # stop_training ends fit after that epoch
    for name, logs, owner in received:
        assert logs is not None and owner is model, name
    assert set(received[-1][1]) == {"loss"}
