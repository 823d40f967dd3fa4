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

__all__ = [
    "Backend", "BackendNotFoundError", "BackendUnavailableError", "available", "current",
    "register", "result_type", "standardize_dtype", "use",
]
