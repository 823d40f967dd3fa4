"""Which backend is active: ``POLYKERAS_BACKEND`` > config file > ``"numpy"``.

The config file is ``$POLYKERAS_HOME/polykeras.json`` (default ``~/.polykeras``), read
once and never written by polykeras.

Example:
    >>> import polykeras
    >>> with polykeras.backend.use("numpy"):
    ...     polykeras.config.backend()
    'numpy'
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from polykeras.backend import registry

_default_name: str | None = None
_active: Any = None  # the adapter instance ops dispatch to; None until first use


def config_path() -> str:
    home = os.environ.get("POLYKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".polykeras")
    return os.path.join(home, "polykeras.json")


def _configured_name() -> str:
    env = os.environ.get("POLYKERAS_BACKEND")
    if env:
        return env.strip()
    path = config_path()
    if os.path.exists(path):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"Could not read the polykeras config file {path}: {exc}. Fix or delete it."
            ) from exc
        name = data.get("backend") if isinstance(data, dict) else None
        if name:
            return str(name)
    return "numpy"


def default_name() -> str:
    global _default_name
    if _default_name is None:
        _default_name = _configured_name()
    return _default_name


def set_default(name: str) -> None:
    """Make ``name`` the process default (and the active backend outside ``use``)."""
    global _default_name, _active
    inst = registry.get(name)
    _default_name = name
    _active = inst


def current() -> Any:
    """The active adapter instance (loaded at first use)."""
    global _active
    b = _active
    if b is None:
        b = _active = registry.get(default_name())
    return b


def active_name() -> str:
    if _active is not None:
        return _active.name
    return default_name()


def get(name: str | Any) -> Any:
    """Adapter for a name (or the adapter itself)."""
    return registry.get(name) if isinstance(name, str) else name


@contextlib.contextmanager
def use(name: str | Any) -> Iterator[Any]:
    """Run a block on another backend: ``with polykeras.backend.use("jax"): ...``."""
    global _active
    inst = get(name)
    previous = _active
    _active = inst
    try:
        yield inst
    finally:
        _active = previous
