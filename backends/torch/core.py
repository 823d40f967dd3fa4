"""Conversion, dtypes, devices and tensor creation for the torch adapter.

The module-level functions here (``to_tensor``, ``as_float``, ``pair`` ...) are what every
other module of the adapter builds on; they are plain functions rather than methods so
that the per-op overhead stays a few attribute lookups.

Example:
    >>> from polykeras.backends.torch import core
    >>> core.convert([1.0, 2.0]).dtype
    torch.float32
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from polykeras import config
from polykeras.backend.dtypes import result_type, standardize_dtype

Tensor = torch.Tensor

#: Standard dtype name -> torch dtype.
TORCH_DTYPES: dict[str, torch.dtype] = {
    "bool": torch.bool,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
}
#: torch dtype -> standard dtype name.
DTYPE_NAMES: dict[torch.dtype, str] = {v: k for k, v in TORCH_DTYPES.items()}

#: Integer/bool dtypes that sums and products widen, as keras.ops does.
_WIDENED_ACCUMULATION = {
    torch.bool: torch.int32,
    torch.int8: torch.int32,
    torch.int16: torch.int32,
    torch.uint8: torch.uint32,
    torch.uint16: torch.uint32,
}

DEVICE = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")

#: Attribute set on RNG keys: they stay on the CPU when converted (reading them is then
#: never a device sync).
RNG_KEY_MARK = "_polykeras_rng_key"

_SCALARS = (int, float)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def torch_dtype(dtype: Any) -> torch.dtype:
    """The torch dtype for a standard name (or anything ``standardize_dtype`` accepts).

    Example:
        >>> torch_dtype("float32")
        torch.float32
    """
    found = TORCH_DTYPES.get(dtype) if isinstance(dtype, str) else None
    if found is not None:
        return found
    if isinstance(dtype, torch.dtype):
        if dtype in DTYPE_NAMES:
            return dtype
        raise ValueError(
            f"Unsupported torch dtype {dtype}. Expected one of {', '.join(TORCH_DTYPES)}."
        )
    return TORCH_DTYPES[standardize_dtype(dtype)]


def dtype_name(dtype: torch.dtype) -> str:
    """The standard name of a torch dtype."""
    name = DTYPE_NAMES.get(dtype)
    if name is None:
        raise ValueError(
            f"Tensor dtype {dtype} has no polykeras equivalent. Expected one of "
            f"{', '.join(TORCH_DTYPES)}; cast the tensor first."
        )
    return name


def floatx_dtype() -> torch.dtype:
    """The torch dtype of ``polykeras.config.floatx()``."""
    return TORCH_DTYPES[config.floatx()]


def _numpy_default_dtype(arr: np.ndarray, from_python: bool) -> str:
    kind = arr.dtype.kind
    if kind == "f":
        return config.floatx() if arr.dtype == np.float64 else arr.dtype.name
    if kind in "iu":
        if from_python and arr.dtype == np.int64:
            if arr.size == 0 or (_INT32_MIN <= arr.min() and arr.max() <= _INT32_MAX):
                return "int32"
            return "int64"
        return arr.dtype.name
    if kind == "b":
        return "bool"
    if arr.dtype.name == "bfloat16":
        return "bfloat16"
    raise ValueError(
        f"Cannot convert an array of dtype {arr.dtype} to a torch tensor. Expected a "
        f"boolean, integer or floating-point array."
    )


def _from_numpy(arr: np.ndarray, dtype: str) -> Tensor:
    if arr.dtype.kind not in "biuf":
        if arr.dtype.name == "bfloat16":
            arr = arr.astype(np.float32)
        else:
            raise ValueError(
                f"Cannot convert an array of dtype {arr.dtype} to a torch tensor. Expected "
                "a boolean, integer or floating-point array."
            )
    if any(s < 0 for s in arr.strides):
        arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:
        # A read-only view (of a DataFrame, a TensorFlow or JAX array) becomes a tensor
        # without a copy; polykeras never writes into inputs, so torch's warning is moot.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.as_tensor(arr, dtype=TORCH_DTYPES[dtype], device=DEVICE)
    return torch.as_tensor(arr, dtype=TORCH_DTYPES[dtype], device=DEVICE)


def _scalar_dtype(x: Any) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int32" if _INT32_MIN <= x <= _INT32_MAX else "int64"
    return config.floatx()


def _contains_tensor(x: Any) -> bool:
    for item in x:
        if isinstance(item, Tensor) or hasattr(item, "__polykeras_tensor__"):
            return True
        if isinstance(item, (list, tuple)) and _contains_tensor(item):
            return True
    return False


#: NumPy dtypes whose arrays keep their dtype on conversion (float64 becomes floatx()).
_SAME_DTYPE: dict[np.dtype, torch.dtype] = {
    np.dtype(name): TORCH_DTYPES[name]
    for name in ("float32", "float16", "int8", "int16", "int32", "int64", "uint8", "bool")
}


def convert(x: Any, dtype: Any = None) -> Tensor:
    """A torch tensor on :data:`DEVICE` from any tensor-like (see the protocol rules).

    Tensors elsewhere move to :data:`DEVICE`, except RNG keys, which stay on the CPU.

    Example:
        >>> convert(np.zeros(2)).dtype, convert(3).dtype
        (torch.float32, torch.int32)
    """
    if isinstance(x, Tensor):
        if dtype is not None:
            td = torch_dtype(dtype)
            if x.dtype is not td:
                x = x.to(td)
        if x.device.type != DEVICE.type and not getattr(x, RNG_KEY_MARK, False):
            x = x.to(DEVICE)
        return x
    if type(x) is np.ndarray and dtype is None:
        td = _SAME_DTYPE.get(x.dtype)
        if td is not None and x.flags.c_contiguous and x.flags.writeable:
            t = torch.from_numpy(x)  # shares the host buffer, as torch.as_tensor does
            return t if DEVICE.type == "cpu" else t.to(DEVICE)
    unwrap = getattr(type(x), "__polykeras_tensor__", None)
    if unwrap is not None:
        return convert(unwrap(x), dtype)
    name = None if dtype is None else standardize_dtype(dtype)
    if isinstance(x, (bool, int, float)):
        return torch.full((), x, dtype=TORCH_DTYPES[name or _scalar_dtype(x)], device=DEVICE)
    if isinstance(x, np.ndarray):
        return _from_numpy(x, name or _numpy_default_dtype(x, False))
    if isinstance(x, np.generic):
        arr = np.asarray(x)
        return _from_numpy(arr, name or _numpy_default_dtype(arr, False))
    if isinstance(x, (list, tuple)):
        if _contains_tensor(x):
            parts = [convert(item) for item in x]
            common = name or result_type(*[dtype_name(p.dtype) for p in parts])
            td = TORCH_DTYPES[common]
            return torch.stack([p if p.dtype is td else p.to(td) for p in parts])
        arr = np.asarray(x)
        return _from_numpy(arr, name or _numpy_default_dtype(arr, True))
    if hasattr(x, "__dlpack__") and not hasattr(x, "__array__"):
        t = torch.from_dlpack(x)
        return convert(t, dtype)
    try:
        arr = np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - re-raised with a clearer message
        raise TypeError(
            f"Cannot convert {type(x).__name__} to a torch tensor. Expected a torch tensor, "
            "NumPy array, Python scalar or (nested) list."
        ) from exc
    if arr.dtype == object:
        raise TypeError(
            f"Cannot convert {type(x).__name__} to a torch tensor. Expected a torch tensor, "
            "NumPy array, Python scalar or (nested) list of numbers."
        )
    return _from_numpy(arr, name or _numpy_default_dtype(arr, False))


def to_tensor(x: Any) -> Tensor:
    """``x`` as a tensor, keeping a tensor's dtype (the fast path of every op)."""
    if type(x) is Tensor or isinstance(x, Tensor):
        return x
    return convert(x)


def as_float(x: Any) -> Tensor:
    """``x`` as a floating-point tensor: integer and bool inputs become ``floatx()``."""
    if not isinstance(x, Tensor):
        x = convert(x)
    if x.is_floating_point():
        return x
    return x.to(TORCH_DTYPES[config.floatx()])


def _weak(t: Tensor, s: int | float) -> Tensor:
    """Cast ``t`` for an op with the weak Python scalar ``s`` (the dtype rule)."""
    if t.is_floating_point():
        return t
    if isinstance(s, float):
        return t.to(TORCH_DTYPES[config.floatx()])
    if t.dtype is torch.bool and not isinstance(s, bool):
        return t.to(torch.int32)
    return t


def pair(x1: Any, x2: Any) -> tuple[Any, Any]:
    """Operands of a binary op, cast to their common dtype.

    Tensors (and tensor-likes) come back as tensors of ``result_type``; a Python scalar
    comes back unchanged (it is weak: torch applies it in the other side's dtype). When
    both are Python scalars, both become tensors.

    Example:
        >>> a, b = pair(torch.ones(2, dtype=torch.int32), 0.5)
        >>> a.dtype, b
        (torch.float32, 0.5)
    """
    if type(x1) is Tensor and type(x2) is Tensor and x1.dtype is x2.dtype:
        return x1, x2
    if isinstance(x1, Tensor):
        if isinstance(x2, Tensor):
            d1, d2 = x1.dtype, x2.dtype
            if d1 is d2:
                return x1, x2
            td = TORCH_DTYPES[result_type(DTYPE_NAMES[d1], DTYPE_NAMES[d2])]
            return (x1 if d1 is td else x1.to(td)), (x2 if d2 is td else x2.to(td))
        if isinstance(x2, _SCALARS):
            return _weak(x1, x2), x2
        return pair(x1, convert(x2))
    if isinstance(x1, _SCALARS):
        if isinstance(x2, Tensor):
            return x1, _weak(x2, x1)
        if isinstance(x2, _SCALARS):
            td = TORCH_DTYPES[result_type(x1, x2)]
            return (torch.full((), x1, dtype=td, device=DEVICE),
                    torch.full((), x2, dtype=td, device=DEVICE))
        return pair(x1, convert(x2))
    return pair(convert(x1), x2)


def tensor_pair(x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    """Like :func:`pair`, but both results are tensors (for ops without scalar overloads)."""
    a, b = pair(x1, x2)
    if not isinstance(a, Tensor):
        a = torch.full((), a, dtype=b.dtype, device=b.device)
    elif not isinstance(b, Tensor):
        b = torch.full((), b, dtype=a.dtype, device=a.device)
    return a, b


def promote(xs: Sequence[Any]) -> list[Tensor]:
    """All of ``xs`` as tensors of their common ``result_type`` (Python scalars weak)."""
    items = [x if isinstance(x, (Tensor, bool, int, float)) else convert(x) for x in xs]
    tensors = [x for x in items if isinstance(x, Tensor)]
    first = tensors[0].dtype if tensors else None
    if tensors and len(tensors) == len(items) and all(t.dtype is first for t in tensors):
        return tensors
    keys = [DTYPE_NAMES[x.dtype] if isinstance(x, Tensor) else x for x in items]
    td = TORCH_DTYPES[result_type(*keys)]
    out = []
    for x in items:
        if isinstance(x, Tensor):
            out.append(x if x.dtype is td else x.to(td))
        else:
            out.append(torch.full((), x, dtype=td, device=DEVICE))
    return out


def accumulation_dtype(t: Tensor) -> torch.dtype | None:
    """The dtype sums/products of ``t`` are computed in (``None``: keep ``t``'s dtype)."""
    if t.is_floating_point():
        return None
    return _WIDENED_ACCUMULATION.get(t.dtype, t.dtype)


def normalize_axis(axis: int, ndim: int) -> int:
    """A non-negative axis, with a clear error when out of range."""
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(
            f"axis {axis} is out of bounds for a tensor of rank {ndim}; expected an axis in "
            f"[{-ndim}, {ndim - 1}]."
        )
    return axis % ndim if ndim else 0


class CoreOps:
    """Capabilities, conversion and creation."""

    name = "torch"

    def supports(self, capability: str) -> bool:
        """Whether the adapter has ``capability`` (see ``protocol.CAPABILITIES``).

        Example:
            >>> TorchBackend().supports("jit")
            False
        """
        if capability == "gpu":
            return DEVICE.type != "cpu"
        return capability in ("bfloat16", "float64")

    @property
    def device(self) -> str:
        """Where new tensors live: ``"cpu"`` or ``"cuda:<index>"``."""
        if DEVICE.type == "cuda":
            return f"cuda:{torch.cuda.current_device()}"
        return DEVICE.type

    # ------------------------------------------------------------------ conversion
    def is_tensor(self, x: Any) -> bool:
        return type(x) is Tensor or isinstance(x, Tensor)

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        """A tensor on the adapter's device; see :func:`convert`.

        Example:
            >>> TorchBackend().convert_to_tensor([1, 2]).dtype
            torch.int32
        """
        return convert(x, dtype)

    def convert_to_numpy(self, x: Any) -> np.ndarray:
        """A NumPy copy of ``x`` (bfloat16 comes back as float32, NumPy has no bfloat16)."""
        t = convert(x) if not isinstance(x, Tensor) else x
        t = t.detach()
        if t.dtype is torch.bfloat16:
            t = t.float()
        if t.device.type == "cpu":
            return t.numpy().copy()
        return t.cpu().numpy()

    def from_dlpack(self, x: Any) -> Tensor:
        """A tensor sharing the memory of any ``__dlpack__`` object, moved to the
        adapter's device only when it lives elsewhere."""
        t = torch.from_dlpack(x)
        return t if t.device == DEVICE else t.to(DEVICE)

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(to_tensor(x).shape)

    def dtype(self, x: Any) -> str:
        return dtype_name(to_tensor(x).dtype)

    def cast(self, x: Any, dtype: str) -> Tensor:
        x = to_tensor(x)
        td = torch_dtype(dtype)
        return x if x.dtype is td else x.to(td)

    # -------------------------------------------------------------------- creation
    def zeros(self, shape: Sequence[int], dtype: str | None = None) -> Tensor:
        return torch.zeros(_shape(shape), dtype=dtype_or_floatx(dtype), device=DEVICE)

    def ones(self, shape: Sequence[int], dtype: str | None = None) -> Tensor:
        return torch.ones(_shape(shape), dtype=dtype_or_floatx(dtype), device=DEVICE)

    def full(self, shape: Sequence[int], fill_value: Any, dtype: str | None = None) -> Tensor:
        shape = _shape(shape)
        if isinstance(fill_value, (bool, int, float)):
            td = torch_dtype(dtype) if dtype is not None else TORCH_DTYPES[_scalar_dtype(fill_value)]
            return torch.full(shape, fill_value, dtype=td, device=DEVICE)
        value = convert(fill_value, dtype)
        return torch.broadcast_to(value, shape).clone()

    def arange(self, start: Any, stop: Any = None, step: Any = 1,
               dtype: str | None = None) -> Tensor:
        if stop is None:
            start, stop = 0, start
        if step is None:
            step = 1
        if dtype is None:
            dtype = result_type(start, stop, step)
        td = torch_dtype(dtype)
        if td.is_floating_point and td is not torch.float64:
            # Computed in float64 like NumPy, then rounded once.
            return torch.arange(start, stop, step, dtype=torch.float64, device=DEVICE).to(td)
        return torch.arange(start, stop, step, dtype=td, device=DEVICE)

    def eye(self, N: int, M: int | None = None, k: int = 0,
            dtype: str | None = None) -> Tensor:
        M = N if M is None else M
        td = dtype_or_floatx(dtype)
        if k == 0:
            return torch.eye(N, M, dtype=td, device=DEVICE)
        rows = torch.arange(N, device=DEVICE).unsqueeze(1)
        cols = torch.arange(M, device=DEVICE)
        return (cols - rows == k).to(td)

    def linspace(self, start: Any, stop: Any, num: int = 50, endpoint: bool = True,
                 dtype: str | None = None) -> Tensor:
        td = dtype_or_floatx(dtype)
        if num < 0:
            raise ValueError(f"linspace expected num >= 0, received num={num}.")
        if isinstance(start, (int, float)) and isinstance(stop, (int, float)):
            if endpoint:
                out = torch.linspace(start, stop, num, dtype=torch.float64, device=DEVICE)
            else:
                out = torch.linspace(start, stop, num + 1, dtype=torch.float64,
                                     device=DEVICE)[:num]
        else:
            s = convert(start, "float64")
            e = convert(stop, "float64")
            div = (num - 1) if endpoint else num
            steps = torch.arange(num, dtype=torch.float64, device=DEVICE)
            steps = steps.reshape((num,) + (1,) * max(s.ndim, e.ndim))
            out = s + (e - s) * (steps / max(div, 1))
            if endpoint and num > 1:
                out[-1] = e
        if not td.is_floating_point:
            out = torch.floor(out)
        return out.to(td)


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(shape)


def dtype_or_floatx(dtype: Any) -> torch.dtype:
    """The torch dtype for ``dtype``, or ``floatx()``'s when it is None."""
    return TORCH_DTYPES[config.floatx()] if dtype is None else torch_dtype(dtype)
