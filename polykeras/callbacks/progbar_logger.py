"""ProgbarLogger: the progress bar ``fit``, ``evaluate`` and ``predict`` print.

Example:
    >>> from polykeras.callbacks import CallbackList
    >>> cbs = CallbackList([ProgbarLogger()], model=None, epochs=1, steps=10, verbose=2)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.progbar import Progbar

#: Minimum seconds between redraws of the live bar.
REDRAW_INTERVAL = 0.1


class _SortedLogs(Mapping):
    """A read-only view of logs with training keys sorted, then "val_" keys sorted.

    Nothing is read from the underlying logs (not even their keys) until the view is
    used, so wrapping logs that compute their values on access is free.
    """

    def __init__(self, logs: Mapping[str, Any]) -> None:
        self._logs = logs
        self._keys: list[str] | None = None

    def _order(self) -> list[str]:
        if self._keys is None:
            keys = list(self._logs.keys())
            self._keys = (sorted(k for k in keys if not k.startswith("val_"))
                          + sorted(k for k in keys if k.startswith("val_")))
        return self._keys

    def __getitem__(self, key: str) -> Any:
        return self._logs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order())

    def __len__(self) -> int:
        return len(self._order())


class ProgbarLogger(Callback):
    """Print a Keras-style progress bar with the running loss and metrics.

    Behaviour follows ``verbose`` when given, else ``params["verbose"]`` (set by
    ``fit``/``evaluate``/``predict``); "auto" means 1:

    * ``1``: ``Epoch 1/5`` (when there are several epochs), then a bar per epoch,
      redrawn in place on a terminal at most every 0.1 s (and at the last step); when
      output is not a terminal only the final line is printed::

          210/210 ━━━━━━━━━━━━━━━━━━━━ 2s 8ms/step - accuracy: 0.9012 - loss: 0.3301

    * ``2``: one line per epoch: ``210/210 - 2s - 8ms/step - accuracy: ... - loss: ...``
    * ``0``: nothing.

    Batch logs are read only when the bar is redrawn, so on steps that are not drawn
    metric values are not fetched from the device. The final line of an epoch shows
    exactly the epoch logs (those ``History`` records).

    Example:
        >>> bar = ProgbarLogger()
        >>> # model.fit(x, y, epochs=5, callbacks=[bar])  (fit adds one itself)
    """

    def __init__(self, verbose: int | str | None = None) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self._verbose_arg = _check_verbose(verbose) if verbose is not None else None
        self.verbose = self._verbose_arg if self._verbose_arg is not None else 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        if self._verbose_arg is not None:
            self.verbose = self._verbose_arg
        else:
            self.verbose = _check_verbose(params.get("verbose", 1))
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    # --------------------------------------------------------------- lifecycle
    def _reset(self) -> None:
        self.seen = 0
        self.progbar = None

    def _progbar(self) -> Progbar:
        if self.progbar is None:
            self.progbar = Progbar(self.target, verbose=self.verbose,
                                   interval=REDRAW_INTERVAL, unit_name="step")
        return self.progbar

    def _update(self, batch: int, logs: Mapping[str, Any] | None) -> None:
        self.seen = batch + 1
        if self.verbose == 0:
            return
        bar = self._progbar()
        view = _SortedLogs(logs) if logs is not None else None
        bar.update(self.seen, view, finalize=False)

    def _finalize(self, logs: Mapping[str, Any] | None) -> None:
        if self.verbose == 0:
            return
        bar = self._progbar()
        if self.target is None:
            self.target = self.seen
            bar.target = self.target
        bar.update(self.target, _SortedLogs(logs or {}), finalize=True)

    # ------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        if self.verbose:
            self._progbar()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()
            if self.verbose:
                self._progbar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._reset()
        if self.verbose:
            self._progbar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize({})


def _check_verbose(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(
            f"ProgbarLogger: `verbose` must be 0, 1, 2 or 'auto', received {verbose!r}."
        )
    return int(verbose)
