"""Turning user data (arrays, tensors, DataFrames, lists/dicts of them, generators,
datasets) into batches.

Batches are cut on the host from NumPy arrays (float64 becomes floatx, other dtypes are
kept), then handed to the backend once per step.

Example:
    >>> import numpy as np
    >>> data = ArrayData(np.zeros((10, 3)), np.zeros(10), batch_size=4)
    >>> [b[0].shape for b in data.batches(shuffle=False)]
    [(4, 3), (4, 3), (2, 3)]
"""

from __future__ import annotations

import functools
import math
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from polykeras.config import floatx
from polykeras.data_streams import GeneratorData, PyDatasetData
from polykeras.layers.graph import flatten, map_structure
from polykeras.utils.py_dataset import is_py_dataset

__all__ = ["ArrayData", "GeneratorData", "PyDatasetData", "stream_data"]


def to_numpy_structure(x: Any, backend: Any) -> Any:
    """NumPy arrays for every leaf (backend tensors and Variables converted once; other
    frameworks' CPU tensors, DataFrames and Series viewed without a copy)."""
    def conv(a: Any) -> Any:
        if a is None or isinstance(a, np.ndarray):
            return a
        if backend.is_tensor(a) or hasattr(a, "__polykeras_tensor__"):
            return np.asarray(backend.convert_to_numpy(a))
        try:
            return np.asarray(a)
        except (TypeError, ValueError, RuntimeError):
            detach = getattr(a, "detach", None)  # e.g. a torch tensor that requires grad
            if detach is None:
                raise
            return np.asarray(detach().cpu())

    if isinstance(x, list) and x and isinstance(flatten(x)[0], (int, float, bool, np.number)):
        return np.asarray(x)  # nested Python numbers: one array, as Keras reads them
    return map_structure(conv, x)


def _num_samples(structure: Any, what: str) -> int:
    leaves = [a for a in flatten(structure) if a is not None]
    if not leaves:
        raise ValueError(f"{what} is empty: received no arrays.")
    sizes = {int(a.shape[0]) if a.ndim else 1 for a in leaves}
    if len(sizes) > 1:
        raise ValueError(
            f"All arrays in {what} must have the same number of samples; received sizes "
            f"{sorted(sizes)}."
        )
    return sizes.pop()


def host_batch(arr: Any, idx: Any) -> Any:
    """``arr[idx]`` with float64 narrowed to floatx (no silent float64 on any backend)."""
    if arr is None:
        return None
    out = arr.take(idx, axis=0) if type(idx) is np.ndarray else arr[idx]
    if out.dtype == np.float64:
        out = out.astype(floatx() if floatx() != "bfloat16" else "float32")
    return out


class ArrayData:
    """In-memory samples: x, y (optional) and sample weights, cut into batches."""

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None,
                 batch_size: int | None = 32, steps: int | None = None) -> None:
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = _num_samples(x, "x")
        if y is not None:
            ny = _num_samples(y, "y")
            if ny != self.n:
                raise ValueError(
                    f"x and y have different numbers of samples: x has {self.n}, y has {ny}. "
                    "Pass the same number of inputs and targets."
                )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape[0] != self.n:
                raise ValueError(
                    f"sample_weight has {sample_weight.shape[0]} entries, expected one per "
                    f"sample ({self.n})."
                )
            self.sample_weight = sample_weight
        if self.n == 0:
            raise ValueError("The dataset is empty (0 samples). Pass at least one sample.")
        self.batch_size = batch_size or 32
        self.steps = steps

    @property
    def steps_per_epoch(self) -> int:
        full = math.ceil(self.n / self.batch_size)
        return min(full, self.steps) if self.steps else full

    def split(self, fraction: float) -> tuple[ArrayData, ArrayData]:
        """(train, validation): the last ``fraction`` of samples, before any shuffling."""
        cut = int(self.n * (1.0 - fraction))
        if cut <= 0 or cut >= self.n:
            raise ValueError(
                f"validation_split={fraction} leaves {cut} training and {self.n - cut} "
                f"validation samples out of {self.n}; both must be at least 1."
            )
        head = slice(0, cut)
        tail = slice(cut, self.n)

        def part(s: slice) -> ArrayData:
            def take(a: Any) -> Any:
                return None if a is None else a[s]

            return ArrayData(map_structure(take, self.x), map_structure(take, self.y),
                             None if self.sample_weight is None else self.sample_weight[s],
                             self.batch_size)

        return part(head), part(tail)

    def batches(self, shuffle: bool = False, rng: np.random.Generator | None = None) -> Iterator[tuple[Any, Any, Any]]:
        order = (rng or np.random.default_rng()).permutation(self.n) if shuffle else None
        bs = self.batch_size
        for step in range(self.steps_per_epoch):
            start = step * bs
            idx = order[start:start + bs] if order is not None else slice(start, start + bs)
            cut = functools.partial(host_batch, idx=idx)
            x = map_structure(cut, self.x)
            y = map_structure(cut, self.y) if self.y is not None else None
            sw = host_batch(self.sample_weight, idx) if self.sample_weight is not None else None
            yield x, y, sw


def _np(a: Any) -> Any:
    def conv(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.dtype == np.float64:
            return v.astype(floatx())
        return v

    return map_structure(conv, a)


def is_generator_like(x: Any, backend: Any) -> bool:
    """Whether ``x`` yields batches (a generator, ``tf.data.Dataset``, torch
    ``DataLoader``, ``PyDataset`` ...) rather than holding all samples (arrays, tensors,
    DataFrames and nests of them)."""
    if isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or x is None:
        return False
    if backend.is_tensor(x) or hasattr(x, "__polykeras_tensor__") or hasattr(x, "__array__"):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__") or is_py_dataset(x)


def stream_data(x: Any, steps: int | None, backend: Any, what: str) -> Any:
    """The batch source for a generator, iterable or ``PyDataset`` ``x``."""
    if is_py_dataset(x):
        return PyDatasetData(x, steps, backend, what)
    return GeneratorData(x, steps, backend, what)


def class_weights_to_sample_weights(y: Any, class_weight: dict[int, float]) -> np.ndarray:
    """Per-sample weights from a ``{class: weight}`` dict and labels (sparse or one-hot)."""
    y = np.asarray(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y))
    labels = labels.astype(np.int64)
    table = np.ones(int(max(max(class_weight), labels.max(initial=0))) + 1, dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    return table[labels]


def check_numeric(structure: Any, what: str) -> None:
    """Refuse arrays of strings or Python objects, and warn once about NaN or inf values.

    Each array is checked once (a later ``fit``/``evaluate``/``predict`` call on the
    same array object skips it), never per batch: a sum over the array, and only when
    that is not finite, a closer look.

    Example:
        >>> check_numeric(np.array([["a", "b"]]), "x")
        Traceback (most recent call last):
        ...
        ValueError: x holds strings (dtype <U1, shape (1, 2)); models take numbers. Encode them first (e.g. map each category to an integer, or one-hot), or pass np.asarray(x, dtype="float32") if they are numbers written as text.
    """
    leaves = [a for a in flatten(structure) if isinstance(a, np.ndarray)]
    for a in leaves:
        seen = _checked.get(id(a))
        if seen is not None and seen() is a:
            continue  # this very array was checked by an earlier call
        kind = a.dtype.kind
        if kind in "US":
            raise ValueError(
                f"{what} holds strings (dtype {a.dtype}, shape {a.shape}); models take "
                f"numbers. Encode them first (e.g. map each category to an integer, or "
                f'one-hot), or pass np.asarray({what}, dtype="float32") if they are numbers '
                "written as text."
            )
        if kind == "O":
            odd = [v for v in a.flat[:1000] if not isinstance(v, (int, float, np.number))]
            found = f" (e.g. {type(odd[0]).__name__} {odd[0]!r:.40})" if odd else ""
            raise ValueError(
                f"{what} is an array of Python objects (dtype object, shape {a.shape}){found}; "
                "models take numeric arrays. Replace missing values (None) and convert it: "
                f'np.asarray({what}, dtype="float32").'
            )
        if kind in "fc" and a.size and not np.isfinite(np.add.reduce(a, axis=None)):
            bad = ~np.isfinite(a)
            count = int(bad.sum())
            if count:  # (the sum may overflow with only finite values)
                first = tuple(int(i) for i in np.argwhere(bad)[0])
                warnings.warn(
                    f"{what} holds {count} NaN or infinite value(s) (the first at index "
                    f"{first}); training on them makes the loss NaN. Replace or drop them "
                    "first (e.g. np.nan_to_num, or remove those samples).",
                    stacklevel=4,
                )
        _remember(a)


#: Arrays already checked by :func:`check_numeric` (by id, with a weak reference that
#: tells a live array from a new one at a reused address).
_checked: dict[int, weakref.ref] = {}


def _remember(a: np.ndarray) -> None:
    if a.size < 4096:  # small arrays (batches) are cheaper to check again than to track
        return
    key = id(a)

    def forget(_: Any) -> None:
        _checked.pop(key, None)

    try:
        _checked[key] = weakref.ref(a, forget)
    except TypeError:  # an array type without weak references
        pass


def check_validation_data(validation_data: Any) -> None:
    """Refuse a tuple that is not ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(validation_data, tuple) and len(validation_data) not in (2, 3):
        raise ValueError(
            f"validation_data must be (x_val, y_val) or (x_val, y_val, sample_weight), or "
            f"a generator of such batches; received a tuple of {len(validation_data)} "
            "item(s). Pass the validation targets too: validation_data=(x_val, y_val)."
        )


def check_array_input(x: Any, what: str) -> None:
    """Refuse a string (or bytes) given as data: it would be iterated character by
    character as if it were a generator of batches."""
    if isinstance(x, (str, bytes)):
        raise ValueError(
            f"{what} received the {type(x).__name__} {x[:40]!r} as data; expected a NumPy "
            "array (or a list, dict or tensor of numbers), or a generator of batches. Load "
            "the data first (e.g. with np.load or polykeras.datasets)."
        )
