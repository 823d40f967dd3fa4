"""Word-index sequences as in Keras' IMDB and Reuters loaders: a start mark, indices
shifted by ``index_from``, rare (``num_words``) and frequent (``skip_top``) words
replaced by ``oov_char`` (or dropped), and sequences of ``maxlen`` words or more removed.

Example:
    >>> import numpy as np
    >>> limit_vocabulary(shift([[1, 2], [5]], start_char=1, index_from=3), num_words=6,
    ...                  skip_top=0, oov_char=2)
    [[1, 4, 5], [1, 2]]
"""

from __future__ import annotations

from typing import Any

import numpy as np


def shift(seqs: Any, start_char: int | None, index_from: int) -> list[list[int]]:
    """Indices moved up by ``index_from``, after a ``start_char`` when it is not None."""
    head = [] if start_char is None else [start_char]
    return [head + [int(w) + index_from for w in x] for x in seqs]


def limit_vocabulary(xs: list[list[int]], num_words: int | None, skip_top: int,
                     oov_char: int | None) -> list[list[int]]:
    """Indices outside ``[skip_top, num_words)`` replaced by ``oov_char`` (dropped when it
    is None); ``num_words=None`` keeps every word."""
    if not num_words:
        num_words = max((max(x) for x in xs if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def drop_long(maxlen: int | None, xs: list[list[int]], labels: np.ndarray
              ) -> tuple[list[list[int]], np.ndarray]:
    """Only the sequences shorter than ``maxlen`` (all when ``maxlen`` is falsy)."""
    if not maxlen:
        return xs, labels
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], labels[keep]


def as_object_array(xs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (the layout Keras returns)."""
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out
