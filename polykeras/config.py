"""Global settings: the active backend's name, floatx, epsilon, image data format.

Example:
    >>> import polykeras
    >>> polykeras.config.floatx()
    'float32'
"""

from __future__ import annotations

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def backend() -> str:
    """Name of the active backend ("numpy", "torch", "jax", "tensorflow", ...)."""
    from polykeras.backend import selection

    return selection.active_name()


def set_backend(name: str) -> None:
    """Make ``name`` the default backend for this process.

    Models built before keep running on the backend they were built on.
    """
    from polykeras.backend import selection

    selection.set_default(name)


def floatx() -> str:
    """Default float dtype name."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype: "float16", "bfloat16", "float32" or "float64"."""
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx {value!r}. Expected one of float16, bfloat16, float32, float64."
        )
    _FLOATX = value


def epsilon() -> float:
    """Fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """"channels_last" (the default) or "channels_first": the layout image layers and
    ops assume when their ``data_format`` is None."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"image_data_format must be 'channels_last' or 'channels_first', received "
            f"{value!r}."
        )
    _IMAGE_DATA_FORMAT = value


def dtype_policy() -> object:
    """The default dtype policy of new layers (a :class:`~polykeras.dtype_policies.DTypePolicy`).

    Example:
        >>> dtype_policy().name
        'float32'
    """
    from polykeras import dtype_policies

    return dtype_policies.global_policy()


def set_dtype_policy(policy: object) -> None:
    """Set the default dtype policy: a float dtype name, ``"mixed_float16"``,
    ``"mixed_bfloat16"``, a ``DTypePolicy``, or None for ``floatx()``."""
    from polykeras import dtype_policies

    dtype_policies.set_global_policy(policy)
