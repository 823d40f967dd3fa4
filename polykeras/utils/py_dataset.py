"""``PyDataset``: batches produced by Python code, loaded in parallel while training runs.

Subclass it, call ``super().__init__(**kwargs)`` and define ``__len__`` (the number of
batches per epoch) and ``__getitem__(index)`` (one batch: ``x``, ``(x, y)`` or
``(x, y, sample_weight)``). ``fit`` loads upcoming batches in ``workers`` threads (or
processes with ``use_multiprocessing=True``), at most ``max_queue_size`` ahead of the step.

Example:
    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __init__(self, n, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(n, dtype="float32")[:, None]
    ...         self.batch_size = batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, index):
    ...         x = self.x[index * self.batch_size:(index + 1) * self.batch_size]
    ...         return x, x ** 2
    >>> data = Squares(10, 4, workers=2)
    >>> len(data), data.workers, data[2][1].ravel().tolist()
    (3, 2, [64.0, 81.0])
"""

from __future__ import annotations

from typing import Any


class PyDataset:
    """Base class for datasets that build each batch in Python (as ``keras.utils.PyDataset``).

    Args:
        workers: how many threads (or processes) load batches in parallel.
        use_multiprocessing: load batches in worker processes instead of threads (the
            dataset must then be picklable and its class importable).
        max_queue_size: how many batches may be loaded ahead of the training step.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return self.__dict__.get("_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"PyDataset workers must be an int >= 1, received {value!r}.")
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        return self.__dict__.get("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = bool(value)

    @property
    def max_queue_size(self) -> int:
        return self.__dict__.get("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(
                f"PyDataset max_queue_size must be an int >= 1, received {value!r}."
            )
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """The batch at ``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(self, index) returning one batch."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__(self): the number of batches."
        )

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch (``len(self)``), or ``None`` when the dataset has no length."""
        try:
            return len(self)
        except (NotImplementedError, TypeError):
            return None

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch (e.g. to reshuffle)."""

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]


def is_py_dataset(x: Any) -> bool:
    """A ``PyDataset`` or an object shaped like one (``__getitem__``, ``__len__`` and
    ``on_epoch_end``, as Keras' own ``PyDataset`` and ``Sequence``)."""
    if isinstance(x, PyDataset):
        return True
    t = type(x)
    return (hasattr(t, "__getitem__") and hasattr(t, "__len__")
            and callable(getattr(x, "on_epoch_end", None))
            and not isinstance(x, (list, tuple, dict, str, bytes)))
