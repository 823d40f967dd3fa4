"""IMDB movie reviews (25,000 train, 25,000 test) as word-index sequences with binary
sentiment labels, as ``keras.datasets.imdb``.

The data folder (``$POLYKERAS_DATASETS/imdb``) holds Keras' ``imdb.npz`` (and
``imdb_word_index.json`` for :func:`get_word_index`), each checked against its published
digest and downloaded when missing.

Example:
    >>> from polykeras.datasets import imdb
    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    >>> word = {i + 3: w for w, i in imdb.get_word_index().items()}  # doctest: +SKIP
"""

from __future__ import annotations

import json

import numpy as np

from polykeras.datasets.errors import DatasetFormatError
from polykeras.datasets.keras_files import (
    KERAS_MIRRORS,
    fetch_file,
    load_npz,
    require,
    shuffled,
)
from polykeras.datasets.sequences import as_object_array, drop_long, limit_vocabulary, shift

FOLDER_NAME = "imdb"
MIRRORS: list[str] = list(KERAS_MIRRORS)
CHECKSUM: str | None = "sha256:69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_CHECKSUM: str | None = "md5:bfafd718b763782e994055a2d397834f"

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: object arrays of word-index lists and
    int labels (1 positive), shuffled by ``seed`` as Keras does.

    Args:
        path: the npz file, relative to the data folder (or absolute).
        num_words: keep the ``num_words`` most frequent words; others become ``oov_char``.
        skip_top: also replace the ``skip_top`` most frequent words by ``oov_char``.
        maxlen: drop reviews of ``maxlen`` words or more.
        start_char: index marking the start of each review (``None``: no mark).
        oov_char: index of removed words (``None``: drop them).
        index_from: word indices start here (0, 1, 2 are padding, start, oov).
    """
    file = fetch_file("IMDB", FOLDER_NAME, path, "imdb.npz", MIRRORS, CHECKSUM)
    x_train, y_train, x_test, y_test = require(
        load_npz(file), ("x_train", "y_train", "x_test", "y_test"), file)
    x_train, y_train = shuffled(seed, x_train, y_train)
    # Keras draws the test order from the same generator, right after the training one.
    rng = np.random.RandomState(seed)
    rng.shuffle(np.arange(len(x_train)))
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = x_test[order], y_test[order]
    train = shift(x_train, start_char, index_from)
    test = shift(x_test, start_char, index_from)
    train, y_train = drop_long(maxlen, train, y_train)
    test, y_test = drop_long(maxlen, test, y_test)
    if maxlen and (not train or not test):
        raise ValueError(f"No review is shorter than maxlen={maxlen}; increase maxlen.")
    xs = limit_vocabulary(train + test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(train)
    return (as_object_array(xs[:n]), labels[:n]), (as_object_array(xs[n:]), labels[n:])


def read_word_index(file: str) -> dict[str, int]:
    try:
        with open(file, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as err:
        raise DatasetFormatError(f"{file}: not a JSON word index ({err}).") from None
    if not isinstance(index, dict):
        raise DatasetFormatError(f"{file}: expected a JSON object of word -> index.")
    return index


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """Word -> index (1 is the most frequent word; add ``index_from`` to match
    :func:`load_data`'s sequences)."""
    return read_word_index(fetch_file("IMDB", FOLDER_NAME, path, "imdb_word_index.json",
                                      MIRRORS, WORD_INDEX_CHECKSUM))
