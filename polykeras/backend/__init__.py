"""The adapter contract and backend selection.

Example:
    >>> import polykeras
    >>> polykeras.backend.current().name in polykeras.backend.available()
    True
"""

from polykeras.backend.dtypes import result_type, standardize_dtype
from polykeras.backend.protocol import Backend
from polykeras.backend.registry import (
    BackendNotFoundError,
    BackendUnavailableError,
    available,
    register,
)
from polykeras.backend.selection import current, use
from polykeras.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)


def backend() -> str:
    """The name of the active backend (as ``keras.backend.backend()``)."""
    return current().name


def is_float_dtype(dtype: object) -> bool:
    """Whether ``dtype`` is a floating-point dtype.

    Example:
        >>> is_float_dtype("bfloat16"), is_int_dtype("uint8")
        (True, True)
    """
    return "float" in standardize_dtype(dtype)


def is_int_dtype(dtype: object) -> bool:
    """Whether ``dtype`` is a (signed or unsigned) integer dtype."""
    return "int" in standardize_dtype(dtype)

__all__ = [
    "Backend", "BackendNotFoundError", "BackendUnavailableError", "available", "current",
    "register", "result_type", "standardize_dtype", "use", "backend", "epsilon", "floatx",
    "image_data_format", "is_float_dtype", "is_int_dtype", "set_epsilon", "set_floatx",
    "set_image_data_format",
]
