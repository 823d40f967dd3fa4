"""ModelCheckpoint and BackupAndRestore, through fit and hook by hook."""

from __future__ import annotations

import os

import numpy as np
import pytest

import polykeras
from polykeras import layers
from polykeras.callbacks import BackupAndRestore, Callback, ModelCheckpoint
from polykeras.callbacks.backup import read_backup_metadata


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
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5"]
    assert read_backup_metadata(backup_dir / "latest.weights.h5") == {"epoch": 2, "batch": 0}

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
    assert sorted(os.listdir(tmp_path / "b")) == ["latest.weights.h5"]
    assert read_backup_metadata(tmp_path / "b" / "latest.weights.h5")["epoch"] == 1


def test_backup_every_few_batches_and_errors(tmp_path):
    x, y = data()
    model = make_model()
    backup_dir = tmp_path / "batches"
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=3, batch_size=8, verbose=0,
                  callbacks=[BackupAndRestore(backup_dir, save_freq=3), StopAt(1)])
    assert read_backup_metadata(backup_dir / "latest.weights.h5") == {"epoch": 0, "batch": 3}
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq=0)
    unbuilt = polykeras.Sequential([layers.Dense(2)])
    cb = BackupAndRestore(backup_dir)
    cb.set_model(unbuilt)
    with pytest.raises(ValueError, match="not built"):
        cb.on_train_begin()


# ------------------------------------------------------------ exact resume
def make_dropout_model(seed=1):
    polykeras.utils.set_random_seed(seed)
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                                  layers.Dropout(0.4), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


_UNINTERRUPTED: list = []


def uninterrupted_weights(x, y):
    """The weights after 3 epochs without interruption (computed once per session)."""
    if not _UNINTERRUPTED:
        model = make_dropout_model()
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)  # default shuffle=True
        _UNINTERRUPTED.append(model.get_weights())
    return _UNINTERRUPTED[0]


class CrashAtBatch(Callback):
    """Raises before batch ``batch`` of epoch ``epoch``; counts the batches trained."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch, self.trained = (epoch, batch), 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError(f"crash at epoch {self.epoch}, batch {batch}")

    def on_train_batch_end(self, batch, logs=None):
        self.trained += 1


def assert_same_weights(got, expected):
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize("save_freq,crash,trained_after", [
    ("epoch", (2, 1), 4),  # epoch-end backups: epoch 2 runs again from its first batch
    (3, (1, 2), 6),        # a mid-epoch backup after 6 batches: resumes at epoch 1, batch 2
])
def test_resume_is_exact_with_shuffle_and_dropout(tmp_path, save_freq, crash, trained_after):
    """Default fit arguments (shuffle=True), Dropout, epoch or mid-epoch backups: the
    resumed run ends with the weights of the uninterrupted one, and trains each
    remaining batch once."""
    x, y = data()
    expected = uninterrupted_weights(x, y)
    backup_dir = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="crash"):
        make_dropout_model().fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
            BackupAndRestore(backup_dir, save_freq=save_freq), CrashAtBatch(*crash)])
    resumed = make_dropout_model(seed=99)
    counter = CrashAtBatch(-1, -1)
    resumed.fit(x, y, epochs=3, batch_size=8, verbose=0,
                callbacks=[BackupAndRestore(backup_dir, save_freq=save_freq), counter])
    assert counter.trained == trained_after
    assert_same_weights(resumed.get_weights(), expected)


def _fail_in_write_weights(monkeypatch):
    from polykeras.saving import weights_store

    real = weights_store.write_weights

    def failing(model, h5file):
        real(model, h5file)
        raise OSError("disk full while writing the weights")

    monkeypatch.setattr(weights_store, "write_weights", failing)


def _fail_before_rename(monkeypatch):
    from polykeras.utils import files

    def failing(src, dst):
        raise OSError("crash before the rename")

    monkeypatch.setattr(files.os, "replace", failing)


def _fail_after_rename(monkeypatch):
    from polykeras.utils import files

    def failing(folder):
        raise OSError("crash after the rename")

    monkeypatch.setattr(files, "fsync_folder", failing)


@pytest.mark.parametrize("inject", [_fail_in_write_weights, _fail_before_rename,
                                    _fail_after_rename])
def test_crash_while_writing_the_backup_resumes_exactly(tmp_path, monkeypatch, inject):
    """A crash at any point of a save leaves a backup that resumes exactly: the previous
    one (before the rename) or the new one (after)."""
    x, y = data()
    expected = uninterrupted_weights(x, y)
    backup_dir = tmp_path / "backup"

    class FailSecondSave(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                with monkeypatch.context() as m:
                    inject(m)
                    backup._save()  # the backup of epoch 0's end, written again

    backup = BackupAndRestore(backup_dir)
    with pytest.raises(OSError, match="crash|disk full"):
        make_dropout_model().fit(x, y, epochs=3, batch_size=8, verbose=0,
                                 callbacks=[backup, FailSecondSave()])
    assert [n for n in os.listdir(backup_dir) if n.endswith(".tmp")] == []
    resumed = make_dropout_model(seed=99)
    resumed.fit(x, y, epochs=3, batch_size=8, verbose=0,
                callbacks=[BackupAndRestore(backup_dir)])
    assert_same_weights(resumed.get_weights(), expected)


KILLED_RUN = """
import os, signal, sys
import numpy as np
import polykeras
from polykeras import layers
from polykeras.callbacks import BackupAndRestore, Callback

def make():
    polykeras.utils.set_random_seed(1)
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                                  layers.Dropout(0.4), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model

class Kill(Callback):
    def __init__(self):
        super().__init__()
        self.n = 0
    def on_train_batch_end(self, batch, logs=None):
        self.n += 1
        if self.n == 7 and sys.argv[1] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)

rng = np.random.default_rng(0)
x, y = rng.random((32, 4), dtype=np.float32), rng.integers(0, 3, 32)
backup = BackupAndRestore(sys.argv[2], save_freq=3)
model = make()
model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[backup, Kill()])
np.savez(sys.argv[3], *model.get_weights())
"""


def test_resume_after_sigkill_is_exact(tmp_path):
    """A real SIGKILL mid-epoch, then a new process resumes from the backup."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "train.py"
    script.write_text(KILLED_RUN)
    backup_dir, env = str(tmp_path / "backup"), dict(os.environ)

    def run(mode, out):
        return subprocess.run([sys.executable, str(script), mode, backup_dir, str(out)],
                              env=env, cwd=str(tmp_path), capture_output=True, text=True,
                              timeout=300)

    killed = run("kill", tmp_path / "never.npz")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert read_backup_metadata(os.path.join(backup_dir, "latest.weights.h5")) == {
        "epoch": 1, "batch": 2}  # 4 batches an epoch, a backup every 3, killed after 7
    proc = run("resume", tmp_path / "resumed.npz")
    assert proc.returncode == 0, proc.stderr[-2000:]
    resumed = np.load(tmp_path / "resumed.npz")
    assert_same_weights([resumed[f"arr_{i}"] for i in range(len(resumed.files))],
                        uninterrupted_weights(*data()))
    assert not os.path.exists(backup_dir)
