"""BackupAndRestore: an interrupted ``fit`` resumes exactly where it stopped.

A backup is one file, ``backup_dir/latest.weights.h5``, written atomically: the weights
and optimizer state in the Keras layout, plus a ``polykeras_backup`` group holding what
else decides the rest of training: the epoch and batch reached, the state of the
generator that shuffles the data, and the random states of the model (dropout and other
in-step randomness). A crash at any point of a save leaves the previous backup or the
new one, never a mix; a resumed ``fit`` skips the batches already trained and ends
with the weights of an uninterrupted run.

Example:
    >>> from polykeras.callbacks import BackupAndRestore
    >>> backup = BackupAndRestore("/tmp/backup")
    >>> # model.fit(x, y, epochs=10, callbacks=[backup])  # killed during epoch 4
    >>> # model.fit(x, y, epochs=10, callbacks=[backup])  # continues inside epoch 4
"""

from __future__ import annotations

import io
import json
import os
import shutil
from typing import Any

import numpy as np

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.checkpoint import BatchCounter, check_save_freq

#: The group of the backup file that holds the training progress and random states.
GROUP = "polykeras_backup"


def random_state_variables(model: Any) -> list[Any]:
    """The variables holding the model's random state: its layers' seed generators and
    the global generator of its backend (``seed=None`` random ops)."""
    from polykeras.backend import selection
    from polykeras.random.seed_generator import _global_seed_generator

    with selection.use(model._backend):
        global_state = _global_seed_generator().state
    out = list(model.rng_variables)
    if not any(v is global_state for v in out):
        out.append(global_state)
    return out


def read_backup_metadata(path: Any) -> dict[str, Any]:
    """``{"epoch": ..., "batch": ...}`` of a backup file (for inspection and tests).

    Example:
        >>> read_backup_metadata("/tmp/backup/latest.weights.h5")  # doctest: +SKIP
        {'epoch': 2, 'batch': 0}
    """
    from polykeras.saving.weights_store import open_h5

    with open_h5(os.fspath(path), os.fspath(path)) as f:
        group = f.get(GROUP)
        if group is None:
            raise ValueError(f"{path} is not a polykeras backup (no {GROUP!r} group).")
        return {"epoch": int(group.attrs["epoch"]), "batch": int(group.attrs["batch"])}


class BackupAndRestore(Callback):
    """Back up the training state so an interrupted ``fit`` resumes where it stopped.

    Each save writes ``backup_dir/latest.weights.h5`` atomically (see the module
    docstring for what it holds). When ``fit`` starts again with this callback, the
    state is restored and training continues at the first untrained batch.

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
        self.save_freq = check_save_freq(save_freq, "BackupAndRestore")
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._counter = BatchCounter(self.save_freq)
        self._current_epoch = 0
        self._last_batch = 0
        self._shuffle_state: Any = None  # the shuffling generator's state at epoch start

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        model = self.model
        self._counter = BatchCounter(self.save_freq)
        if not os.path.exists(self._weights_path):
            return
        if not model.built:
            raise ValueError(
                f"BackupAndRestore found a backup in {self.backup_dir} but model "
                f"{model.name!r} is not built, so it cannot be restored. Build the model "
                "(call it on a batch, or give its first layer an input shape) before fit()."
            )
        from polykeras.saving.weights_store import load_weights_into, open_h5

        path = self._weights_path
        with open_h5(path, path) as f:
            group = f.get(GROUP)
            if group is None:
                raise ValueError(
                    f"BackupAndRestore: {path} holds no training progress ({GROUP!r} group "
                    f"missing). Delete {self.backup_dir} to start training from scratch."
                )
            epoch, batch, shuffle_state, states = self._read_progress(group, path)
            load_weights_into(model, f, path)
        variables = random_state_variables(model)
        if len(states) == len(variables) and all(
                tuple(a.shape) == tuple(v.shape) for a, v in zip(states, variables)):
            for v, a in zip(variables, states):
                v.assign(a.astype(np.dtype(v.dtype)))
        steps = self.params.get("steps")
        if steps and batch >= steps:  # saved after the last batch of its epoch
            epoch, batch, shuffle_state = epoch + 1, 0, None
        rng = getattr(model, "_fit_rng", None)
        if rng is not None and shuffle_state is not None:
            rng.bit_generator.state = shuffle_state
        self._current_epoch, self._last_batch = epoch, batch
        model._initial_epoch_override = epoch
        model._initial_step_override = batch

    def _read_progress(self, group: Any, path: str) -> tuple[int, int, Any, list[Any]]:
        try:
            epoch = int(group.attrs["epoch"])
            batch = int(group.attrs["batch"])
            text = group.attrs.get("shuffle_state", "null")
            shuffle_state = json.loads(text if isinstance(text, str) else text.decode())
            rng_group = group.get("rng")
            states = ([np.asarray(rng_group[str(i)][()]) for i in range(len(rng_group))]
                      if rng_group is not None else [])
        except (KeyError, ValueError, TypeError, OSError) as exc:
            raise ValueError(
                f"BackupAndRestore: {path} has unreadable training progress ({exc}). Delete "
                f"{self.backup_dir} to start training from scratch."
            ) from None
        if epoch < 0 or batch < 0:
            raise ValueError(
                f"BackupAndRestore: {path} holds epoch={epoch}, batch={batch}; expected "
                f"non-negative ints. Delete {self.backup_dir} to start from scratch."
            )
        return epoch, batch, shuffle_state, states

    # ------------------------------------------------------------------ save
    def _rng_state(self) -> Any:
        rng = getattr(self.model, "_fit_rng", None)
        return None if rng is None else rng.bit_generator.state

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._shuffle_state = self._rng_state()

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = batch + 1
        if self._counter.step(batch):
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch = 0
        self._shuffle_state = self._rng_state()  # where the next epoch's shuffle starts
        if self.save_freq == "epoch":
            self._save()

    def _save(self) -> None:
        from polykeras.saving.weights_store import h5py_module, write_weights
        from polykeras.utils.files import atomic_write

        model = self.model
        buffer = io.BytesIO()
        with h5py_module().File(buffer, "w") as f:
            write_weights(model, f)
            group = f.create_group(GROUP)
            group.attrs["epoch"] = self._current_epoch
            group.attrs["batch"] = self._last_batch
            group.attrs["shuffle_state"] = json.dumps(self._shuffle_state)
            rng_group = group.create_group("rng")
            for i, v in enumerate(random_state_variables(model)):
                rng_group.create_dataset(str(i), data=np.asarray(v.numpy()))
        with atomic_write(self._weights_path) as out:
            out.write(buffer.getvalue())

    def on_train_end(self, logs=None):
        model = self.model
        model._initial_epoch_override = model._initial_step_override = None
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)
