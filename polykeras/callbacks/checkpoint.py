"""Checkpointing during ``fit``: ModelCheckpoint (keep models or weights as training
goes) and BackupAndRestore (resume an interrupted ``fit`` where it stopped).

Example:
    >>> from polykeras.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint
    >>> best = ModelCheckpoint("ckpt-{epoch:02d}-{val_loss:.2f}.keras", save_best_only=True)
    >>> backup = BackupAndRestore("/tmp/backup")
    >>> # model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[best, backup])
"""

from __future__ import annotations

import json
import math
import os
import shutil
import warnings
from typing import Any

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.monitoring import check_mode, direction, to_float


def _check_save_freq(save_freq: Any, owner: str) -> Any:
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0:
        raise ValueError(
            f"{owner}: save_freq must be 'epoch' or a positive number of batches, "
            f"received {save_freq!r}."
        )
    return save_freq


class _BatchCounter:
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
        self.save_freq = _check_save_freq(save_freq, "ModelCheckpoint")
        self.initial_value_threshold = initial_value_threshold
        self.best: float | None = (None if initial_value_threshold is None
                                   else float(initial_value_threshold))
        self._counter = _BatchCounter(self.save_freq)
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


class BackupAndRestore(Callback):
    """Back up the training state so an interrupted ``fit`` resumes where it stopped.

    At each save the weights and optimizer state go to ``backup_dir/latest.weights.h5``
    and the number of finished epochs to ``backup_dir/training_metadata.json`` (both
    written atomically). When ``fit`` starts again with this callback, the state is
    restored and training continues from the first unfinished epoch.

    Args:
        backup_dir: the folder holding the backup (used only by this training run).
        save_freq: "epoch", or back up every this many batches.
        delete_checkpoint: delete the backup when training finishes normally.

    Example:
        >>> backup = BackupAndRestore("/tmp/backup")
        >>> # model.fit(x, y, epochs=10, callbacks=[backup])  # interrupted at epoch 4
        >>> # model.fit(x, y, epochs=10, callbacks=[backup])  # runs epochs 5..10
    """

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch",
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError(
                f"BackupAndRestore needs a backup_dir folder, received {backup_dir!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = _check_save_freq(save_freq, "BackupAndRestore")
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._counter = _BatchCounter(self.save_freq)
        self._current_epoch = 0
        self._last_batch = 0

    def on_train_begin(self, logs=None):
        model = self.model
        if not os.path.exists(self._weights_path):
            return
        if not model.built:
            raise ValueError(
                f"BackupAndRestore found a backup in {self.backup_dir} but model "
                f"{model.name!r} is not built, so it cannot be restored. Build the model "
                "(call it on a batch, or give its first layer an input shape) before fit()."
            )
        model.load_weights(self._weights_path)
        epoch = self._read_epoch()
        if epoch is not None:
            self._current_epoch = epoch
            model._initial_epoch_override = epoch

    def _read_epoch(self) -> int | None:
        if not os.path.exists(self._metadata_path):
            return None
        try:
            with open(self._metadata_path, encoding="utf-8") as f:
                epoch = json.load(f)["epoch"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"BackupAndRestore: {self._metadata_path} is unreadable ({exc}). Delete "
                f"{self.backup_dir} to start training from scratch."
            ) from None
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(
                f"BackupAndRestore: {self._metadata_path} holds epoch={epoch!r}; expected a "
                f"non-negative int. Delete {self.backup_dir} to start from scratch."
            )
        return epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = batch + 1
        if self._counter.step(batch):
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def _save(self) -> None:
        from polykeras.saving.archive import atomic_write

        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path, overwrite=True)
        text = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch})
        with atomic_write(self._metadata_path) as f:
            f.write(text.encode("utf-8"))

    def on_train_end(self, logs=None):
        if getattr(self.model, "_initial_epoch_override", None) is not None:
            self.model._initial_epoch_override = None
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)
