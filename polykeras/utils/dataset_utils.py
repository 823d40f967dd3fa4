"""Backend-neutral datasets: samples cut into batches by index, usable by ``fit`` on every
backend (they are :class:`PyDataset`\\ s), iterable in Python, and convertible to a
``tf.data.Dataset`` when asked. ``split_dataset`` and ``timeseries_dataset_from_array``
return them.

Example:
    >>> import numpy as np
    >>> ds = Dataset.from_arrays((np.arange(10.0), np.arange(10)), batch_size=4)
    >>> len(ds), [b[1].tolist() for b in ds][-1]
    (3, [8, 9])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from polykeras.layers.graph import flatten, map_structure
from polykeras.utils.py_dataset import PyDataset


def _take(structure: Any, index: Any) -> Any:
    return map_structure(lambda a: a[index], structure)


class Dataset(PyDataset):
    """Samples ``0..n-1`` read through ``load(indices)``, batched and optionally shuffled
    again at each epoch.

    Args:
        load: returns the structure of arrays for a 1-D array of sample indices.
        num_samples: how many samples there are.
        batch_size: samples per batch; ``None`` yields single samples.
        shuffle: reshuffle the sample order at each epoch.
        seed: seed of the shuffling.
        drop_remainder: drop a last, smaller batch.

    Attributes: ``class_names`` and ``file_paths`` where the dataset was read from files.
    """

    def __init__(self, load: Callable[[np.ndarray], Any], num_samples: int,
                 batch_size: int | None = 32, shuffle: bool = False, seed: int | None = None,
                 drop_remainder: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int or None, received {batch_size!r}.")
        self._load = load
        self.num_samples = int(num_samples)
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._drop = drop_remainder
        self._order = self._rng.permutation(self.num_samples) if shuffle else None
        self.class_names: list[str] | None = None
        self.file_paths: list[str] | None = None

    @classmethod
    def from_arrays(cls, arrays: Any, batch_size: int | None = 32, shuffle: bool = False,
                    seed: int | None = None, **kwargs: Any) -> Dataset:
        """A dataset of the samples (first axis) of a structure of arrays."""
        arrays = map_structure(np.asarray, arrays)
        sizes = {len(a) for a in flatten(arrays)}
        if len(sizes) != 1:
            raise ValueError(
                f"All arrays must have the same number of samples; received sizes "
                f"{sorted(sizes)}."
            )
        return cls(lambda idx: _take(arrays, idx), sizes.pop(), batch_size, shuffle, seed,
                   **kwargs)

    def __len__(self) -> int:
        if self.batch_size is None:
            return self.num_samples
        whole = self.num_samples / self.batch_size
        return math.floor(whole) if self._drop else math.ceil(whole)

    def _indices(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        index %= len(self)
        if self.batch_size is None:
            return int(self._order[index]) if self._order is not None else index
        cut = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self._order[cut] if self._order is not None else np.arange(
            self.num_samples)[cut]

    def __getitem__(self, index: int) -> Any:
        idx = self._indices(index)
        if self.batch_size is None:
            return _take(self._load(np.array([idx])), 0)
        return self._load(np.asarray(idx))

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def on_epoch_end(self) -> None:
        if self._shuffle:
            self._order = self._rng.permutation(self.num_samples)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """The same samples in batches of ``batch_size``."""
        ds = Dataset(self._load, self.num_samples, batch_size, self._shuffle, None,
                     drop_remainder)
        ds._rng, ds._order = self._rng, self._order
        ds.class_names, ds.file_paths = self.class_names, self.file_paths
        return ds

    def as_numpy(self) -> Any:
        """Every sample at once, as one structure of arrays (in the current order)."""
        order = self._order if self._order is not None else np.arange(self.num_samples)
        return self._load(order)

    def as_tf_dataset(self) -> Any:
        """This dataset as a ``tf.data.Dataset`` (needs TensorFlow; built by the
        tensorflow adapter's ``dataset_from_generator``)."""
        from polykeras.backend import registry

        def generate() -> Iterator[Any]:
            yield from self
            self.on_epoch_end()

        adapter = registry.get("tensorflow")
        return adapter.dataset_from_generator(generate, self[0], self.batch_size is not None)


def _sample_source(dataset: Any) -> tuple[Callable[[np.ndarray], Any], int]:
    if isinstance(dataset, Dataset):
        if dataset.batch_size is not None:
            raise ValueError(
                "split_dataset expects a dataset of single samples; received one batched "
                f"by {dataset.batch_size}. Split the arrays (or an unbatched dataset)."
            )
        return dataset._load, dataset.num_samples
    if isinstance(dataset, list) and dataset and not isinstance(dataset[0], np.ndarray):
        dataset = np.asarray(dataset)
    if isinstance(dataset, (np.ndarray, tuple, dict, list)) or hasattr(dataset, "__array__"):
        arrays = map_structure(np.asarray, dataset)
        sizes = {len(a) for a in flatten(arrays)}
        if len(sizes) != 1:
            raise ValueError(
                f"split_dataset: all arrays must have the same number of samples; received "
                f"sizes {sorted(sizes)}."
            )
        return (lambda idx: _take(arrays, idx)), sizes.pop()
    raise TypeError(
        f"split_dataset expects arrays, a tuple/dict of arrays or an unbatched "
        f"polykeras Dataset; received {type(dataset).__name__}."
    )


def _split_sizes(n: int, left: Any, right: Any) -> tuple[int, int]:
    def count(size: Any, name: str) -> int | None:
        if size is None:
            return None
        if isinstance(size, float):
            if not 0.0 < size < 1.0:
                raise ValueError(f"{name} as a fraction must be in (0, 1), received {size}.")
            return round(size * n)
        if isinstance(size, (int, np.integer)) and 0 < size <= n:
            return int(size)
        raise ValueError(
            f"{name} must be a fraction in (0, 1) or a sample count in [1, {n}]; received "
            f"{size!r}."
        )

    nl, nr = count(left, "left_size"), count(right, "right_size")
    if nl is None and nr is None:
        nl = round(0.5 * n)
    nl = n - nr if nl is None and nr is not None else nl
    nr = n - nl if nr is None and nl is not None else nr
    if nl is None or nr is None or nl + nr > n or nl <= 0 or nr <= 0:
        raise ValueError(
            f"split_dataset: left_size={left!r} and right_size={right!r} do not split "
            f"{n} samples into two non-empty parts."
        )
    return nl, nr


def split_dataset(dataset: Any, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None, preferred_backend: str | None = None
                  ) -> tuple[Dataset, Dataset]:
    """Two datasets of single samples: the first ``left_size`` and last ``right_size``
    samples (counts or fractions; one is derived from the other, default half/half).

    Example:
        >>> import numpy as np
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(right), int(right[0])
        (8, 2, 8)
    """
    load, n = _sample_source(dataset)
    nl, nr = _split_sizes(n, left_size, right_size)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    def part(idx: np.ndarray) -> Dataset:
        return Dataset(lambda i: load(idx[i]), len(idx), batch_size=None)

    return part(order[:nl]), part(order[n - nr:])


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None,
                                  format: str = "polykeras") -> Any:
    """Sliding windows over ``data``: window ``i`` is ``data[s:s + sequence_length *
    sampling_rate:sampling_rate]`` with ``s = start_index + i * sequence_stride``, paired
    with ``targets[s]`` (as ``keras.utils.timeseries_dataset_from_array``).

    ``format="tf"`` returns a ``tf.data.Dataset`` instead of a :class:`Dataset`.

    Example:
        >>> import numpy as np
        >>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, 3,
        ...                                    batch_size=2)
        >>> x, y = ds[0]
        >>> x.tolist(), y.tolist(), len(ds)
        ([[0, 1, 2], [1, 2, 3]], [0, 10], 4)
    """
    data = np.asarray(data)
    for name, v in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                    ("sampling_rate", sampling_rate)):
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"{name} must be a positive int, received {v!r}.")
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    if not 0 <= start < end <= len(data):
        raise ValueError(
            f"start_index={start_index} and end_index={end_index} must satisfy "
            f"0 <= start_index < end_index <= len(data) = {len(data)}."
        )
    span = (sequence_length - 1) * sampling_rate
    starts = np.arange(start, end - span, sequence_stride)
    if targets is not None:
        targets = np.asarray(targets)
        if len(targets) != len(data):
            raise ValueError(
                f"targets must have one entry per time step of data ({len(data)}), "
                f"received {len(targets)}."
            )
    if len(starts) == 0:
        raise ValueError(
            f"No window fits: {end - start} time steps cannot hold a sequence of "
            f"{sequence_length} steps sampled every {sampling_rate}."
        )
    offsets = np.arange(sequence_length) * sampling_rate

    def load(idx: np.ndarray) -> Any:
        s = starts[idx]
        x = data[s[:, None] + offsets]
        return x if targets is None else (x, targets[s])

    ds = Dataset(load, len(starts), batch_size, shuffle, seed)
    return ds.as_tf_dataset() if _wants_tf(format) else ds


def _wants_tf(format: str) -> bool:
    if format not in ("polykeras", "tf"):
        raise ValueError(f"format must be 'polykeras' or 'tf', received {format!r}.")
    return format == "tf"
