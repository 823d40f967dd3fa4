"""Conversion to and from NumPy arrays, dtypes, and the input unwrapping every op uses.

Tensors of this backend are plain ``np.ndarray`` (and NumPy scalars); under
``value_and_grad`` they may be traced :class:`~polykeras.backends.numpy.autodiff.Node`.

Example:
    >>> convert_to_tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> convert_to_tensor(3).dtype
    dtype('int32')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras import config
from polykeras.backend.dtypes import result_type, standardize_dtype

from .autodiff import Node, record
from .tracing import Tracer

ndarray = np.ndarray
_generic = np.generic
_PY_SCALARS = (bool, int, float)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

_np_dtypes: dict[Any, np.dtype] = {}
_promotions: dict[tuple[np.dtype, np.dtype], np.dtype] = {}
_dtype_names: dict[Any, str] = {}


# ------------------------------------------------------------------------------ dtypes
def np_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype for a standard dtype name (bfloat16 through ``ml_dtypes``).

    Example:
        >>> np_dtype("float32")
        dtype('float32')
    """
    d = _np_dtypes.get(dtype)
    if d is not None:
        return d
    name = standardize_dtype(dtype)
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as exc:
            raise TypeError(
                "The numpy backend needs the `ml_dtypes` package for bfloat16 "
                f"(received dtype {dtype!r}). Install it with `pip install ml-dtypes`, or "
                "use float16/float32."
            ) from exc
        d = np.dtype(ml_dtypes.bfloat16)
    else:
        d = np.dtype(name)
    _np_dtypes[dtype] = d
    return d


def has_bfloat16() -> bool:
    try:
        import ml_dtypes  # noqa: F401
    except ImportError:
        return False
    return True


def floatx_dtype() -> np.dtype:
    return np_dtype(config.floatx())


def is_float_dtype(d: np.dtype) -> bool:
    kind = d.kind
    return kind == "f" or (kind == "V" and d.name == "bfloat16")


def promote(d1: np.dtype, d2: np.dtype) -> np.dtype:
    """The common dtype of two array dtypes under the project's promotion rule."""
    key = (d1, d2)
    d = _promotions.get(key)
    if d is None:
        d = _promotions[key] = np_dtype(result_type(d1.name, d2.name))
    return d


def dtype(x: Any) -> str:
    """Standard dtype name of a tensor-like.

    Example:
        >>> dtype(np.zeros(2, np.int8))
        'int8'
    """
    t = type(x)
    if t is ndarray:
        d = x.dtype
    elif t is Node:
        d = x.value.dtype
    else:
        d = getattr(x, "dtype", None)
        if d is None:
            d = unwrap(x)[0].dtype
    name = _dtype_names.get(d)
    if name is None:
        name = standardize_dtype(d)
        if isinstance(d, np.dtype):
            _dtype_names[d] = name
    return name


def shape(x: Any) -> tuple[int, ...]:
    """Static shape as a tuple of ints."""
    t = type(x)
    if t is ndarray:
        return x.shape
    if t is Node:
        return x.value.shape
    s = getattr(x, "shape", None)
    if s is None:
        return tuple(np.shape(unwrap(x)[0]))
    return tuple(s)


def is_tensor(x: Any) -> bool:
    """True for NumPy arrays, NumPy scalars and traced values."""
    return type(x) is ndarray or type(x) is Node or isinstance(x, (ndarray, _generic, Node,
                                                                    Tracer))


# -------------------------------------------------------------------------- conversion
def _from_python(x: Any) -> np.ndarray:
    """Array from Python scalars or nested lists, with float -> floatx, int -> int32."""
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype != floatx_dtype():
        if arr.dtype.itemsize == 8:
            arr = arr.astype(floatx_dtype())
    elif kind == "i" and arr.dtype.itemsize == 8:
        if arr.size == 0 or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX):
            arr = arr.astype(np.int32)
    elif kind == "O":
        raise TypeError(
            f"Cannot convert {type(x).__name__} to a numpy tensor: received a value NumPy "
            "stores as objects (ragged nesting or unsupported items). Pass a rectangular "
            "nested list of numbers or an array."
        )
    return arr


def _contains_node(x: Any) -> bool:
    for i in x:
        if type(i) is Node:
            return True
        if isinstance(i, (list, tuple)) and _contains_node(i):
            return True
    return False


def convert_to_tensor(x: Any, dtype: str | None = None) -> Any:
    """Tensor from a tensor-like; float64 arrays and Python floats become ``floatx()``.

    Example:
        >>> convert_to_tensor(np.zeros(2)).dtype
        dtype('float32')
    """
    t = type(x)
    if t is ndarray:
        if dtype is None:
            if x.dtype.kind == "f" and x.dtype.itemsize == 8 and config.floatx() != "float64":
                return x.astype(floatx_dtype())
            return x
        d = np_dtype(dtype)
        return x if x.dtype == d else x.astype(d)
    if t is Node or t is Tracer:
        if dtype is None:
            return x
        return cast(x, dtype)
    if isinstance(x, _generic):
        return convert_to_tensor(np.asarray(x), dtype)
    conv = getattr(x, "__polykeras_tensor__", None)
    if conv is not None:
        return convert_to_tensor(conv(), dtype)
    if isinstance(x, (list, tuple)) and _contains_node(x):
        from .shape_ops import stack

        out = stack([convert_to_tensor(i) for i in x], 0)
        return out if dtype is None else cast(out, dtype)
    if isinstance(x, Node):
        return x if dtype is None else cast(x, dtype)
    if dtype is not None:
        d = np_dtype(dtype)
        if isinstance(x, (list, tuple, *_PY_SCALARS)):
            return np.asarray(x, dtype=d)
        arr = np.asarray(x)
        return arr if arr.dtype == d else arr.astype(d)
    if isinstance(x, (list, tuple, *_PY_SCALARS)):
        return _from_python(x)
    arr = np.asarray(x)
    if arr.dtype.kind == "O":
        return _from_python(x)
    if arr.dtype.kind == "f" and arr.dtype.itemsize == 8:
        arr = arr.astype(floatx_dtype())
    return arr


def from_dlpack(x: Any) -> np.ndarray:
    """A NumPy array sharing the memory of a CPU ``__dlpack__`` object."""
    return np.from_dlpack(x)


def convert_to_numpy(x: Any) -> np.ndarray:
    """A NumPy array holding the value: a copy, so changing it never changes a tensor
    (or a variable) that shares the buffer. Traced values are unwrapped."""
    return np.array(unwrap(x)[0])


def unwrap(x: Any) -> tuple[Any, Node | None]:
    """``(array, node)`` for any tensor-like: ``node`` is the traced input or ``None``."""
    t = type(x)
    if t is ndarray:
        return x, None
    if t is Node:
        return x.value, x
    return _unwrap_slow(x)


def _unwrap_slow(x: Any) -> tuple[Any, Node | None]:
    if type(x) is Tracer:  # an array being recorded by jit
        return x, None
    conv = getattr(type(x), "__polykeras_tensor__", None)
    if conv is not None:  # a Variable
        v = conv(x)
        t = type(v)
        if t is ndarray:
            return v, None
        if t is Node:
            return v.value, v
        return unwrap(v)
    if isinstance(x, _generic):
        return x, None
    if isinstance(x, Node):
        return x.value, x
    if isinstance(x, ndarray):
        return np.asarray(x), None
    conv = getattr(x, "__polykeras_tensor__", None)
    if conv is not None:
        return unwrap(conv())
    out = convert_to_tensor(x)
    if type(out) is Node:
        return out.value, out
    return out, None


def unwrap_float(x: Any) -> tuple[Any, Node | None]:
    """Like :func:`unwrap`, with integer and bool inputs cast to ``floatx()``."""
    a, n = unwrap(x)
    if not is_float_dtype(a.dtype):
        a = a.astype(floatx_dtype())
    return a, n


def _weak(arr: Any, scalar: Any) -> tuple[Any, Any]:
    """``(arr, scalar)`` adjusted so a Python scalar operand is weak.

    A float scalar makes an integer array ``floatx()``; an int scalar makes a bool array
    int32; with a bfloat16 array (which NumPy does not promote weakly) the scalar
    becomes a bfloat16 array.
    """
    kind = arr.dtype.kind
    t = type(scalar)
    if kind == "V":
        return arr, np.asarray(scalar, arr.dtype)
    if t is float:
        if kind in "biu":
            return arr.astype(floatx_dtype()), scalar
    elif t is int and kind == "b":
        return arr.astype(np.int32), scalar
    return arr, scalar


def unwrap2(x1: Any, x2: Any) -> tuple[Any, Any, Node | None, Node | None]:
    """``(a, b, node_a, node_b)`` for a binary op, cast to their common dtype.

    Python scalars stay Python scalars (NumPy treats them as weak), except that a float
    scalar makes an integer array ``floatx()``.
    """
    t1 = type(x1)
    if t1 is ndarray:
        a, n1 = x1, None
    elif t1 is Node:
        a, n1 = x1.value, x1
    elif t1 is float or t1 is int or t1 is bool:
        a, n1 = x1, None
    else:
        a, n1 = _unwrap_slow(x1)
    t2 = type(x2)
    if t2 is ndarray:
        b, n2 = x2, None
    elif t2 is Node:
        b, n2 = x2.value, x2
    elif t2 is float or t2 is int or t2 is bool:
        b, n2 = x2, None
    else:
        b, n2 = _unwrap_slow(x2)
    sa = type(a) in _PY_SCALARS
    sb = type(b) in _PY_SCALARS
    if not sa and not sb:
        da, db = a.dtype, b.dtype
        if da is not db and da != db:
            d = promote(da, db)
            if da != d:
                a = a.astype(d)
            if db != d:
                b = b.astype(d)
    elif sb:
        if sa:
            d = np_dtype(result_type(a, b))
            a, b = np.asarray(a, d), np.asarray(b, d)
        else:
            a, b = _weak(a, b)
    else:
        b, a = _weak(b, a)
    return a, b, n1, n2


def unwrap_many(xs: Any) -> tuple[list[Any], list[Node | None]]:
    """Arrays (cast to their common dtype) and nodes for a sequence of tensor-likes."""
    arrays, nodes = [], []
    for x in xs:
        a, n = unwrap(x)
        arrays.append(a)
        nodes.append(n)
    dts = {a.dtype for a in arrays}
    if len(dts) > 1:
        d = np_dtype(result_type(*[str(dt.name) for dt in dts]))
        arrays = [a if a.dtype == d else a.astype(d) for a in arrays]
    return arrays, nodes


# ------------------------------------------------------------------------------- cast
def cast(x: Any, dtype: str) -> Any:
    """``x`` converted to ``dtype`` (``x`` itself when it already is).

    Float-to-float casts are differentiable; casts to or from integers are not.
    """
    d = _np_dtypes.get(dtype) or np_dtype(dtype)
    t = type(x)
    if t is ndarray:
        if x.dtype == d:
            return x
        a, n = x, None
    elif t is Node:
        a, n = x.value, x
        if a.dtype == d:
            return x
    else:
        a, n = unwrap(x)
        if a.dtype == d:
            return a
    out = a.astype(d)
    if n is None or not is_float_dtype(d):
        return out
    src = a.dtype
    return record(out, (n,), lambda g: (g.astype(src),))


def stop_gradient(x: Any) -> Any:
    """The value of ``x`` with no gradient history."""
    return unwrap(x)[0]
