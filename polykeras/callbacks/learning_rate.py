"""Callbacks that set the optimizer's learning rate: LearningRateScheduler and
ReduceLROnPlateau.

Both set ``model.optimizer.learning_rate`` and record the rate in the epoch logs under
"learning_rate".

Example:
    >>> sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 10 else lr)
    >>> plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, MutableMapping
from typing import Any

import numpy as np

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.monitoring import (
    check_mode,
    current_learning_rate,
    direction,
    monitored_value,
)


def _record_rate(logs: Any, model: Any, owner: str) -> None:
    if isinstance(logs, MutableMapping):
        logs["learning_rate"] = current_learning_rate(model, owner)


def _takes_two_arguments(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule(epoch, lr)``.

    Args:
        schedule: a function ``(epoch, lr) -> new_lr`` (epoch counted from 0, ``lr`` the
            current rate as a float); a one-argument ``schedule(epoch)`` also works.
        verbose: 1 prints the new rate each epoch.

    Example:
        >>> def schedule(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> cb = LearningRateScheduler(schedule)
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise ValueError(
                "LearningRateScheduler: `schedule` must be a function (epoch, lr) -> "
                f"new learning rate, received {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._two_args = _takes_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr = current_learning_rate(self.model, "LearningRateScheduler")
        new_lr = self.schedule(epoch, lr) if self._two_args else self.schedule(epoch)
        if isinstance(new_lr, np.ndarray) and new_lr.ndim == 0:
            new_lr = new_lr.item()
        if isinstance(new_lr, bool) or not isinstance(new_lr, (numbers.Real, np.floating)) \
                or not math.isfinite(float(new_lr)):
            raise ValueError(
                "LearningRateScheduler: the `schedule` function must return a finite "
                f"float; at epoch {epoch} it returned {new_lr!r}."
            )
        new_lr = float(new_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{new_lr}.")

    def on_epoch_end(self, epoch, logs=None):
        _record_rate(logs, self.model, "LearningRateScheduler")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Args:
        monitor: the log key to watch.
        factor: the rate is multiplied by this (< 1).
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints a message on each reduction.
        mode: "min", "max", or "auto" (max for accuracy/AUC/precision/recall keys).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never reduced below this.

    Example:
        >>> cb = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-5)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise ValueError(
                f"ReduceLROnPlateau: unknown argument(s) {sorted(kwargs)}. Expected monitor, "
                "factor, patience, verbose, mode, min_delta, cooldown, min_lr."
            )
        if not float(factor) < 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0, received "
                f"factor={factor!r}. Use a factor in (0, 1), e.g. 0.1."
            )
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = check_mode(mode, "ReduceLROnPlateau")
        self.min_delta = float(min_delta)
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self) -> None:
        self._maximize = direction(self.monitor, self.mode) == "max"
        self.best = -math.inf if self._maximize else math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _improved(self, value: float) -> bool:
        if self._maximize:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        _record_rate(logs, self.model, "ReduceLROnPlateau")
        current = monitored_value(logs, self.monitor, "Learning rate reduction")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = current_learning_rate(self.model, "ReduceLROnPlateau")
                if old_lr > float(np.float32(self.min_lr)):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
