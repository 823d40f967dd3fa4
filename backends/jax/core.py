"""Conversion, dtypes and tensor creation for the JAX adapter.

Tensors are ``jax.Array`` values on JAX's default device (``jax.devices()[0]``).
JAX keeps 64-bit types off unless ``jax_enable_x64`` is set: then ``float64``,
``int64`` and ``uint64`` requests give ``float32``, ``int32`` and ``uint32``, as JAX
itself does (without its truncation warning).

Example:
    >>> from polykeras.backends.jax.core import to_tensor
    >>> to_tensor([1.5, 2.0]).dtype.name
    'float32'
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from polykeras import config
from polykeras.backend.dtypes import ALLOWED_DTYPES, result_type

Array = jax.Array
#: The concrete array class, checked first so eager calls skip ``isinstance``.
ArrayImpl = type(jnp.zeros(()))

_PY_SCALARS = (bool, int, float)

_X64 = {name: np.dtype(name) for name in ALLOWED_DTYPES if name != "bfloat16"}
_X64["bfloat16"] = jnp.dtype("bfloat16")
_X32 = dict(_X64)
_X32.update(float64=np.dtype("float32"), int64=np.dtype("int32"),
            uint64=np.dtype("uint32"))


def x64_enabled() -> bool:
    """Whether JAX has 64-bit types on (``jax_enable_x64``)."""
    return bool(jax.config.jax_enable_x64)


def jax_dtype(name: str) -> np.dtype:
    """The JAX dtype for a standard dtype name (64-bit names narrowed without x64).

    Example:
        >>> jax_dtype("float32")
        dtype('float32')
    """
    table = _X64 if jax.config.jax_enable_x64 else _X32
    try:
        return table[name]
    except KeyError:
        raise ValueError(
            f"Invalid dtype: received {name!r}. Expected one of {', '.join(ALLOWED_DTYPES)}."
        ) from None


def dtype_name(x: Any) -> str:
    """Standard dtype name of a tensor or array."""
    return x.dtype.name


def _numpy_default(arr: np.ndarray, from_python: bool) -> np.dtype:
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype.itemsize == 8:
        return jax_dtype(config.floatx())
    if from_python and kind == "i":
        return jax_dtype("int32")
    if kind in "fiub":
        return jax_dtype(arr.dtype.name)
    if kind == "V" and arr.dtype.name == "bfloat16":
        return arr.dtype
    raise TypeError(
        f"Cannot convert an array of dtype {arr.dtype} to a jax tensor. Expected a bool, "
        f"integer or float array; cast it first (e.g. with .astype('float32'))."
    )


def _holds_tensor(x: Any) -> bool:
    for item in x:
        if isinstance(item, Array) or hasattr(item, "__polykeras_tensor__"):
            return True
        if isinstance(item, (list, tuple)) and _holds_tensor(item):
            return True
    return False


def to_tensor(x: Any, dtype: str | None = None) -> Array:
    """A ``jax.Array`` from a tensor-like (see ``JaxBackend.convert_to_tensor``)."""
    if type(x) is ArrayImpl or isinstance(x, Array):
        if dtype is None:
            return x
        jdt = jax_dtype(dtype)
        return x if x.dtype == jdt else x.astype(jdt)
    if hasattr(x, "__polykeras_tensor__"):
        return to_tensor(x.__polykeras_tensor__(), dtype)
    if dtype is not None:
        if isinstance(x, (list, tuple)) and _holds_tensor(x):
            x = [to_tensor(item) for item in x]
        return jnp.asarray(x, dtype=jax_dtype(dtype))
    t = type(x)
    if t is float:
        return jnp.asarray(x, dtype=jax_dtype(config.floatx()))
    if t is int:
        return jnp.asarray(x, dtype=jax_dtype("int32"))
    if t is bool:
        return jnp.asarray(x, dtype=np.bool_)
    if isinstance(x, np.ndarray):
        return jnp.asarray(x, dtype=_numpy_default(x, False))
    if isinstance(x, (list, tuple)):
        if _holds_tensor(x):
            parts = [to_tensor(item) for item in x]
            out = result_type(*[dtype_name(p) for p in parts])
            return jnp.stack([cast(p, out) for p in parts])
        arr = np.asarray(x)
        return jnp.asarray(arr, dtype=_numpy_default(arr, True))
    if isinstance(x, (np.generic, float, int)):
        arr = np.asarray(x)
        return jnp.asarray(arr, dtype=_numpy_default(arr, isinstance(x, int)))
    raise TypeError(
        f"Cannot convert {type(x).__name__} to a jax tensor. Expected a jax.Array, a NumPy "
        "array, a Python scalar or (nested) list, or a polykeras Variable."
    )


def cast(x: Array, dtype: str) -> Array:
    """``x`` as ``dtype`` (``x`` itself when it already is)."""
    jdt = jax_dtype(dtype)
    return x if x.dtype == jdt else x.astype(jdt)


def is_weak(x: Any) -> bool:
    """Python scalars take the other operand's dtype (NumPy scalars count as Python's)."""
    return isinstance(x, _PY_SCALARS)


def py_scalar(x: Any) -> bool | int | float:
    """A weak scalar as a plain Python scalar (``np.float64`` is a ``float`` subclass)."""
    if type(x) in _PY_SCALARS:
        return x
    if isinstance(x, bool):
        return bool(x)
    return float(x) if isinstance(x, float) else int(x)


def operand_dtype(x: Any) -> Any:
    """A dtype name for ``result_type``: the Python scalar itself when weak."""
    if is_weak(x):
        return py_scalar(x)
    if type(x) is ArrayImpl or isinstance(x, Array):
        return x.dtype.name
    return to_tensor(x).dtype.name


def promote(x1: Any, x2: Any) -> tuple[Any, Any, np.dtype]:
    """Both operands under the polykeras promotion rule, plus the result dtype.

    Python scalars stay Python scalars (JAX treats them as weakly typed, so they take
    the tensor's dtype); everything else becomes a tensor of the result dtype.
    """
    if type(x1) is ArrayImpl and type(x2) is ArrayImpl and x1.dtype == x2.dtype:
        return x1, x2, x1.dtype
    w1, w2 = is_weak(x1), is_weak(x2)
    if w1:
        x1 = py_scalar(x1)
    if w2:
        x2 = py_scalar(x2)
    if w1 and w2:
        out = result_type(x1, x2)
        return to_tensor(x1, out), to_tensor(x2, out), jax_dtype(out)
    if w1:
        t2 = to_tensor(x2)
        t2 = cast(t2, result_type(t2.dtype.name, x1))
        return x1, t2, t2.dtype
    t1 = to_tensor(x1)
    if w2:
        t1 = cast(t1, result_type(t1.dtype.name, x2))
        return t1, x2, t1.dtype
    t2 = to_tensor(x2)
    if t1.dtype == t2.dtype:
        return t1, t2, t1.dtype
    out = result_type(t1.dtype.name, t2.dtype.name)
    t1, t2 = cast(t1, out), cast(t2, out)
    return t1, t2, t1.dtype


def promote_all(xs: Any) -> list[Array]:
    """Tensors of one common dtype for a sequence of tensor-likes."""
    ts = [to_tensor(x) for x in xs]
    if len(ts) > 1 and any(t.dtype != ts[0].dtype for t in ts[1:]):
        out = result_type(*[dtype_name(t) for t in ts])
        ts = [cast(t, out) for t in ts]
    return ts


def float_tensor(x: Any) -> Array:
    """A tensor of a float dtype: integers and bools become ``floatx()``."""
    t = to_tensor(x)
    if t.dtype.kind in "iub":
        return t.astype(jax_dtype(config.floatx()))
    return t


def as_float(t: Array) -> Array:
    """``t`` itself when floating, else ``t`` cast to ``floatx()``."""
    if t.dtype.kind in "iub":
        return t.astype(jax_dtype(config.floatx()))
    return t


def device_name(device: Any) -> str:
    """``"cpu"``, ``"cuda:0"``, ``"tpu:0"`` ... for a JAX device."""
    platform = device.platform
    if platform == "cpu":
        return "cpu"
    if platform == "gpu":
        platform = "cuda"
    return f"{platform}:{device.id}"


class CoreOps:
    """Capabilities, conversion and creation."""

    def supports(self, capability: str) -> bool:
        """Whether this adapter has ``capability`` ("jit", "gpu", "bfloat16", "float64").

        ``"float64"`` follows ``jax.config.jax_enable_x64``.

        Example:
            >>> JaxBackend().supports("jit")
            True
        """
        if capability == "jit" or capability == "bfloat16":
            return True
        if capability == "gpu":
            return jax.devices()[0].platform != "cpu"
        if capability == "float64":
            return x64_enabled()
        return False

    @property
    def device(self) -> str:
        """Where new tensors live: ``"cpu"`` or ``"cuda:0"`` (JAX's default device)."""
        return device_name(jax.devices()[0])

    # -------------------------------------------------------------------- conversion
    def is_tensor(self, x: Any) -> bool:
        return type(x) is ArrayImpl or isinstance(x, Array)

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Array:
        """A ``jax.Array`` from a tensor-like.

        Float64 NumPy arrays and Python floats become ``floatx()``, Python ints int32,
        other arrays keep their dtype; ``dtype`` overrides.

        Example:
            >>> JaxBackend().convert_to_tensor(3).dtype.name
            'int32'
        """
        return to_tensor(x, dtype)

    def convert_to_numpy(self, x: Any) -> np.ndarray:
        return np.array(to_tensor(x))

    def from_dlpack(self, x: Any) -> Array:
        """A ``jax.Array`` sharing the memory of any ``__dlpack__`` object."""
        return jax.dlpack.from_dlpack(x)

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(x.shape) if hasattr(x, "shape") else tuple(to_tensor(x).shape)

    def dtype(self, x: Any) -> str:
        if type(x) is ArrayImpl or isinstance(x, Array):
            return x.dtype.name
        return to_tensor(x).dtype.name

    def cast(self, x: Any, dtype: str) -> Array:
        return cast(to_tensor(x), dtype)

    # ---------------------------------------------------------------------- creation
    def zeros(self, shape: tuple[int, ...], dtype: str | None = None) -> Array:
        return jnp.zeros(shape, dtype=jax_dtype(dtype or config.floatx()))

    def ones(self, shape: tuple[int, ...], dtype: str | None = None) -> Array:
        return jnp.ones(shape, dtype=jax_dtype(dtype or config.floatx()))

    def full(self, shape: tuple[int, ...], fill_value: Any, dtype: str | None = None) -> Array:
        if dtype is None:
            dtype = (dtype_name(to_tensor(fill_value)) if not is_weak(fill_value)
                     else result_type(fill_value))
        return jnp.full(shape, to_tensor(fill_value, dtype), dtype=jax_dtype(dtype))

    def arange(self, start: Any, stop: Any = None, step: Any = 1,
               dtype: str | None = None) -> Array:
        if stop is None:
            start, stop = 0, start
        if step is None:
            step = 1
        if dtype is None:
            dtype = result_type(*(operand_dtype(v) for v in (start, stop, step)))
        return jnp.arange(start, stop, step, dtype=jax_dtype(dtype))

    def eye(self, N: int, M: int | None = None, k: int = 0, dtype: str | None = None) -> Array:
        return jnp.eye(N, M, k, dtype=jax_dtype(dtype or config.floatx()))

    def linspace(self, start: Any, stop: Any, num: int = 50, endpoint: bool = True,
                 dtype: str | None = None) -> Array:
        return jnp.linspace(start, stop, num, endpoint=endpoint,
                            dtype=jax_dtype(dtype or config.floatx()))
