"""Custom training written once: overridden steps, the portable gradient step,
add_loss, and the Keras 3 programs built on them (GAN, VAE), on the active backend."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    return x, y


class Portable(polykeras.Model):
    """A Keras-3-guide custom model: its own step, tracker and metrics property."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1, kernel_initializer="ones")
        self.loss_tracker = polykeras.metrics.Mean(name="loss")
        self.calls = {"train": 0, "test": 0, "predict": 0}

    def call(self, x):
        return self.dense(x)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        self.calls["train"] += 1
        x, y = data

        def loss_fn():
            return ops.mean(ops.square(self(x, training=True) - y))

        loss, grads = ops.value_and_grad(loss_fn, self.trainable_variables)()
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result(), "extra": 2.0}

    def test_step(self, data):
        self.calls["test"] += 1
        x, y = data
        self.loss_tracker.update_state(ops.mean(ops.square(self(x) - y)))
        return {"loss": self.loss_tracker.result()}

    def predict_step(self, data):
        self.calls["predict"] += 1
        return self(data) * 0.0 + 7.0


def test_overridden_steps_are_called_and_their_logs_reach_history(regression):
    x, y = regression
    model = Portable()
    model.compile(optimizer=polykeras.optimizers.SGD(0.05))
    seen = []

    class Record(polykeras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(dict(logs))

    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[Record()],
                        validation_data=(x, y))
    assert model.calls["train"] >= 1 and model.calls["test"] >= 1
    if polykeras.backend.current().supports("jit"):
        # One eager step, then a trace (NumPy's jit also checks its first replay against
        # a plain run): the other steps of the 12 ran compiled.
        assert model.calls["train"] <= 3, model.calls
    assert set(history.history) == {"loss", "extra", "val_loss"}
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert history.history["extra"] == [2.0, 2.0, 2.0]
    assert len(seen) == 12 and set(seen[0]) == {"loss", "extra"}
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(result) == {"loss"} and result["loss"] == pytest.approx(
        float(np.mean((model.predict_on_batch(x) * 0 + np.asarray(model(x)) - y) ** 2)),
        rel=1e-4)
    np.testing.assert_allclose(model.predict(x[:5], verbose=0), np.full((5, 1), 7.0))
    assert model.calls["predict"] >= 1
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "extra"}
    assert isinstance(model.test_on_batch(x, y), float)


def test_trackers_reset_each_epoch(regression):
    x, y = regression
    model = Portable()
    model.compile(optimizer=polykeras.optimizers.SGD(0.0))  # no change: constant loss
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0, shuffle=False)
    first, second = history.history["loss"]
    assert first == pytest.approx(second, rel=1e-5)  # not a running mean over epochs
    model.reset_metrics()
    assert float(ops.convert_to_numpy(model.loss_tracker.count)) == 0.0


def test_compute_loss_and_compute_metrics_overrides(regression):
    x, y = regression

    class Custom(polykeras.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            return ops.mean(ops.abs(y_pred - y))

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            logs = super().compute_metrics(x, y, y_pred, sample_weight)
            logs["pred_mean"] = ops.mean(y_pred)
            return logs

    model = Custom([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", metrics=["mse"])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mse", "pred_mean"}
    expected = np.mean(np.abs(model.predict(x, verbose=0) - y))
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(
        expected, rel=1e-4)


def test_functional_subclass_tracks_weights_and_uses_its_step(regression):
    x, y = regression

    class MyModel(polykeras.Model):
        def train_step(self, data):
            x, y = data

            def loss_fn():
                return ops.mean(ops.square(self(x, training=True) - y))

            loss, grads = ops.value_and_grad(loss_fn, self.trainable_variables)()
            self.optimizer.apply(grads, self.trainable_variables)
            return {"custom_loss": loss}

    inputs = polykeras.Input((3,))
    outputs = layers.Dense(1)(layers.Dense(4)(inputs))
    model = MyModel(inputs, outputs)
    assert isinstance(model, MyModel) and len(model.weights) == 4
    model.compile(optimizer="adam")
    history = model.fit(x, y, epochs=2, verbose=0)
    assert list(history.history) == ["custom_loss"]
    assert model.predict(x, verbose=0).shape == (64, 1)


def test_compile_without_loss(regression):
    x, y = regression

    class Penalty(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.mean(ops.square(inputs)))
            return inputs

    model = polykeras.Sequential([layers.Input((3,)), layers.Dense(2), Penalty()])
    model.compile(optimizer=polykeras.optimizers.SGD(0.1))
    history = model.fit(x, None, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    plain = polykeras.Sequential([layers.Input((3,)), layers.Dense(1)])
    plain.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="no loss to compute.*compile\\(loss="):
        plain.fit(x, y, verbose=0)


def test_bad_custom_steps_raise_clear_errors(regression):
    x, y = regression

    class NotADict(Portable):
        def train_step(self, data):
            super().train_step(data)
            return 3.0

    class NoneLoss(polykeras.Sequential):
        def compute_loss(self, *args, **kwargs):
            return None

    class Idle(Portable):
        def train_step(self, data):
            return {"loss": ops.zeros(())}

    model = NotADict()
    model.compile(optimizer="sgd")
    with pytest.raises(TypeError, match="train_step\\(\\) must return a dict"):
        model.fit(x, y, verbose=0)
    model = NoneLoss([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="compute_loss\\(\\) returned None"):
        model.fit(x, y, verbose=0)
    model = Idle()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="train_step updated no variable"):
        model.fit(x, y, verbose=0)


def _portable_step(backend_name, weights, x, y):
    """One custom step (Adam) of a small model from given weights, on one backend."""
    with polykeras.backend.use(backend_name):
        model = Portable()
        model.build((None, 3))
        model.set_weights(weights)
        model.compile(optimizer=polykeras.optimizers.Adam(0.1))
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
        return model.get_weights()


def test_portable_step_matches_numpy(regression, backend):
    x, y = regression
    weights = [np.array([[0.5], [-0.25], [1.0]], "float32"), np.array([0.1], "float32")]
    reference = _portable_step("numpy", weights, x, y)
    result = _portable_step(backend.name, weights, x, y)
    assert not np.allclose(result[0], weights[0])
    for got, want in zip(result, reference):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


def test_value_and_grad_functional_form_and_errors():
    loss, grads = ops.value_and_grad(lambda p: ops.sum(p["w"] ** 2))(
        {"w": ops.convert_to_tensor([1.0, 3.0])})
    assert float(ops.convert_to_numpy(loss)) == 10.0
    np.testing.assert_allclose(ops.convert_to_numpy(grads["w"]), [2.0, 6.0])
    w = polykeras.Variable([1.0])
    with pytest.raises(TypeError, match="list of polykeras Variables"):
        ops.value_and_grad(lambda: w * 1.0, [np.ones(1)])
    with pytest.raises(ValueError, match="returned None"):
        ops.value_and_grad(lambda: None, [w])()


def _example(name, tmp_path, monkeypatch, args):
    import hashlib

    from test_training import _write_tiny_mnist

    import polykeras.datasets.mnist as mnist

    _write_tiny_mnist(tmp_path / "mnist", n_train=256, n_test=8)
    monkeypatch.setenv("POLYKERAS_DATASETS", str(tmp_path))
    # The tiny mnist.npz is not the published one: its digest is the expected one here.
    digest = hashlib.sha256((tmp_path / "mnist" / "mnist.npz").read_bytes()).hexdigest()
    monkeypatch.setattr(mnist, "NPZ_CHECKSUM", f"sha256:{digest}")
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(args)


def test_gan_example_trains(tmp_path, monkeypatch):
    history = _example("gan.py", tmp_path, monkeypatch,
                       ["--epochs", "3", "--batch-size", "32", "--limit", "256", "--verbose", "0"])
    d_loss, g_loss = history["d_loss"], history["g_loss"]
    assert np.all(np.isfinite(d_loss + g_loss))
    # A two-player game: on random pixels one adversary gains on the other.
    assert min(d_loss[-1] - d_loss[0], g_loss[-1] - g_loss[0]) < 0


def test_vae_example_trains(tmp_path, monkeypatch):
    history = _example("vae.py", tmp_path, monkeypatch,
                       ["--epochs", "3", "--batch-size", "32", "--limit", "256", "--verbose", "0"])
    assert history["total_loss"][-1] < history["total_loss"][0]
    assert history["kl_loss"][-1] > 0.0
