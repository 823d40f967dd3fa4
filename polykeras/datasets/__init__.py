"""Datasets as in ``keras.datasets``: ``mnist``, ``fashion_mnist``, ``cifar10``,
``cifar100``, ``imdb``, ``reuters``, ``boston_housing`` and ``california_housing``.

Each submodule has ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)`` as
NumPy arrays. Data lives in ``$POLYKERAS_DATASETS/<name>`` (default
``~/.polykeras/datasets/<name>``) and is downloaded there when missing. The submodules
are imported on first access, so importing polykeras stays fast.

Example:
    >>> from polykeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from polykeras.datasets.errors import (
    ChecksumError,
    DatasetFormatError,
    DatasetUnavailableError,
    DatasetWriteError,
)

_SUBMODULES = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
               "boston_housing", "california_housing")

__all__ = [
    "ChecksumError",
    "DatasetFormatError",
    "DatasetUnavailableError",
    "DatasetWriteError",
    *_SUBMODULES,
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r}; available datasets: "
        f"{', '.join(_SUBMODULES)}."
    )


def __dir__() -> list[str]:
    return sorted(__all__)
