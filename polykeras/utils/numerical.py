"""Array helpers from ``keras.utils``: ``to_categorical``, ``normalize``, ``pad_sequences``.

They work on NumPy arrays (or anything ``np.asarray`` accepts) and return NumPy arrays,
whatever the backend.

Example:
    >>> pad_sequences([[1, 2], [3]], maxlen=3).tolist()
    [[0, 1, 2], [0, 0, 3]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot float32 rows from integer labels (as ``keras.utils.to_categorical``).

    Example:
        >>> to_categorical([0, 2], 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    x = np.asarray(x, dtype="int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}), received values from "
            f"{x.min()} to {x.max()}."
        )
    out = np.zeros(x.shape + (num_classes,), dtype="float32")
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero).

    Example:
        >>> normalize([[3.0, 4.0]]).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    arr = np.asarray(x)
    if arr.dtype.kind != "f" or arr.dtype == np.float64:
        arr = arr.astype("float32")
    norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    return arr / np.where(norm == 0, 1, norm).astype(arr.dtype)


def pad_sequences(sequences: Sequence[Any], maxlen: int | None = None, dtype: str = "int32",
                  padding: str = "pre", truncating: str = "pre",
                  value: Any = 0.0) -> np.ndarray:
    """Sequences of different lengths as one ``(len(sequences), maxlen, ...)`` array.

    Args:
        sequences: a list of lists (or arrays) of values.
        maxlen: the output length; ``None`` pads to the longest sequence.
        dtype: the output dtype (``"str"``/``"object"`` for strings).
        padding: ``"pre"`` or ``"post"``: where the padding goes.
        truncating: ``"pre"`` or ``"post"``: which end of a long sequence is cut.
        value: the padding value.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post").tolist()
        [[2, 3], [4, 0]]
    """
    for name, arg in (("padding", padding), ("truncating", truncating)):
        if arg not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', received {arg!r}.")
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            f"pad_sequences expects a list of sequences, received {type(sequences).__name__}."
        )
    lengths, sample_shape = [], ()
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise ValueError(
                f"pad_sequences: sequence {i} is a {type(s).__name__}, expected a list or "
                "array of values."
            )
        lengths.append(len(s))
        if len(s) and not sample_shape:
            sample_shape = np.asarray(s).shape[1:]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(
            f"pad_sequences: value={value!r} is a string but dtype={dtype!r} is not; pass "
            "dtype='object' (or 'str') to pad string sequences."
        )
    out = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        cut = np.asarray(s, dtype=dtype)[-maxlen:] if truncating == "pre" else \
            np.asarray(s, dtype=dtype)[:maxlen]
        if cut.shape[1:] != tuple(sample_shape):
            raise ValueError(
                f"pad_sequences: sequence {i} has elements of shape {cut.shape[1:]}, the "
                f"others {tuple(sample_shape)}."
            )
        if padding == "post":
            out[i, :len(cut)] = cut
        else:
            out[i, maxlen - len(cut):] = cut
    return out
