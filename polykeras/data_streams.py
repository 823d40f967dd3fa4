"""Batches that arrive one by one: generators, iterables (``tf.data.Dataset``, torch
``DataLoader`` ...) and :class:`polykeras.utils.PyDataset`, on any backend.

Each batch is unpacked as in Keras (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sw)``; a list
counts as a tuple) and its leaves are handed to the step without needless copies: the
model backend's own tensors pass through, other frameworks' CPU tensors become NumPy
views (``__array__``), accelerator tensors cross through DLPack when the adapter offers
``from_dlpack``. Nothing here imports a framework: foreign tensors are recognised by
duck typing. The next batches are prepared in a background thread (or the PyDataset's
workers) while the current step runs.

Example:
    >>> import numpy as np, polykeras
    >>> gen = ((np.ones((2, 3)), np.zeros(2)) for _ in range(3))
    >>> data = GeneratorData(gen, None, polykeras.backend.current(), "fit")
    >>> [xb.dtype.name for xb, yb, sw in data.batches()]
    ['float32', 'float32', 'float32']
"""

from __future__ import annotations

import contextvars
import queue
import threading
import warnings
import weakref
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from polykeras.config import floatx
from polykeras.layers.graph import map_structure


# ---------------------------------------------------------------------- leaves
def _narrow_dtype() -> str:
    return floatx() if floatx() != "bfloat16" else "float32"


def to_host(a: Any, backend: Any) -> Any:
    """One leaf of a batch as the step takes it: a NumPy array (float64 narrowed to
    floatx) or the backend's own tensor; foreign tensors without copies where possible."""
    if a is None:
        return None
    if type(a) is np.ndarray:
        return a.astype(_narrow_dtype()) if a.dtype == np.float64 else a
    if backend.is_tensor(a):
        return backend.cast(a, _narrow_dtype()) if backend.dtype(a) == "float64" else a
    if hasattr(a, "__polykeras_tensor__"):
        return to_host(a.__polykeras_tensor__(), backend)
    from_dlpack = getattr(backend, "from_dlpack", None)
    if from_dlpack is not None and hasattr(a, "__dlpack__") and backend.supports("gpu"):
        try:
            return to_host(from_dlpack(a), backend)
        except (TypeError, ValueError, RuntimeError, BufferError):
            pass
    try:
        arr = np.asarray(a)  # a view of a CPU tensor of torch, jax or tensorflow
    except (TypeError, ValueError, RuntimeError):
        detach = getattr(a, "detach", None)  # e.g. a tensor that requires grad
        if detach is None:
            raise
        arr = np.asarray(detach().cpu())
    if arr.dtype == object:
        raise ValueError(
            f"Cannot use a batch element of type {type(a).__name__} (it converts to an "
            "object array). Batches must hold arrays or tensors of numbers."
        )
    return arr.astype(_narrow_dtype()) if arr.dtype == np.float64 else arr


def structure_signature(s: Any) -> Any:
    """The nesting of a batch (containers, dict keys, ``None``s), without its values."""
    if isinstance(s, (list, tuple)):
        return (type(s).__name__, tuple(structure_signature(v) for v in s))
    if isinstance(s, dict):
        return ("dict", tuple((k, structure_signature(s[k])) for k in sorted(s, key=str)))
    return None if s is None else "array"


def _describe(sig: Any) -> str:
    if sig is None:
        return "None"
    if sig == "array":
        return "array"
    kind, items = sig
    if kind == "dict":
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in items) + "}"
    inner = ", ".join(_describe(v) for v in items)
    return f"({inner},)" if kind == "tuple" and len(items) == 1 else (
        f"({inner})" if kind == "tuple" else f"[{inner}]")


class BatchConverter:
    """Unpacks and converts each batch, checking every batch has the first one's structure."""

    def __init__(self, backend: Any, what: str) -> None:
        self.backend = backend
        self.what = what
        self.signature: Any = None
        self.count = 0

    def __call__(self, item: Any) -> tuple[Any, Any, Any]:
        if isinstance(item, list):
            item = tuple(item)
        if not isinstance(item, tuple):
            if self.what != "predict":
                raise ValueError(
                    f"Each batch of the {self.what} data (a generator or dataset) must be "
                    f"a tuple (x, y) or (x, y, sample_weight); received a "
                    f"{type(item).__name__}. Yield `(inputs, targets)` tuples."
                )
            item = (item,)
        if not 1 <= len(item) <= 3:
            raise ValueError(
                f"A batch must be x, (x,), (x, y) or (x, y, sample_weight); received a tuple "
                f"of {len(item)} items."
            )
        sig = structure_signature(item)
        if self.signature is None:
            self.signature = sig
        elif sig != self.signature:
            raise ValueError(
                f"Batch {self.count} of the {self.what} data has structure {_describe(sig)}, "
                f"but the first batch had {_describe(self.signature)}. Every batch must have "
                "the same structure (same tuple length, same dict keys)."
            )
        self.count += 1
        b = self.backend
        out = map_structure(lambda a: to_host(a, b), item)
        return (out[0], out[1] if len(out) > 1 else None, out[2] if len(out) > 2 else None)


# ---------------------------------------------------------------------- prefetching
_END = object()


class Prefetcher:
    """Iterates ``source`` in a background thread, ``depth`` items ahead of the consumer,
    applying ``convert`` there; exceptions re-raise in the consumer."""

    def __init__(self, source: Iterator[Any], convert: Any, depth: int = 2) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        ctx = contextvars.copy_context()  # the caller's backend selection, per thread
        self._thread = threading.Thread(target=ctx.run, args=(self._run, source, convert),
                                        name="polykeras-prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, source: Iterator[Any], convert: Any) -> None:
        try:
            for item in source:
                if not self._put((convert(item), None)):
                    return
            self._put((_END, None))
        except BaseException as err:  # handed to the consumer
            self._put((None, err))

    def __iter__(self) -> Prefetcher:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        value, err = self._queue.get()
        if err is not None:
            self._done = True
            raise err
        if value is _END:
            self._done = True
            raise StopIteration
        return value

    def close(self) -> None:
        self._stop.set()
        self._done = True


def _out_of_data(what: str) -> None:
    warnings.warn(
        f"The {what} data ran out of batches; training stops. Pass a re-iterable dataset, "
        "or a generator that yields `steps_per_epoch * epochs` batches.",
        stacklevel=4,
    )


class GeneratorData:
    """Batches from a generator or re-iterable (``tf.data.Dataset``, torch ``DataLoader``,
    a list of batches ...). With ``steps``, one iterator runs across epochs."""

    def __init__(self, source: Any, steps: int | None, backend: Any, what: str) -> None:
        self.source = source
        self.steps = steps
        self.what = what
        self.convert = BatchConverter(backend, what)
        self._persistent: Prefetcher | None = None
        self._one_shot_used = False
        self.exhausted = False

    @property
    def steps_per_epoch(self) -> int | None:
        if self.steps:
            return self.steps
        try:
            return len(self.source)
        except (TypeError, AttributeError, NotImplementedError):
            return None

    def _iterator(self) -> tuple[Prefetcher, bool]:
        if self.steps:
            if self._persistent is None:
                self._persistent = Prefetcher(iter(self.source), self.convert)
                weakref.finalize(self, self._persistent.close)
            return self._persistent, False
        it = iter(self.source)
        if it is self.source:  # a one-shot generator
            if self._one_shot_used:
                return Prefetcher(iter(()), self.convert), True
            self._one_shot_used = True
        return Prefetcher(it, self.convert), True

    def batches(self, shuffle: bool = False, rng: Any = None) -> Iterator[tuple[Any, Any, Any]]:
        it, per_epoch = self._iterator()
        count = 0
        try:
            while self.steps is None or count < self.steps:
                try:
                    item = next(it)
                except StopIteration:
                    if self.convert.count == 0:
                        raise ValueError(
                            f"The {self.what} data is empty: the generator or dataset "
                            "produced no batch. Check that it yields batches."
                        ) from None
                    if count == 0 or self.steps:
                        _out_of_data(self.what)
                        self.exhausted = True
                    return
                count += 1
                yield item
        finally:
            if per_epoch:
                it.close()


# ---------------------------------------------------------------------- PyDataset
def _worker_init(dataset: Any) -> None:
    global _worker_dataset
    _worker_dataset = dataset


_worker_dataset: Any = None


def _worker_get(index: int) -> Any:
    return _worker_dataset[index]


class PyDatasetData:
    """Batches from a :class:`polykeras.utils.PyDataset`: ``dataset[i]`` for each index of
    an epoch, loaded by its workers up to ``max_queue_size`` batches ahead."""

    def __init__(self, dataset: Any, steps: int | None, backend: Any, what: str) -> None:
        self.dataset = dataset
        self.steps = steps
        self.what = what
        self.convert = BatchConverter(backend, what)
        self.exhausted = False
        self._pool: Any = None
        n = self._length()
        if n is not None and n <= 0:
            raise ValueError(
                f"The {what} data is a {type(dataset).__name__} whose __len__ is {n}: it "
                "has no batches. __len__ must return the number of batches (at least 1)."
            )
        if n is None and not steps:
            raise ValueError(
                f"{type(dataset).__name__} has no length; pass steps_per_epoch (or steps) "
                "to say how many batches an epoch has."
            )

    def _length(self) -> int | None:
        try:
            return int(len(self.dataset))
        except (TypeError, NotImplementedError):
            return None

    @property
    def steps_per_epoch(self) -> int | None:
        n = self._length()
        if self.steps:
            return self.steps if n is None else min(self.steps, n)
        return n

    def _process_pool(self, workers: int) -> Any:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init, initargs=(self.dataset,))
            weakref.finalize(self, self._pool.shutdown, wait=False, cancel_futures=True)
        return self._pool

    def _loaded(self, n: int) -> Iterator[Any]:
        ds = self.dataset
        workers = max(1, int(getattr(ds, "workers", 1) or 1))
        if getattr(ds, "use_multiprocessing", False):
            pool = self._process_pool(workers)
            yield from self._ordered(pool, _worker_get, n)
            return
        if workers == 1:
            it = Prefetcher((ds[i] for i in range(n)), self.convert,
                            depth=max(1, int(getattr(ds, "max_queue_size", 10) or 1)))
            try:
                yield from it
            finally:
                it.close()
            return
        from concurrent.futures import ThreadPoolExecutor

        ctx = contextvars.copy_context()

        def load(i: int) -> Any:
            return ctx.copy().run(ds.__getitem__, i)

        # Workers load; the (cheap, order-dependent) unpacking and checks run here.
        threads = ThreadPoolExecutor(workers, thread_name_prefix="polykeras-pydataset")
        try:
            yield from self._ordered(threads, load, n)
        finally:
            threads.shutdown(wait=False, cancel_futures=True)

    def _ordered(self, pool: Any, fn: Any, n: int) -> Iterator[Any]:
        ahead = max(int(getattr(self.dataset, "max_queue_size", 10) or 1),
                    int(getattr(self.dataset, "workers", 1) or 1))
        pending: deque[Any] = deque()
        nxt = 0
        while nxt < n and len(pending) < ahead:
            pending.append(pool.submit(fn, nxt))
            nxt += 1
        while pending:
            item = pending.popleft().result()
            if nxt < n:
                pending.append(pool.submit(fn, nxt))
                nxt += 1
            yield self.convert(item)

    def batches(self, shuffle: bool = False, rng: Any = None) -> Iterator[tuple[Any, Any, Any]]:
        n = self.steps_per_epoch or 0  # a length or steps: checked in __init__
        begin = getattr(self.dataset, "on_epoch_begin", None)
        if begin is not None:
            begin()
        yield from self._loaded(n)
        end = getattr(self.dataset, "on_epoch_end", None)
        if end is not None:
            end()
