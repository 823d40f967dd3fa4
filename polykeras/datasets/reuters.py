"""Reuters newswires (11,228) as word-index sequences labelled over 46 topics, as
``keras.datasets.reuters``.

The data folder (``$POLYKERAS_DATASETS/reuters``) holds Keras' ``reuters.npz`` (and
``reuters_word_index.json``), checked against their published digests and downloaded
when missing.

Example:
    >>> from polykeras.datasets import reuters
    >>> (x_train, y_train), _ = reuters.load_data(num_words=10000)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from polykeras.datasets.imdb import read_word_index
from polykeras.datasets.keras_files import KERAS_MIRRORS, fetch_file, load_npz, require, shuffled
from polykeras.datasets.sequences import as_object_array, drop_long, limit_vocabulary, shift

FOLDER_NAME = "reuters"
MIRRORS: list[str] = list(KERAS_MIRRORS)
CHECKSUM: str | None = "sha256:d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_CHECKSUM: str | None = "md5:4d44cc38712099c9e383dc6e5f11a921"
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2,
              index_from: int = 3) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: object arrays of word-index lists and
    topic labels 0-45 (``get_label_names()``), shuffled by ``seed`` and split with the
    last ``test_split`` as test data. Other arguments as ``imdb.load_data``."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split}.")
    file = fetch_file("Reuters", FOLDER_NAME, path, "reuters.npz", MIRRORS, CHECKSUM)
    xs, labels = shuffled(seed, *require(load_npz(file), ("x", "y"), file))
    seqs, labels = drop_long(maxlen, shift(xs, start_char, index_from), labels)
    seqs = limit_vocabulary(seqs, num_words, skip_top, oov_char)
    cut = int(len(seqs) * (1 - test_split))
    return ((as_object_array(seqs[:cut]), np.array(labels[:cut])),
            (as_object_array(seqs[cut:]), np.array(labels[cut:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """Word -> index (add ``index_from`` to match :func:`load_data`'s sequences)."""
    return read_word_index(fetch_file("Reuters", FOLDER_NAME, path, "reuters_word_index.json",
                                      MIRRORS, WORD_INDEX_CHECKSUM))


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, indexed by label."""
    return LABEL_NAMES
