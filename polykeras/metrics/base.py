"""The Metric base class and the reducing metrics Sum and Mean.

Metric state lives in non-trainable :class:`polykeras.Variable`\\ s, so ``update_state``
written in eager style also runs inside the compiled train step (a stateless scope).

Example:
    >>> m = Mean()
    >>> m.update_state([1.0, 3.0]); float(m.result())
    2.0
"""

from __future__ import annotations

import re
from typing import Any, cast

from polykeras import ops
from polykeras.backend import selection
from polykeras.variables import Variable


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Metric:
    """Base class: create state with :meth:`add_variable` and implement ``update_state``,
    ``result`` (and ``reset_state`` when the zero state is not all zeros)."""

    def __init__(self, dtype: Any = None, name: str | None = None) -> None:
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype or "float32"
        self._backend = selection.current()
        self._variables: list[Variable] = []
        self._initial: list[Any] = []

    def add_variable(self, shape: tuple[int, ...] = (), initializer: Any = "zeros",
                     dtype: Any = None, name: str | None = None) -> Variable:
        import numpy as np

        dtype = dtype or self.dtype
        if initializer == "zeros":
            value = np.zeros(shape)
        elif initializer == "ones":
            value = np.ones(shape)
        else:
            value = np.asarray(initializer, dtype="float64")
            value = np.broadcast_to(value, shape).copy()
        with selection.use(self._backend):
            var = Variable(value.astype(dtype), dtype=dtype, trainable=False,
                           name=name or f"var{len(self._variables)}")
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        self._initial.append(value.astype(dtype))
        return var

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def build(self, y_true_shape: Any, y_pred_shape: Any) -> None:
        """Create state that depends on the data's shapes (``compile`` calls it with the
        first batch's shapes, before the step is compiled). Most metrics need none."""

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        for v, init in zip(self._variables, self._initial):
            v.assign(init)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _weighted(values: Any, sample_weight: Any) -> tuple[Any, Any]:
    """(sum of weighted values, sum of weights) with weights broadcast over values."""
    values = ops.convert_to_tensor(values)
    dtype = ops.dtype(values)
    if "float" not in dtype:
        values = ops.cast(values, "float32")
        dtype = "float32"
    if sample_weight is None:
        n = 1
        for d in ops.shape(values):
            n *= d
        return ops.sum(values), float(n)
    if (type(sample_weight) is float and sample_weight.is_integer()
            and abs(sample_weight) <= 16777216.0 and dtype == "float32"
            and not ops.shape(values)):
        # A float32 scalar with a whole-number Python weight (the loss tracker's batch
        # size, every step): exact in float32, so it needs no cast, reshape or sum.
        return ops.multiply(values, sample_weight), sample_weight
    sw = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
    vr, sr = len(ops.shape(values)), len(ops.shape(sw))
    if sr < vr:
        sw = ops.reshape(sw, tuple(ops.shape(sw)) + (1,) * (vr - sr))
    sw = ops.broadcast_to(sw, ops.shape(values))
    return ops.sum(ops.multiply(values, sw)), ops.sum(sw)


class Sum(Metric):
    """Running (weighted) sum."""

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        total, _ = _weighted(values, sample_weight)
        self.total.assign(ops.add(self.total, total))

    def result(self) -> Any:
        return self.total.value


class Mean(Metric):
    """Running (weighted) mean."""

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        total, count = _weighted(values, sample_weight)
        self.total.assign(ops.add(self.total.value, total))
        self.count.assign(ops.add(self.count.value, count))

    def result(self) -> Any:
        return ops.divide(self.total.value, ops.maximum(self.count.value, 1e-12))


class MeanMetricWrapper(Mean):
    """Mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or cast(str, getattr(fn, "__name__", "metric")),
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    # Keras' signature: the wrapped function's (y_true, y_pred), not Mean's values.
    def update_state(  # type: ignore[override]
            self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}
