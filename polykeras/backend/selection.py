"""Which backend is active: ``POLYKERAS_BACKEND`` > config file > ``"numpy"``.

The choice is per thread and per asyncio task: :func:`use` sets a context variable, so a
``with use("jax"):`` block in one thread never changes what another thread (or task)
sees. :func:`set_default` (``polykeras.config.set_backend``) sets the process default,
which every context without its own ``use`` block follows.

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
import contextvars
import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from polykeras.backend import registry

_default_name: str | None = None
_default: Any = None  # the process default adapter; None until first use
_lock = threading.Lock()

#: The adapter chosen by the innermost ``use`` block of this thread or task (or None).
_override: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "polykeras_backend", default=None)

#: ``active()``: the adapter of the innermost ``use`` block here, or None outside any.
#: The hot dispatch path of ``polykeras.ops`` calls it as ``active() or current()``.
active = _override.get


def config_path() -> str:
    home = os.environ.get("POLYKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".polykeras")
    return os.path.join(home, "polykeras.json")


def _configured_name() -> str:
    env = os.environ.get("POLYKERAS_BACKEND")
    if env and env.strip():
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
    """The process default's canonical name, validated at first use (an unknown name
    or a framework that is not installed raises here, before any work is done)."""
    global _default_name
    if _default_name is None:
        _default_name = registry.resolve(_configured_name())
    return _default_name


def set_default(name: str) -> None:
    """Make ``name`` the process default (the backend of every context outside ``use``)."""
    global _default_name, _default
    inst = registry.get(name)
    with _lock:
        _default_name = inst.name
        _default = inst


def _load_default() -> Any:
    global _default
    inst = registry.get(default_name())
    with _lock:
        if _default is None:
            _default = inst
        return _default


def current() -> Any:
    """The active adapter instance here (loaded at first use)."""
    return _override.get() or _default or _load_default()


def active_name() -> str:
    b = _override.get() or _default
    if b is not None:
        return b.name
    return default_name()


def get(name: str | Any) -> Any:
    """Adapter for a name (or the adapter itself)."""
    return registry.get(name) if isinstance(name, str) else name


@contextlib.contextmanager
def use(name: str | Any) -> Iterator[Any]:
    """Run a block on another backend: ``with polykeras.backend.use("jax"): ...``.

    Only the current thread (or asyncio task) sees the change.
    """
    inst = get(name)
    previous = _override.get()
    token = _override.set(inst)
    try:
        yield inst
    finally:
        try:
            _override.reset(token)
        except ValueError:  # exited in another context (a generator resumed elsewhere)
            _override.set(previous)
