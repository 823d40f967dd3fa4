"""compile/fit/evaluate/predict on the active backend: learning, options, data kinds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import polykeras
from polykeras import layers

ROOT = Path(__file__).resolve().parents[1]


def blobs(n=600, dim=8, classes=3, seed=0):
    """Linearly separable-ish Gaussian blobs."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, size=(classes, dim))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1, size=(n, dim))
    return x.astype("float32"), y.astype("int32")


def test_mlp_learns_a_synthetic_task():
    polykeras.utils.set_random_seed(0)
    x, y = blobs()
    model = polykeras.Sequential([
        layers.Dense(32, activation="relu", input_shape=(8,)), layers.Dropout(0.1),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:500], y[:500], batch_size=32, epochs=15, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x[500:], y[500:], verbose=0)
    assert acc > 0.95, f"accuracy {acc}"


def test_cnn_learns_a_synthetic_task():
    """Bright square top-left vs bottom-right in 12x12 noise."""
    polykeras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    n = 400
    y = rng.integers(0, 2, size=n)
    x = rng.normal(0, 0.3, size=(n, 12, 12, 1)).astype("float32")
    for i in range(n):
        r = rng.integers(0, 4)
        c = rng.integers(0, 4)
        if y[i]:
            r, c = r + 6, c + 6
        x[i, r:r + 3, c:c + 3, 0] += 2.0
    model = polykeras.Sequential([
        polykeras.Input(shape=(12, 12, 1)),
        layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=polykeras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:320], y[:320], batch_size=32, epochs=8, verbose=0)
    _, acc = model.evaluate(x[320:], y[320:], verbose=0)
    assert acc > 0.95, f"accuracy {acc}"


def small_model(out=3, activation="softmax"):
    return polykeras.Sequential([layers.Dense(6, activation="tanh", input_shape=(8,)),
                                 layers.Dense(out, activation=activation)])


def test_evaluate_return_forms_and_predict():
    x, y = blobs(64)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    single = polykeras.Sequential([layers.Dense(3, input_shape=(8,))])
    single.compile(optimizer="sgd", loss="mse")
    assert isinstance(single.evaluate(x, np.zeros((64, 3)), verbose=0), float)
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"} and np.isclose(logs["loss"], values[0])
    assert model.metrics_names == ["loss", "accuracy"]
    pred = model.predict(x, batch_size=10, verbose=0)
    assert pred.shape == (64, 3) and pred.dtype == np.float32
    np.testing.assert_allclose(pred, model.predict_on_batch(x), rtol=1e-5, atol=1e-6)


def test_fit_options_validation_weights_and_epochs():
    x, y = blobs(120)
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    h = model.fit(x, y, batch_size=16, epochs=3, initial_epoch=1, validation_split=0.25,
                  class_weight={0: 1.0, 1: 2.0, 2: 0.5}, verbose=0)
    assert h.epoch == [1, 2]
    assert set(h.history) == {"loss", "acc", "val_loss", "val_acc"}
    h = model.fit(x, y, epochs=1, validation_data=(x[:20], y[:20]), sample_weight=np.ones(120),
                  steps_per_epoch=2, verbose=0)
    assert "val_loss" in h.history


def test_sample_weight_zero_ignores_samples():
    x, y = blobs(32)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    w = np.zeros(32, "float32")
    w[:16] = 1.0
    full = model.evaluate(x[:16], y[:16], verbose=0, batch_size=32)
    weighted = model.evaluate(x, y, sample_weight=w, verbose=0, batch_size=32)
    assert np.isclose(weighted, full / 2, rtol=1e-4)  # sum_over_batch_size divides by 32


def test_generator_and_list_of_batches():
    x, y = blobs(64)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    h = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    class Batches:
        """A re-iterable sequence of batches (like a PyDataset)."""

        def __len__(self):
            return 4

        def __iter__(self):
            return ((x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16))

    assert len(model.fit(Batches(), epochs=2, verbose=0).history["loss"]) == 2
    assert isinstance(model.evaluate(Batches(), verbose=0), float)
    assert model.predict((b[0] for b in Batches()), verbose=0).shape == (64, 3)


def test_backend_tensors_as_input():
    x, y = blobs(32)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    tx, ty = polykeras.ops.convert_to_tensor(x), polykeras.ops.convert_to_tensor(y)
    model.fit(tx, ty, epochs=1, verbose=0)
    assert model.predict(tx, verbose=0).shape == (32, 3)


def test_on_batch_methods():
    x, y = blobs(32)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.get_weights()
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert set(model.test_on_batch(x, y, return_dict=True)) == {"loss", "accuracy"}
    assert model.predict_on_batch(x).shape == (32, 3)


def test_raw_uint8_inputs_and_int_one_hot_labels():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 8)).astype("uint8")
    y = (np.arange(3) == rng.integers(0, 3, size=40)[:, None]).astype(int)
    model = small_model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    h = model.fit(x, y, epochs=1, batch_size=20, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    assert model.predict(x, verbose=0).dtype == np.float32


def test_softmax_output_uses_logits_for_the_loss():
    """A saturated softmax: probabilities clip at epsilon, logits give the exact loss."""
    model = polykeras.Sequential([layers.Dense(2, input_shape=(1,), activation="softmax")])
    model.set_weights([np.array([[50.0, -50.0]], "float32"), np.zeros(2, "float32")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(np.ones((1, 1)), np.array([1]), verbose=0)
    assert np.isclose(loss, 100.0, rtol=1e-4), loss


def test_seed_is_repeatable():
    x, y = blobs(64)

    def run():
        polykeras.utils.set_random_seed(3)
        model = polykeras.Sequential([layers.Dense(6, input_shape=(8,)), layers.Dropout(0.5),
                                      layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_legacy_sgd_and_class_mode_match_modern_spelling():
    x, y = blobs(64)
    yh = polykeras.utils.to_categorical(y, 3)

    def run(legacy):
        polykeras.utils.set_random_seed(5)
        model = small_model()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if legacy:
                opt = polykeras.optimizers.SGD(lr=0.05, decay=1e-2, momentum=0.9, nesterov=True)
                model.compile(loss="categorical_crossentropy", optimizer=opt,
                              class_mode="categorical")
            else:
                schedule = polykeras.optimizers.schedules.InverseTimeDecay(0.05, 1, 1e-2)
                opt = polykeras.optimizers.SGD(learning_rate=schedule, momentum=0.9,
                                               nesterov=True)
                model.compile(loss="categorical_crossentropy", optimizer=opt)
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        model.fit(x, yh, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model.get_weights(), deprecations

    legacy, warned = run(True)
    modern, none = run(False)
    assert len(warned) == 3 and not none
    text = " ".join(str(w.message) for w in warned)
    assert "learning_rate" in text and "class_mode" in text
    for a, b in zip(legacy, modern):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _write_tiny_mnist(folder: Path, n_train=120, n_test=40):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    y_train = rng.integers(0, 10, n_train).astype("uint8")
    y_test = rng.integers(0, 10, n_test).astype("uint8")
    x_train = rng.integers(0, 256, (n_train, 28, 28)).astype("uint8")
    x_test = rng.integers(0, 256, (n_test, 28, 28)).astype("uint8")
    np.savez(folder / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)


@pytest.mark.parametrize("script, args", [
    ("seed_mnist.py", []),
    ("functional_mlp.py", []),
    ("mnist_mlp.py", ["--epochs", "1", "--limit", "100"]),
    ("mnist_cnn.py", ["--epochs", "1", "--limit", "100"]),
    ("autoencoder.py", ["--epochs", "1", "--limit", "100"]),
    ("augmented_cnn.py", ["--epochs", "1", "--limit", "100"]),
    ("compare_backends.py", ["--epochs", "1", "--limit", "100", "--backends", "BACKEND"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_example_scripts_run_unchanged(script, args, tmp_path):
    _write_tiny_mnist(tmp_path / "mnist")
    backend = polykeras.config.backend()
    env = dict(os.environ, POLYKERAS_DATASETS=str(tmp_path), POLYKERAS_BACKEND=backend)
    args = [a.replace("BACKEND", backend) for a in args]
    if script == "compare_backends.py":
        args += ["--out", str(tmp_path / "curves.png")]
    # The tiny mnist.npz is not the published one: the example runs with its digest
    # registered as the expected one (the check itself stays on).
    digest = hashlib.sha256((tmp_path / "mnist" / "mnist.npz").read_bytes()).hexdigest()
    path = str(ROOT / "examples" / script)
    launcher = ("import runpy, sys; import polykeras.datasets.mnist as m; "
                f"m.NPZ_CHECKSUM = 'sha256:{digest}'; sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", launcher, path, *args], env=env,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if script.startswith(("mnist_", "seed_")):
        assert "test accuracy" in proc.stdout.splitlines()[-1]
    if script == "augmented_cnn.py":
        assert "test accuracy" in proc.stdout
    if script == "autoencoder.py":
        assert "denoised" in proc.stdout


def test_example_help_prints_help_without_training():
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "functional_mlp.py"), "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage:") and "--epochs" in proc.stdout
    assert "backend=" not in proc.stdout
