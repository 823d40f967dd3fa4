"""California housing prices (20,640 districts, 8 features), as
``keras.datasets.california_housing``.

The data folder (``$POLYKERAS_DATASETS/california_housing``) holds Keras'
``california_housing.npz`` (arrays ``x``, ``y``), checked against its sha256.

Example:
    >>> from polykeras.datasets import california_housing
    >>> (x_train, y_train), _ = california_housing.load_data(version="small")  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from polykeras.datasets.keras_files import KERAS_MIRRORS, fetch_file, load_npz, require, train_test

FOLDER_NAME = "california_housing"
MIRRORS: list[str] = list(KERAS_MIRRORS)
CHECKSUM: str | None = "sha256:1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"

Split = tuple[np.ndarray, np.ndarray]


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: ``version="small"`` keeps the first 600
    districts (a stand-in for Boston housing), ``"large"`` all of them; shuffled by
    ``seed`` and split as Keras does."""
    if version not in ("small", "large"):
        raise ValueError(f"version must be 'small' or 'large', received {version!r}.")
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split}.")
    file = fetch_file("California housing", FOLDER_NAME, path, "california_housing.npz",
                      MIRRORS, CHECKSUM)
    x, y = require(load_npz(file), ("x", "y"), file)
    if version == "small":
        x, y = x[:600], y[:600]
    return train_test(x, y, test_split, seed)
