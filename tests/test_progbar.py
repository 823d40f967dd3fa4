"""Progbar and ProgbarLogger output (captured, so stdout is not a terminal), the live
redraw on a simulated terminal, and reading lazy batch logs only when drawing."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pytest

import polykeras
from polykeras import callbacks, layers
from polykeras.callbacks import progbar as progbar_module

BAR = "━" * 20


@pytest.fixture(autouse=True)
def _not_a_notebook(monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)


class LazyLogs(Mapping):
    """Logs that compute (count) their values on any access, like the trainer's."""

    computed = 0

    def __init__(self, values: dict) -> None:
        self._values = values
        self._done = False

    def _get(self) -> dict:
        if not self._done:
            self._done = True
            LazyLogs.computed += 1
        return self._values

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now


def _run_epochs(verbose, epochs=2, steps=3, batch_logs=None, epoch_logs=None,
                logger=None):
    logger = logger or callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([logger], model=None, epochs=epochs, steps=steps,
                                 verbose=verbose)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            logs = batch_logs(epoch, step) if batch_logs else {"loss": 1.0 / (step + 1)}
            cbs.on_train_batch_end(step, logs)
        cbs.on_epoch_end(epoch, epoch_logs(epoch) if epoch_logs else
                         {"loss": 0.33012, "accuracy": 0.90123})
    cbs.on_train_end()
    return logger


STEP = r"\d+(s|ms|us)/step"


def test_verbose_2_one_line_per_epoch(capsys):
    _run_epochs(2, epoch_logs=lambda e: {"loss": 0.33012 + e, "accuracy": 0.90123,
                                         "val_loss": 0.5, "val_accuracy": 0.0001})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(rf"3/3 - 0s - {STEP} - accuracy: 0\.9012 - loss: 0\.3301 - "
                        r"val_accuracy: 1\.0000e-04 - val_loss: 0\.5000", lines[1])
    assert lines[3].endswith("- loss: 1.3301 - val_accuracy: 1.0000e-04 - val_loss: 0.5000")


def test_verbose_1_prints_only_the_final_line_when_not_a_terminal(capsys):
    _run_epochs(1, epochs=1, steps=5)
    out = capsys.readouterr().out
    assert "\r" not in out and "Epoch" not in out
    assert re.fullmatch(rf"5/5 {BAR} 0s {STEP} - accuracy: 0\.9012 - loss: 0\.3301\n", out)


def test_verbose_0_prints_nothing(capsys):
    _run_epochs(0)
    assert capsys.readouterr().out == ""


def test_logger_verbose_argument_overrides_params(capsys):
    _run_epochs(0, epochs=1, logger=callbacks.ProgbarLogger(verbose=2))
    assert capsys.readouterr().out.startswith("3/3 - ")
    with pytest.raises(ValueError, match="verbose"):
        callbacks.ProgbarLogger(verbose=3)


def test_lazy_batch_logs_are_not_read_when_not_drawn(capsys):
    LazyLogs.computed = 0
    _run_epochs(1, epochs=2, steps=50, batch_logs=lambda e, s: LazyLogs({"loss": 1.0}))
    assert LazyLogs.computed == 0
    LazyLogs.computed = 0
    _run_epochs(2, epochs=2, steps=50, batch_logs=lambda e, s: LazyLogs({"loss": 1.0}),
                epoch_logs=lambda e: LazyLogs({"loss": 0.5}))
    assert LazyLogs.computed == 2  # the two epoch logs, for the final lines
    assert capsys.readouterr().out.count("loss: 0.5000") == 2


def test_terminal_redraws_in_place_throttled(capsys, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(progbar_module, "time", clock)
    monkeypatch.setattr(progbar_module, "_is_interactive", lambda stream: True)
    LazyLogs.computed = 0

    def batch_logs(epoch, step):
        clock.now += 0.02  # 50 steps a second: about one redraw in five steps
        return LazyLogs({"loss": 1.0 / (step + 1), "accuracy": 0.5})

    _run_epochs(1, epochs=1, steps=50, batch_logs=batch_logs)
    out = capsys.readouterr().out
    frames = out.split("\r")[1:]
    # redraws at most every 0.1 s (every 5th step here) plus the last step and the final
    assert 9 <= len(frames) <= 13
    assert LazyLogs.computed == len(frames) - 1
    assert out.endswith("\n") and out.count("\n") == 1
    plain = re.sub(r"\x1b\[[0-9;]*m", "", frames[-1])
    assert re.fullmatch(rf"50/50 {BAR} 1s {STEP} - accuracy: 0\.9012 - loss: 0\.3301\n",
                        plain)
    first = re.sub(r"\x1b\[[0-9;]*m", "", frames[0])
    assert first == f" 1/50 {BAR} 0s 20ms/step - accuracy: 0.5000 - loss: 1.0000"


def test_evaluate_and_predict_bars(capsys):
    logger = callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([logger], model=None, steps=4, verbose=1)
    cbs.on_test_begin()
    for step in range(4):
        cbs.on_test_batch_end(step, {"loss": 2.0})
    cbs.on_test_end({"loss": 0.25, "accuracy": 0.75})
    cbs.on_predict_begin()
    for step in range(4):
        cbs.on_predict_batch_end(step, {"outputs": np.zeros(3)})
    cbs.on_predict_end()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(rf"4/4 {BAR} 0s {STEP} - accuracy: 0\.7500 - loss: 0\.2500", lines[0])
    assert re.fullmatch(rf"4/4 {BAR} 0s {STEP}", lines[1])


def test_validation_inside_fit_draws_no_extra_bar(capsys):
    logger = callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([logger], model=None, epochs=1, steps=2, verbose=1)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step in range(2):
        cbs.on_train_batch_end(step, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_batch_end(0, {"loss": 9.0})
    cbs.on_test_end({"loss": 9.0})
    cbs.on_epoch_end(0, {"loss": 1.0, "val_loss": 9.0})
    cbs.on_train_end()
    assert capsys.readouterr().out.count("\n") == 1


def test_unknown_number_of_steps(capsys):
    logger = callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([logger], model=None, epochs=1, steps=None, verbose=1)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step in range(7):
        cbs.on_train_batch_end(step, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    assert re.fullmatch(rf"7/7 {BAR} 0s {STEP} - loss: 1\.0000\n", capsys.readouterr().out)


# ------------------------------------------------------------------ Progbar
def test_progbar_averages_pairs_and_keeps_stateful_values(capsys):
    bar = callbacks.Progbar(4, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(2, [("loss", 3.0), ("acc", 0.2)])
    bar.update(4, [("loss", 2.0), ("acc", 0.3)])
    out = capsys.readouterr().out
    # loss: (1*1 + 3*1 + 2*2) / 4 steps
    assert re.fullmatch(rf"4/4 - 0s - {STEP} - loss: 2\.0000 - acc: 0\.3000\n", out)


def test_progbar_finalize_flag_and_add(capsys):
    bar = callbacks.Progbar(10, verbose=1, unit_name="sample")
    bar.add(3, [("mae", 0.5)])
    assert capsys.readouterr().out == ""
    bar.update(7, [("mae", 0.0)], finalize=True)
    out = capsys.readouterr().out
    assert re.fullmatch(rf" 7/10 {'━' * 20} 0s \d+(s|ms|us)/sample - mae: 0\.2143\n", out)


def test_progbar_unknown_target_and_tensor_values(capsys):
    bar = callbacks.Progbar(None, verbose=1)
    bar.update(12, {"loss": polykeras.ops.convert_to_tensor(0.125)}, finalize=True)
    assert re.fullmatch(rf"     12/Unknown 0s {STEP} - loss: 0\.1250\n", capsys.readouterr().out)


def test_progbar_formats():
    assert progbar_module.format_value(0.000123) == "1.2300e-04"
    assert progbar_module.format_value(-2.5) == "-2.5000"
    assert progbar_module.format_value(np.array([0.5, 1.5])) == "1.0000"
    assert progbar_module.format_duration(3725) == "1:02:05"
    assert progbar_module.format_duration(125) == "2:05"
    assert progbar_module.format_duration(42.7) == "42s"
    assert progbar_module.format_step_time(2.2, "step") == "2s/step"
    assert progbar_module.format_step_time(0.0081, "step") == "8ms/step"
    assert progbar_module.format_step_time(0.00095, "step") == "950us/step"


def test_progbar_rejects_bad_verbose():
    with pytest.raises(ValueError, match="verbose"):
        callbacks.Progbar(3, verbose=5)


# ------------------------------------------------------------------ through fit
def test_fit_verbose_1_final_line_equals_history(capsys):
    polykeras.utils.set_random_seed(1)
    model = polykeras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                  layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 3)).astype("float32"), rng.integers(0, 2, (40, 1))
    history = model.fit(x, y, epochs=2, batch_size=10, verbose=1,
                        validation_data=(x[:10], y[:10]))
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("4/4")]
    assert len(lines) == 2
    for epoch, line in enumerate(lines):
        shown = dict(part.split(": ") for part in line.split(" - ")[1:])
        assert list(shown) == ["accuracy", "loss", "val_accuracy", "val_loss"]
        for key, text in shown.items():
            assert text == progbar_module.format_value(history.history[key][epoch])
    model.evaluate(x, y, batch_size=20, verbose=1)
    out = capsys.readouterr().out
    assert re.fullmatch(rf"2/2 {BAR} \d+s {STEP} - accuracy: \d\.\d{{4}} - loss: \d\.\d{{4}}\n",
                        out)
