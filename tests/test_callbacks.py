"""Callbacks driven hook by hook with a stand-in model, plus a few runs through fit."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import polykeras
from polykeras import callbacks, layers


class FakeOptimizer:
    def __init__(self, learning_rate: float = 1.0) -> None:
        self._lr = np.float32(learning_rate)

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = np.float32(value)


class FakeModel:
    """What callbacks use of a model: stop_training, optimizer, get/set_weights."""

    def __init__(self, learning_rate: float = 1.0) -> None:
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros(2, "float32")]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.asarray(w).copy() for w in weights]


def _drive(cb, monitored, key="val_loss", model=None, before_epoch=None):
    """Run epochs with ``logs[key] = value`` until the callback stops training; returns
    (model, number of epochs run)."""
    model = model or FakeModel()
    cbs = callbacks.CallbackList([cb], model=model, epochs=len(monitored), steps=1,
                                 verbose=0)
    cbs.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(monitored):
        if before_epoch:
            before_epoch(model, epoch)
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 0.0, key: value})
        epochs += 1
        if model.stop_training:
            break
    cbs.on_train_end()
    return model, epochs


# --------------------------------------------------------------- EarlyStopping
def test_early_stopping_patience():
    cb = callbacks.EarlyStopping(patience=2)
    _, epochs = _drive(cb, [1.0, 0.9, 0.95, 0.96, 0.97, 0.5])
    assert epochs == 4 and cb.stopped_epoch == 3 and cb.best == pytest.approx(0.9)


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    cb = callbacks.EarlyStopping(monitor="loss")
    _, epochs = _drive(cb, [1.0, 0.8, 0.8, 0.1], key="loss")
    assert epochs == 3


def test_early_stopping_min_delta():
    values = [1.0, 0.99, 0.98, 0.97, 0.96]
    _, epochs = _drive(callbacks.EarlyStopping(patience=1, min_delta=0.05), values)
    assert epochs == 2
    _, epochs = _drive(callbacks.EarlyStopping(patience=1, min_delta=0.001), values)
    assert epochs == 5


@pytest.mark.parametrize("key", ["val_accuracy", "val_auc", "precision", "val_recall",
                                 "acc"])
def test_early_stopping_auto_mode_maximizes_scores(key):
    _, epochs = _drive(callbacks.EarlyStopping(monitor=key, patience=1),
                       [0.5, 0.6, 0.7, 0.8, 0.9], key=key)
    assert epochs == 5
    _, epochs = _drive(callbacks.EarlyStopping(monitor=key, patience=1, mode="min"),
                       [0.5, 0.6, 0.7, 0.8, 0.9], key=key)
    assert epochs == 2


def test_early_stopping_restore_best_weights(capsys):
    def set_epoch_weights(model, epoch):
        model.weights = [np.full(2, epoch, "float32")]

    cb = callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, epochs = _drive(cb, [1.0, 0.5, 0.7, 0.8, 0.9], before_epoch=set_epoch_weights)
    assert epochs == 4
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_keeps_last_weights_without_restore():
    def set_epoch_weights(model, epoch):
        model.weights = [np.full(2, epoch, "float32")]

    model, _ = _drive(callbacks.EarlyStopping(patience=1), [1.0, 2.0, 3.0],
                      before_epoch=set_epoch_weights)
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_baseline():
    values = [0.8, 0.9, 0.9, 0.9]
    _, epochs = _drive(callbacks.EarlyStopping(patience=2, baseline=0.5), values)
    assert epochs == 2
    _, epochs = _drive(callbacks.EarlyStopping(patience=2), values)
    assert epochs == 3
    # beating the baseline resets the wait
    _, epochs = _drive(callbacks.EarlyStopping(patience=2, baseline=0.5),
                       [0.4, 0.45, 0.45, 0.45])
    assert epochs == 3


def test_early_stopping_start_from_epoch():
    _, epochs = _drive(callbacks.EarlyStopping(patience=0, start_from_epoch=3),
                       [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert epochs == 5


def test_early_stopping_reusable():
    cb = callbacks.EarlyStopping(patience=1)
    _drive(cb, [1.0, 2.0, 3.0])
    _, epochs = _drive(cb, [5.0, 4.0, 3.0])
    assert epochs == 3 and cb.stopped_epoch == 0


def test_missing_monitor_key_warns_with_available_keys():
    cb = callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match=r"`val_loss`.*Available metrics are: loss, accuracy"):
        cb.set_model(FakeModel())
        cb.on_train_begin()
        cb.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    cb = callbacks.ReduceLROnPlateau(monitor="val_auc")
    cb.set_model(FakeModel())
    with pytest.warns(UserWarning, match="`val_auc`.*Available metrics are: loss"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_unknown_mode_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'lowest' is unknown"):
        cb = callbacks.EarlyStopping(mode="lowest")
    assert cb.mode == "auto"


# ---------------------------------------------------------- ReduceLROnPlateau
def _lr_trace(cb, values, lr=1.0, key="val_loss"):
    model = FakeModel(lr)
    cbs = callbacks.CallbackList([cb], model=model, epochs=len(values), steps=1, verbose=0)
    cbs.on_train_begin()
    trace, logged = [], []
    for epoch, value in enumerate(values):
        logs = {"loss": 0.0, key: value}
        cbs.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        trace.append(float(model.optimizer.learning_rate))
    return trace, logged


def test_reduce_lr_on_plateau_patience_and_min_lr():
    cb = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.3)
    trace, logged = _lr_trace(cb, [1.0] * 7)
    assert trace == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3])
    assert logged == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5, 0.3, 0.3])


def test_reduce_lr_on_plateau_improvement_and_cooldown():
    cb = callbacks.ReduceLROnPlateau(factor=0.1, patience=1, cooldown=2)
    trace, _ = _lr_trace(cb, [1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6])
    assert trace == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01, 0.001])


def test_reduce_lr_on_plateau_min_delta_and_max_mode():
    cb = callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1,
                                     min_delta=0.05)
    trace, _ = _lr_trace(cb, [0.5, 0.52, 0.6, 0.7], key="val_accuracy")
    assert trace == pytest.approx([1.0, 0.5, 0.5, 0.5])


def test_reduce_lr_on_plateau_rejects_factor_one():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


# ------------------------------------------------------- LearningRateScheduler
def test_learning_rate_scheduler_two_arguments(capsys):
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 1 else lr,
                                         verbose=1)
    model = FakeModel(0.8)
    cb.set_model(model)
    seen = []
    for epoch in range(3):
        cb.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        seen.append(logs["learning_rate"])
    assert seen == pytest.approx([0.8, 0.4, 0.2])
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.2" in capsys.readouterr().out


def test_learning_rate_scheduler_one_argument():
    cb = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    model = FakeModel()
    cb.set_model(model)
    cb.on_epoch_begin(3)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)


def test_learning_rate_scheduler_rejects_non_float():
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    cb.set_model(FakeModel())
    with pytest.raises(ValueError, match="must return a finite float.*'fast'"):
        cb.on_epoch_begin(0)


def test_learning_rate_scheduler_needs_an_optimizer():
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr)

    class NoOptimizer:
        optimizer = None

    cb.set_model(NoOptimizer())
    with pytest.raises(ValueError, match="learning_rate"):
        cb.on_epoch_begin(0)


# ------------------------------------------------------------- TerminateOnNaN
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_terminate_on_nan(bad, capsys):
    model = FakeModel()
    cbs = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    cbs.on_train_batch_end(0, {"loss": 0.5})
    assert not model.stop_training
    cbs.on_train_batch_end(1, {"loss": bad})
    assert model.stop_training
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_reads_backend_tensors():
    model = FakeModel()
    cb = callbacks.TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"loss": polykeras.ops.convert_to_tensor(float("nan"))})
    assert model.stop_training


# ------------------------------------------------------------------ CSVLogger
def _run_csv(cb, rows):
    cbs = callbacks.CallbackList([cb], model=FakeModel())
    cbs.on_train_begin()
    for epoch, logs in enumerate(rows):
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end()


def test_csv_logger_writes_sorted_columns(tmp_path):
    path = tmp_path / "log.csv"
    rows = [{"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75, "val_accuracy": 0.125},
            {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.5, "val_accuracy": 0.25}]
    _run_csv(callbacks.CSVLogger(str(path)), rows)
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert table == [["epoch", "accuracy", "loss", "val_accuracy", "val_loss"],
                     ["0", "0.25", "0.5", "0.125", "0.75"],
                     ["1", "0.5", "0.25", "0.25", "0.5"]]


def test_csv_logger_append_separator_and_missing_values(tmp_path):
    path = tmp_path / "log.tsv"
    _run_csv(callbacks.CSVLogger(path, separator="\t"), [{"loss": 1.0}])
    _run_csv(callbacks.CSVLogger(path, separator="\t", append=True),
             [{"loss": 0.5, "val_loss": 0.25}])
    lines = path.read_text().splitlines()
    assert lines == ["epoch\tloss\tval_loss", "0\t1.0\tNA", "0\t0.5\t0.25"]
    _run_csv(callbacks.CSVLogger(path), [{"loss": 2.0}])
    assert path.read_text().splitlines() == ["epoch\tloss\tval_loss".replace("\t", ","),
                                             "0,2.0,NA"]


def test_csv_logger_rows_are_on_disk_before_training_ends(tmp_path):
    path = tmp_path / "log.csv"
    cb = callbacks.CSVLogger(path)
    cb.set_model(FakeModel())
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": np.float32(0.5), "acc": polykeras.ops.convert_to_tensor(1.0)})
    assert path.read_text().splitlines() == ["epoch,acc,loss,val_acc,val_loss",
                                             "0,1.0,0.5,NA,NA"]
    cb.on_train_end()


# ------------------------------------------------------------- LambdaCallback
def test_lambda_callback_calls_given_hooks():
    calls = []
    cb = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_train_end=lambda logs: calls.append(("train_end",)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_test_end=lambda logs: calls.append(("test_end",)),
    )
    assert isinstance(cb, callbacks.LambdaCallback)
    cbs = callbacks.CallbackList([cb], model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 0.5})
    cbs.on_test_end()
    cbs.on_train_end()
    assert calls == [("train_begin",), ("epoch_begin", 0), ("batch_end", 0),
                     ("epoch_end", 0, 0.5), ("test_end",), ("train_end",)]


def test_lambda_callback_only_given_hooks_count():
    epoch_only = callbacks.CallbackList([callbacks.LambdaCallback(on_epoch_end=print)])
    assert not epoch_only.wants_batch_logs
    batch = callbacks.CallbackList([callbacks.LambdaCallback(on_batch_end=print)])
    assert batch.wants_batch_logs


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_finish'"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(ValueError, match="must be callable"):
        callbacks.LambdaCallback(on_epoch_end=3)


# ---------------------------------------------------------------- through fit
def _tiny_model():
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, activation="softmax")])
    model.compile(optimizer=polykeras.optimizers.SGD(learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=48):
    rng = np.random.default_rng(0)
    return rng.random((n, 4)).astype("float32"), rng.integers(0, 3, n)


def test_fit_early_stopping_stops_early():
    model = _tiny_model()
    x, y = _data()
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 2
    assert stop.stopped_epoch == 1


def test_fit_history_matches_the_verbose_2_lines(capsys, monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    model = _tiny_model()
    x, y = _data()
    lr_log = callbacks.LearningRateScheduler(lambda epoch, lr: lr)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=2, validation_split=0.25,
                        callbacks=[lr_log])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("3/3")]
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        shown = dict(part.split(": ") for part in line.split(" - ")[3:])
        assert list(shown) == ["accuracy", "learning_rate", "loss", "val_accuracy",
                               "val_loss"]
        for key, text in shown.items():
            assert text == f"{history.history[key][epoch]:.4f}"


def test_fit_reduce_lr_and_csv_logger(tmp_path):
    model = _tiny_model()
    x, y = _data()
    path = tmp_path / "fit.csv"
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0,
                                          min_delta=10.0)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        callbacks=[plateau, callbacks.CSVLogger(path)])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.05, 0.025])
    assert float(polykeras.ops.convert_to_numpy(model.optimizer.learning_rate)) == \
        pytest.approx(0.0125)
    rows = list(csv.DictReader(open(path, newline="")))
    assert [float(r["loss"]) for r in rows] == pytest.approx(history.history["loss"])
