"""Boston housing prices (506 samples, 13 features), as ``keras.datasets.boston_housing``.

The data folder (``$POLYKERAS_DATASETS/boston_housing``) holds Keras'
``boston_housing.npz`` (arrays ``x``, ``y``), checked against its sha256.

Example:
    >>> from polykeras.datasets import boston_housing
    >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from polykeras.datasets.keras_files import KERAS_MIRRORS, fetch_file, load_npz, require, train_test

FOLDER_NAME = "boston_housing"
MIRRORS: list[str] = list(KERAS_MIRRORS)
CHECKSUM: str | None = "sha256:f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)`` shuffled by ``seed`` (as Keras), the last
    ``test_split`` of samples as test data; targets in thousands of dollars."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split}.")
    file = fetch_file("Boston housing", FOLDER_NAME, path, "boston_housing.npz", MIRRORS,
                      CHECKSUM)
    x, y = require(load_npz(file), ("x", "y"), file)
    return train_test(x, y, test_split, seed)
