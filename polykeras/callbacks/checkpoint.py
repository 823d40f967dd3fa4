"""Checkpointing during ``fit``: ModelCheckpoint keeps models or weights as training goes
(BackupAndRestore, which resumes an interrupted ``fit``, is in :mod:`.backup`).

Example:
    >>> from polykeras.callbacks.checkpoint import ModelCheckpoint
    >>> best = ModelCheckpoint("ckpt-{epoch:02d}-{val_loss:.2f}.keras", save_best_only=True)
    >>> # model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[best])
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.monitoring import check_mode, direction, to_float


def check_save_freq(save_freq: Any, owner: str) -> Any:
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0:
        raise ValueError(
            f"{owner}: save_freq must be 'epoch' or a positive number of batches, "
            f"received {save_freq!r}."
        )
    return save_freq


class BatchCounter:
    """Counts batches across epochs and says when ``every`` of them have passed."""

    def __init__(self, every: Any) -> None:
        self.every = every
        self.since_save = 0
        self.last_batch: int | None = None

    def step(self, batch: int) -> bool:
        if self.every == "epoch":
            return False
        if self.last_batch is None or batch <= self.last_batch:
            self.since_save += batch + 1
        else:
            self.since_save += batch - self.last_batch
        self.last_batch = batch
        if self.since_save >= self.every:
            self.since_save = 0
            return True
        return False


class ModelCheckpoint(Callback):
    """Save the model (or its weights) during training, optionally only when it improves.

    Args:
        filepath: where to save; may hold ``str.format`` fields filled from the epoch
            (1-based), the batch (when ``save_freq`` is a number) and the logs, e.g.
            ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. Must end in ``.keras``, or in
            ``.weights.h5`` with ``save_weights_only=True``.
        monitor: the log key deciding what "better" means with ``save_best_only``.
        verbose: 1 prints a line for each save decision.
        save_best_only: save only when ``monitor`` improves on the best value so far.
        save_weights_only: save with ``model.save_weights`` instead of ``model.save``.
        mode: "min", "max" or "auto" (max for accuracy/AUC/precision/recall keys).
        save_freq: "epoch", or save every this many batches.
        initial_value_threshold: the value ``monitor`` must beat for the first save.

    Example:
        >>> cb = ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = check_mode(mode, "ModelCheckpoint")
        self.save_freq = check_save_freq(save_freq, "ModelCheckpoint")
        self.initial_value_threshold = initial_value_threshold
        self.best: float | None = (None if initial_value_threshold is None
                                   else float(initial_value_threshold))
        self._counter = BatchCounter(self.save_freq)
        self._current_epoch = 0
        if self.save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "ModelCheckpoint with save_weights_only=True needs a filepath ending in "
                f"`.weights.h5`, received filepath={self.filepath!r}."
            )
        if not self.save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(
                "ModelCheckpoint needs a filepath ending in `.keras` (or `.weights.h5` "
                f"with save_weights_only=True), received filepath={self.filepath!r}."
            )

    def _is_improvement(self, current: float) -> bool:
        if math.isnan(current):
            return False
        if self.best is None:
            return True
        if direction(self.monitor, self.mode) == "max":
            return current > self.best
        return current < self.best

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._counter.step(batch):
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: int | None, logs: Any) -> str:
        values = dict(logs or {})
        values["epoch"] = epoch + 1
        if batch is not None and "batch" not in values:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise KeyError(
                f"ModelCheckpoint cannot format the filepath {self.filepath!r}: {exc!r}. "
                f"Available fields: {sorted(values)}."
            ) from None

    def _should_save(self, epoch: int, logs: Any, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        logs = logs or {}
        if self.monitor not in logs:
            warnings.warn(
                f"ModelCheckpoint can save the best model only with {self.monitor} "
                f"available; available keys are {sorted(logs)}. Saving anyway.",
                stacklevel=3,
            )
            return True
        current = to_float(logs[self.monitor])
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, batch: int | None, logs: Any) -> None:
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                f"ModelCheckpoint: {filepath} is a folder; give a file path instead."
            )
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

