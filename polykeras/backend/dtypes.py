"""Standard dtype names and the one promotion rule every backend follows.

Example:
    >>> from polykeras.backend.dtypes import result_type
    >>> result_type("int32", "float16")
    'float16'
    >>> result_type("float32", 2.0)     # Python scalars are weak
    'float32'
"""

from __future__ import annotations

from typing import Any

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
INT_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
ALLOWED_DTYPES = ("bool",) + INT_TYPES + FLOAT_TYPES

_ALIASES = {
    "float": "float32", "double": "float64", "half": "float16", "int": "int64",
    "long": "int64", "bool_": "bool", "boolean": "bool",
}

_FLOAT_RANK = {"bfloat16": 1, "float16": 1, "float32": 2, "float64": 3}


def standardize_dtype(dtype: Any) -> str:
    """The standard name for ``dtype`` (a string, NumPy dtype, Python type or framework
    dtype with a ``name``). Raises ``ValueError`` naming the allowed dtypes otherwise.

    Example:
        >>> standardize_dtype("float")
        'float32'
    """
    if dtype is None:
        from polykeras.config import floatx

        return floatx()
    if dtype is float:
        return "float32"
    if dtype is int:
        return "int64"
    if dtype is bool:
        return "bool"
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name is None and hasattr(dtype, "__name__"):
        name = dtype.__name__
    if name is None:
        name = str(dtype)
    name = str(name).replace("torch.", "").replace("tf.", "").replace("<dtype: '", "").rstrip("'>")
    name = _ALIASES.get(name, name)
    if name not in ALLOWED_DTYPES:
        raise ValueError(
            f"Invalid dtype: received {dtype!r}. Expected one of {', '.join(ALLOWED_DTYPES)}."
        )
    return name


def is_float(dtype: str) -> bool:
    return dtype in _FLOAT_RANK


def is_int(dtype: str) -> bool:
    return dtype in INT_TYPES


def _promote_two(a: str, b: str) -> str:
    if a == b:
        return a
    fa, fb = a in _FLOAT_RANK, b in _FLOAT_RANK
    if fa and fb:
        ra, rb = _FLOAT_RANK[a], _FLOAT_RANK[b]
        if ra == rb:  # bfloat16 with float16
            return "float32"
        return a if ra > rb else b
    if fa:
        return a
    if fb:
        return b
    if a == "bool":
        return b
    if b == "bool":
        return a
    import numpy as np

    return np.promote_types(a, b).name


def result_type(*items: Any) -> str:
    """The dtype of an elementwise op over ``items`` (dtype names or Python scalars).

    Tensors' dtypes combine as NumPy's, except that integers never push a float to
    float64 (int32 with float32 is float32) and bfloat16 with float16 is float32.
    Python scalars are weak: a float scalar keeps a float tensor's dtype and makes an
    integer tensor ``floatx()``; an int scalar keeps any tensor's dtype.
    """
    from polykeras.config import floatx

    strong = [i for i in items if isinstance(i, str)]
    weak = [i for i in items if not isinstance(i, str)]
    if not strong:
        if any(isinstance(w, float) for w in weak):
            return floatx()
        if all(isinstance(w, bool) for w in weak):
            return "bool"
        return "int32"
    out = strong[0]
    for s in strong[1:]:
        out = _promote_two(out, s)
    if out in _FLOAT_RANK:
        return out
    if any(isinstance(w, float) for w in weak):
        return floatx()
    if out == "bool" and any(isinstance(w, int) and not isinstance(w, bool) for w in weak):
        return "int32"
    return out
