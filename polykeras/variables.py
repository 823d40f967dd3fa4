"""Variables and the stateless scope that lets one train step be a pure function.

A :class:`Variable` holds an immutable backend tensor; ``assign`` swaps in a new one.
Inside a :class:`StatelessScope`, reads come from the scope's mapping and assignments go
into it, so code written in eager style (``v.assign(v + 1)``) runs unchanged inside a
compiled, functional step: the trainer opens a scope mapping every variable to the
step's inputs and reads the new state out of the scope at the end.

Example:
    >>> import polykeras
    >>> v = polykeras.Variable([1.0, 2.0])
    >>> with polykeras.variables.StatelessScope({v: polykeras.ops.zeros((2,))}) as s:
    ...     v.assign(v + 1.0)
    >>> polykeras.ops.convert_to_numpy(s.get(v)), v.numpy()
    (array([1., 1.], dtype=float32), array([1., 2.], dtype=float32))
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from polykeras.backend import selection
from polykeras.backend.dtypes import standardize_dtype

#: The innermost StatelessScope of this thread or task (None outside any).
_scope_var: contextvars.ContextVar[StatelessScope | None] = contextvars.ContextVar(
    "polykeras_stateless_scope", default=None)
_current_scope = _scope_var.get

#: The compute dtype float variables are read in (a mixed-precision layer's call), or None.
_autocast_dtype: str | None = None


class autocast:
    """Within the block, float Variables read as ``dtype`` (None: as stored).

    Example:
        >>> v = Variable([1.0])
        >>> with autocast("float16"):
        ...     str(v.value.dtype)
        'float16'
    """

    def __init__(self, dtype: str | None) -> None:
        self.dtype = dtype

    def __enter__(self) -> autocast:
        global _autocast_dtype
        self._previous, _autocast_dtype = _autocast_dtype, self.dtype
        return self

    def __exit__(self, *exc: Any) -> None:
        global _autocast_dtype
        _autocast_dtype = self._previous


class StatelessScope:
    """Maps variables to values; reads and ``assign`` inside it never touch the variables.

    Scopes nest: a read falls through to the enclosing scope, then to the variable.
    """

    __slots__ = ("values", "parent", "_token")

    def __init__(self, values: Mapping[Variable, Any] | Iterable[tuple[Variable, Any]] = ()):
        self.values: dict[Variable, Any] = dict(values)
        self.parent: StatelessScope | None = None
        self._token: Any = None

    def get(self, variable: Variable) -> Any:
        """The value of ``variable`` as this scope sees it."""
        scope: StatelessScope | None = self
        while scope is not None:
            v = scope.values.get(variable)
            if v is not None:
                return v
            scope = scope.parent
        return variable._value

    def __enter__(self) -> StatelessScope:
        self.parent = _scope_var.get()
        self._token = _scope_var.set(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            _scope_var.reset(self._token)
        except ValueError:  # exited in another context
            _scope_var.set(self.parent)
        self.parent = self._token = None


def current_scope() -> StatelessScope | None:
    """The innermost :class:`StatelessScope` of this thread or task, or None."""
    return _scope_var.get()


def in_stateless_scope() -> bool:
    return _scope_var.get() is not None


class Variable:
    """A named, mutable reference to a backend tensor.

    Args:
        initializer: initial value (array-like) or a callable ``(shape, dtype) -> value``.
        shape: needed with a callable initializer.
        dtype: defaults to the initial value's float dtype, else ``floatx()``.
        trainable: whether optimizers update it.
        name: a readable name (unique names get a numeric suffix in paths).

    Example:
        >>> v = Variable(np.zeros((2, 3)), name="kernel")
        >>> v.shape, v.dtype
        ((2, 3), 'float32')
    """

    __array_priority__ = 100

    def __init__(self, initializer: Any, shape: Any = None, dtype: Any = None,
                 trainable: bool = True, name: str | None = None,
                 aggregation: str = "mean") -> None:
        self._backend = selection.current()
        self.name = name or "variable"
        self.path = self.name
        self.trainable = bool(trainable)
        self.aggregation = aggregation
        self.constraint: Any = None
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    f"Variable {self.name!r}: a callable initializer needs `shape=`."
                )
            value = initializer(tuple(shape), standardize_dtype(dtype))
        else:
            value = initializer
        b = self._backend
        if dtype is None:
            if b.is_tensor(value) and not isinstance(value, np.ndarray):
                dtype = b.dtype(value)
            else:
                arr = np.asarray(value)
                keep = arr.dtype.kind in "iub" or arr.dtype.name in ("float16", "float32")
                dtype = arr.dtype.name if keep else None
        self.dtype = standardize_dtype(dtype)
        self._value = b.convert_to_tensor(value, self.dtype)
        self.shape = tuple(b.shape(self._value))
        if shape is not None and tuple(shape) != self.shape:
            raise ValueError(
                f"Variable {self.name!r}: initial value has shape {self.shape}, "
                f"expected {tuple(shape)}."
            )

    # -- value ------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """The current tensor (the scope's value inside a :class:`StatelessScope`; cast to
        the compute dtype inside a mixed-precision layer's call)."""
        if _autocast_dtype is None:
            scope = _current_scope()
            if scope is None:
                return self._value
            return scope.get(self)
        return self._autocast_value()

    def __polykeras_tensor__(self) -> Any:
        if _autocast_dtype is None:
            scope = _current_scope()
            return self._value if scope is None else scope.get(self)
        return self._autocast_value()

    def _autocast_value(self) -> Any:
        scope = _current_scope()
        value = self._value if scope is None else scope.get(self)
        dtype = _autocast_dtype
        if dtype is None or dtype == self.dtype or "float" not in self.dtype:
            return value
        return self._backend.cast(value, dtype)

    def assign(self, value: Any) -> Variable:
        """Set a new value (same shape); recorded in the scope inside a stateless scope."""
        current = self._value
        scope = _current_scope()
        if type(value) is type(current) and value.dtype is current.dtype:
            # A tensor of the stored kind and dtype: no conversion needed.
            if scope is not None:
                scope.values[self] = value
                return self
            if value.shape == current.shape:
                self._value = value
                return self
        b = self._backend
        if not b.is_tensor(value) or b.dtype(value) != self.dtype:
            value = b.cast(b.convert_to_tensor(value), self.dtype)
        if scope is not None:
            scope.values[self] = value
            return self
        shape = tuple(b.shape(value))
        if shape != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {shape} to variable {self.path!r} of "
                f"shape {self.shape}."
            )
        self._value = value
        return self

    def assign_add(self, delta: Any) -> Variable:
        return self.assign(self._backend.add(self.value, delta))

    def assign_sub(self, delta: Any) -> Variable:
        return self.assign(self._backend.subtract(self.value, delta))

    def numpy(self) -> np.ndarray:
        return self._backend.convert_to_numpy(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    # Identity hashing, in C: scopes look variables up in dicts on every read.
    __hash__ = object.__hash__

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._backend.equal(self.value, other)

    def __repr__(self) -> str:
        return (f"<Variable path={self.path} shape={self.shape} dtype={self.dtype} "
                f"value={self.numpy()!r}>")

    # -- operators (delegate to the backend on the current value) ----------------
    def __add__(self, o): return self._backend.add(self.value, o)
    def __radd__(self, o): return self._backend.add(o, self.value)
    def __sub__(self, o): return self._backend.subtract(self.value, o)
    def __rsub__(self, o): return self._backend.subtract(o, self.value)
    def __mul__(self, o): return self._backend.multiply(self.value, o)
    def __rmul__(self, o): return self._backend.multiply(o, self.value)
    def __truediv__(self, o): return self._backend.divide(self.value, o)
    def __rtruediv__(self, o): return self._backend.divide(o, self.value)
    def __matmul__(self, o): return self._backend.matmul(self.value, o)
    def __rmatmul__(self, o): return self._backend.matmul(o, self.value)
    def __pow__(self, o): return self._backend.power(self.value, o)
    def __neg__(self): return self._backend.negative(self.value)
    def __lt__(self, o): return self._backend.less(self.value, o)
    def __le__(self, o): return self._backend.less_equal(self.value, o)
    def __gt__(self, o): return self._backend.greater(self.value, o)
    def __ge__(self, o): return self._backend.greater_equal(self.value, o)
    def __getitem__(self, k): return self._backend.getitem(self.value, k)


def unwrap(x: Any) -> Any:
    """The tensor behind a Variable (anything else unchanged)."""
    return x.value if isinstance(x, Variable) else x
