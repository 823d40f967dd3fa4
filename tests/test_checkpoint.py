"""ModelCheckpoint and BackupAndRestore, through fit and hook by hook."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import polykeras
from polykeras import layers
from polykeras.callbacks import Callback
from polykeras.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint


def make_model(seed=1):
    polykeras.utils.set_random_seed(seed)
    model = polykeras.Sequential([layers.Dense(6, activation="tanh", input_shape=(4,)),
                                  layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def data(n=32):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), dtype=np.float32), rng.integers(0, 3, n)


class StopAt(Callback):
    """Raises at the start of epoch ``epoch``, as a crash would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch
        self.weights = None

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            self.weights = self.model.get_weights()
            raise RuntimeError(f"interrupted at epoch {epoch}")


# ------------------------------------------------------------------ ModelCheckpoint
def test_formatted_file_names_each_epoch(tmp_path):
    model = make_model()
    x, y = data()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
                        callbacks=[ModelCheckpoint(pattern)])
    expected = [f"ckpt-{e + 1:02d}-{v:.2f}.keras"
                for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    last = polykeras.models.load_model(tmp_path / expected[-1])
    np.testing.assert_allclose(last.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=0, atol=1e-6)


def test_save_best_only_mode_and_threshold(tmp_path):
    model = make_model()
    cb = ModelCheckpoint(str(tmp_path / "best-{epoch}.keras"), save_best_only=True)
    cb.set_model(model)
    for epoch, val_loss in enumerate([1.0, 2.0, 0.5, 0.7]):
        cb.on_epoch_end(epoch, {"val_loss": val_loss})
    assert sorted(os.listdir(tmp_path)) == ["best-1.keras", "best-3.keras"]
    assert cb.best == 0.5

    acc = ModelCheckpoint(str(tmp_path / "acc-{epoch}.keras"), monitor="val_accuracy",
                          save_best_only=True, initial_value_threshold=0.6)
    acc.set_model(model)
    for epoch, value in enumerate([0.5, 0.7, 0.65, 0.9]):
        acc.on_epoch_end(epoch, {"val_accuracy": value})
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("acc")) == [
        "acc-2.keras", "acc-4.keras"]

    low = ModelCheckpoint(str(tmp_path / "low-{epoch}.keras"), monitor="val_accuracy",
                          mode="min", save_best_only=True)
    low.set_model(model)
    for epoch, value in enumerate([0.5, 0.7, 0.4]):
        low.on_epoch_end(epoch, {"val_accuracy": value})
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("low")) == [
        "low-1.keras", "low-3.keras"]


def test_missing_monitor_warns_and_saves(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_loss", save_best_only=True)
    cb.set_model(make_model())
    with pytest.warns(UserWarning, match="val_loss"):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert os.listdir(tmp_path) == ["m.keras"]


def test_weights_only_and_batch_frequency(tmp_path):
    model = make_model()
    x, y = data()
    pattern = str(tmp_path / "sub" / "w-{epoch}-{batch}.weights.h5")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0,
              callbacks=[ModelCheckpoint(pattern, save_weights_only=True, save_freq=2)])
    assert sorted(os.listdir(tmp_path / "sub")) == [
        "w-1-2.weights.h5", "w-1-4.weights.h5", "w-2-2.weights.h5", "w-2-4.weights.h5"]
    fresh = make_model(seed=7)
    fresh.load_weights(tmp_path / "sub" / "w-2-4.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=0, atol=1e-6)


def test_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        ModelCheckpoint(str(tmp_path / "x.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        ModelCheckpoint(str(tmp_path / "x.h5"))
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(str(tmp_path / "x.keras"), save_freq="batch")
    cb = ModelCheckpoint(str(tmp_path / "x-{val_auc}.keras"))
    cb.set_model(make_model())
    with pytest.raises(KeyError, match="val_auc"):
        cb.on_epoch_end(0, {"loss": 1.0})


# ------------------------------------------------------------------ BackupAndRestore
def test_interrupted_fit_leaves_a_backup_that_restores(tmp_path):
    x, y = data()
    backup_dir = tmp_path / "backup"
    model = make_model()
    stop = StopAt(2)
    with pytest.raises(RuntimeError, match="interrupted at epoch 2"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup_dir), stop])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "training_metadata.json"]
    meta = json.loads((backup_dir / "training_metadata.json").read_text())
    assert meta["epoch"] == 2

    again = make_model(seed=5)
    cb = BackupAndRestore(backup_dir)
    cb.set_model(again)
    cb.on_train_begin()
    assert again._initial_epoch_override == 2
    for a, b in zip(again.get_weights(), stop.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(again.optimizer.iterations.numpy()) == 8
    for a, b in zip(again.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_resumed_fit_matches_uninterrupted_fit(tmp_path):
    x, y = data()
    straight = make_model()
    straight.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    model = make_model()
    backup = BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[backup, StopAt(2)])
    resumed = make_model(seed=9)
    history = resumed.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                          callbacks=[backup])
    assert len(history.history["loss"]) == 2
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert not (tmp_path / "backup").exists()


def test_backup_is_deleted_or_kept_at_the_end(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "a")])
    assert not (tmp_path / "a").exists()
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    assert sorted(os.listdir(tmp_path / "b")) == ["latest.weights.h5",
                                                  "training_metadata.json"]
    assert json.loads((tmp_path / "b" / "training_metadata.json").read_text())["epoch"] == 1


def test_backup_every_few_batches_and_errors(tmp_path):
    x, y = data()
    model = make_model()
    backup_dir = tmp_path / "batches"
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=3, batch_size=8, verbose=0,
                  callbacks=[BackupAndRestore(backup_dir, save_freq=3), StopAt(1)])
    meta = json.loads((backup_dir / "training_metadata.json").read_text())
    assert meta == {"epoch": 0, "batch": 3}
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq=0)
    unbuilt = polykeras.Sequential([layers.Dense(2)])
    cb = BackupAndRestore(backup_dir)
    cb.set_model(unbuilt)
    with pytest.raises(ValueError, match="not built"):
        cb.on_train_begin()
