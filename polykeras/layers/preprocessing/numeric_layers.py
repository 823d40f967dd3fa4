"""Numeric feature preprocessing: Normalization (with ``adapt``), Discretization (with
``adapt``) and CategoryEncoding. Their ``call`` is written with :mod:`polykeras.ops`,
so they run inside a model on every backend; ``adapt`` reads host data (NumPy arrays,
tensors, or an iterable of batches).

Example:
    >>> import numpy as np
    >>> from polykeras import layers, ops
    >>> norm = layers.Normalization()
    >>> norm.adapt(np.array([[0.0], [2.0]], "float32"))
    >>> ops.convert_to_numpy(norm(np.array([[2.0]], "float32")))
    array([[1.]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from polykeras import ops
from polykeras.config import epsilon
from polykeras.layers.layer import Layer


def host_batches(data: Any) -> Iterable[np.ndarray]:
    """``data`` (an array, a tensor, or an iterable of batches, optionally (x, y)
    tuples) as NumPy batches."""
    if isinstance(data, np.ndarray) or ops.is_tensor(data):
        yield np.asarray(ops.convert_to_numpy(data)) if ops.is_tensor(data) else data
        return
    if isinstance(data, (list, tuple)) and data and not isinstance(
            data[0], (np.ndarray, list, tuple)) and not ops.is_tensor(data[0]):
        yield np.asarray(data)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"adapt() expects a NumPy array, a tensor or an iterable of batches, "
                        f"received {type(data).__name__}.")
    seen = False
    for batch in data:
        if isinstance(batch, tuple):
            batch = batch[0]
        seen = True
        yield np.asarray(ops.convert_to_numpy(batch)) if ops.is_tensor(batch) else np.asarray(
            batch)
    if not seen:
        raise ValueError("adapt() received no data (an empty iterable). Pass at least one "
                         "batch.")


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per position of ``axis`` (the features), with the
    statistics given or computed by :meth:`adapt`; ``invert=True`` undoes it.

    Args:
        axis: the axis (or axes) with separate statistics; None for one mean overall.
        mean, variance: fixed statistics (then no ``adapt``).
        invert: map normalized values back to the original scale.
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis is None:
            self.axis: tuple[int, ...] = ()
        elif isinstance(axis, int):
            self.axis = (axis,)
        else:
            self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: pass both `mean` and `variance`, or neither "
                             f"(then call adapt()); received mean={mean!r}, "
                             f"variance={variance!r}.")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self._fixed: tuple[Any, Any] | None = None

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"Normalization layer {self.name!r}: axis {self.axis} is out of "
                             f"range for inputs of rank {ndim}.")
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep:
            if input_shape[d] is None:
                raise ValueError(f"Normalization layer {self.name!r} needs a known size along "
                                 f"axis {d}, received input shape {tuple(input_shape)}.")
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        stat_shape = tuple(int(input_shape[d]) for d in self._keep)
        if self.input_mean is None:
            self.mean = self.add_weight(stat_shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(stat_shape, "ones", trainable=False,
                                            name="variance")
            self.count = self.add_weight((), "zeros", dtype="int32", trainable=False,
                                         name="count")
        else:
            mean = np.broadcast_to(np.asarray(self.input_mean, "float32"), stat_shape)
            variance = np.broadcast_to(np.asarray(self.input_variance, "float32"), stat_shape)
            self._fixed = (mean, variance)
        self.built = True

    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` from ``data`` (an array, tensor or batches)."""
        total = 0
        mean: Any = None
        var: Any = None
        for batch in host_batches(data):
            batch = batch.astype("float64")
            if not self.built:
                self._maybe_build(tuple(batch.shape))
            if self.input_mean is not None:
                raise ValueError(f"Normalization layer {self.name!r} was given mean and "
                                 "variance; adapt() cannot change them.")
            n = int(np.prod([batch.shape[d] for d in self._reduce])) if self._reduce else 1
            b_mean = batch.mean(axis=self._reduce) if self._reduce else batch
            b_var = batch.var(axis=self._reduce) if self._reduce else np.zeros_like(batch)
            if mean is None:
                mean, var, total = b_mean, b_var, n
                continue
            new_total = total + n
            delta = b_mean - mean
            new_mean = mean + delta * n / new_total
            var = (var * total + b_var * n + delta ** 2 * total * n / new_total) / new_total
            mean, total = new_mean, new_total
        assert mean is not None and var is not None
        self.mean.assign(ops.convert_to_tensor(mean.astype("float32")))
        self.variance.assign(ops.convert_to_tensor(var.astype("float32")))
        self.count.assign(ops.convert_to_tensor(np.asarray(total, "int32")))

    def _stats(self) -> tuple[Any, Any]:
        if self._fixed is not None:
            mean, variance = self._fixed
            return (ops.convert_to_tensor(mean.reshape(self._broadcast)),
                    ops.convert_to_tensor(variance.reshape(self._broadcast)))
        return (ops.reshape(self.mean, self._broadcast),
                ops.reshape(self.variance, self._broadcast))

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.dtype)
        mean, variance = self._stats()
        scale = ops.maximum(ops.sqrt(variance), epsilon())
        if self.invert:
            return ops.add(ops.multiply(x, scale), mean)
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return None if v is None else np.asarray(v, "float32").tolist()

        axis: Any = None if not self.axis else (self.axis[0] if len(self.axis) == 1
                                                else list(self.axis))
        return {**super().get_config(), "axis": axis, "invert": self.invert,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance)}


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


def encode_categories(indices: Any, depth: int, output_mode: str, dtype: str) -> Any:
    """Integer ``indices`` as one-hot, multi-hot or count vectors of length ``depth``
    (rank-1 inputs are one token per sample; rank-2 ``(batch, k)`` several)."""
    if output_mode == "int":
        return indices
    shape = ops.shape(indices)
    if output_mode == "one_hot":
        if len(shape) >= 1 and shape[-1] == 1 and len(shape) > 1:
            indices = ops.squeeze(indices, -1)
        return ops.one_hot(indices, depth, dtype=dtype)
    if len(shape) <= 1:
        indices = ops.expand_dims(indices, -1)
    hot = ops.one_hot(indices, depth, dtype=dtype)
    if output_mode == "multi_hot":
        return ops.max(hot, axis=-2)
    return ops.sum(hot, axis=-2)


def encoded_shape(input_shape: Any, output_mode: str, depth: int | None) -> tuple[Any, ...]:
    """The output shape of :func:`encode_categories`."""
    shape = list(input_shape)
    if output_mode == "int":
        return tuple(shape)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return (*shape, depth)
    return (*(shape[:-1] if len(shape) > 1 else shape), depth)


class CategoryEncoding(Layer):
    """Integer category ids in ``[0, num_tokens)`` as "one_hot", "multi_hot" or "count"
    vectors.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(CategoryEncoding(4)(ops.convert_to_tensor([[0, 2], [3, 3]])))
        array([[1., 0., 1., 0.],
               [0., 0., 0., 1.]], dtype=float32)
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"CategoryEncoding: output_mode must be 'one_hot', 'multi_hot' "
                             f"or 'count', received {output_mode!r}.")
        if num_tokens is None or int(num_tokens) < 1:
            raise ValueError(f"CategoryEncoding needs a positive `num_tokens`, received "
                             f"{num_tokens!r}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported; pass "
                             "sparse=False.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = inputs
        if ops.dtype(x) not in ("int32", "int64"):
            x = ops.cast(x, "int32")
        return encode_categories(x, self.num_tokens, self.output_mode, self.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": False}


class Discretization(Layer):
    """Buckets numbers by ``bin_boundaries`` (bucket ``i`` holds
    ``boundaries[i - 1] <= x < boundaries[i]``), or by ``num_bins`` quantiles found with
    :meth:`adapt`; ``output_mode`` "int", "one_hot", "multi_hot" or "count".

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(Discretization([0.0, 1.0])(ops.convert_to_tensor([-1.0, 0.5, 2.0])))
        array([0, 1, 2], dtype=int32)
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 dtype: Any = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if output_mode not in _ENCODINGS:
            raise ValueError(f"Discretization: output_mode must be one of "
                             f"{', '.join(map(repr, _ENCODINGS))}, received {output_mode!r}.")
        if bin_boundaries is not None and num_bins is not None:
            raise ValueError("Discretization: pass `bin_boundaries` or `num_bins` (then "
                             "adapt()), not both.")
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported.")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                   bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.out_dtype = ("int32" if output_mode == "int" else "float32") if dtype is None \
            else str(dtype)
        self.built = True

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Boundaries at the ``num_bins`` quantiles of ``data``."""
        if self.num_bins is None:
            raise ValueError("Discretization.adapt() needs `num_bins` set in the constructor.")
        values = np.concatenate([b.reshape(-1).astype("float64") for b in host_batches(data)])
        qs = np.quantile(values, np.arange(1, self.num_bins) / self.num_bins)
        self.bin_boundaries = [float(q) for q in qs]

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization layer {self.name!r} has no bin boundaries: pass "
                             "bin_boundaries= or call adapt() first.")
        x = ops.cast(inputs, "float32")
        bounds = ops.convert_to_tensor(np.asarray(self.bin_boundaries, "float32"))
        ids = ops.sum(ops.cast(ops.greater_equal(ops.expand_dims(x, -1), bounds), "int32"),
                      axis=-1)
        if self.output_mode == "int":
            return ids if self.out_dtype == "int32" else ops.cast(ids, self.out_dtype)
        return encode_categories(ids, len(self.bin_boundaries) + 1, self.output_mode,
                                 self.out_dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dtype": self.out_dtype,
                "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": False}
