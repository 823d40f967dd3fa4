"""TerminateOnNaN: stop training as soon as the batch loss is NaN or infinite.

Example:
    >>> cb = TerminateOnNaN()
    >>> # model.fit(x, y, callbacks=[cb])
"""

from __future__ import annotations

import math

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.monitoring import to_float


class TerminateOnNaN(Callback):
    """Set ``model.stop_training = True`` when a training batch reports a NaN or
    infinite "loss".

    It reads the loss after every batch, so each step waits for the device to finish.

    Example:
        >>> cb = TerminateOnNaN()
    """

    def on_train_batch_end(self, batch, logs=None):
        if not logs or "loss" not in logs:
            return
        loss = to_float(logs["loss"])
        if not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
