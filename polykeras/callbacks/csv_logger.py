"""CSVLogger: write the epoch logs to a CSV file, one row per epoch.

Example:
    >>> logger = CSVLogger("training.log", append=True)
"""

from __future__ import annotations

import csv
import os
from typing import Any

from polykeras.callbacks.callback import Callback
from polykeras.callbacks.monitoring import to_python


class CSVLogger(Callback):
    """Stream epoch results to a CSV file: a header ("epoch" then the sorted log keys),
    then one row per epoch, flushed as soon as it is written so an interrupted run
    leaves a complete file.

    As in Keras, when the first epoch has no "val_" keys, "val_" columns are still
    added for every key (validation may run only every few epochs); missing values are
    written as "NA".

    Args:
        filename: path of the CSV file.
        separator: the field separator.
        append: append to an existing file (the header is written only if the file is
            empty) instead of overwriting it.

    Example:
        >>> cb = CSVLogger("log.csv", separator=";")
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger: `separator` must be a single character, received {separator!r}."
            )
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self.csv_file: Any = None
        self.writer: Any = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not f.readline()
            mode = "a"
        else:
            self.append_header = True
            mode = "w"
        self._close()
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.csv_file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            self.writer = csv.writer(self.csv_file, delimiter=self.sep)
            if self.append_header:
                self.writer.writerow(["epoch"] + self.keys)
        row = [epoch] + [_cell(logs[k]) if k in logs else "NA" for k in self.keys]
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


def _cell(value: Any) -> Any:
    value = to_python(value)
    if isinstance(value, list):
        return f"[{', '.join(map(str, value))}]"
    return value
