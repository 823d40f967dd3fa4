"""Adapters are found through the entry-point group ``polykeras.backends``.

The four built-in adapters register there too (see ``pyproject.toml``). A third-party
adapter is a package with an entry point such as::

    [project.entry-points."polykeras.backends"]
    cupy = "polykeras_cupy:CupyBackend"

or, for code that is not installed, :func:`register`.

Example:
    >>> from polykeras.backend import registry
    >>> sorted(registry.available())[:2]
    ['jax', 'numpy']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

GROUP = "polykeras.backends"

_BUILTIN = {
    "numpy": "polykeras.backends.numpy:NumpyBackend",
    "torch": "polykeras.backends.torch:TorchBackend",
    "jax": "polykeras.backends.jax:JaxBackend",
    "tensorflow": "polykeras.backends.tensorflow:TensorflowBackend",
}
#: The framework each built-in adapter needs, for the install hint.
_FRAMEWORK = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow", "numpy": "numpy"}

_factories: dict[str, Callable[[], Any] | str] = {}
_instances: dict[str, Any] = {}
_discovered = False


class BackendNotFoundError(ValueError):
    """Raised for an unknown backend name."""


class BackendUnavailableError(ImportError):
    """Raised when a backend's framework is not installed."""


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for name, target in _BUILTIN.items():
        _factories.setdefault(name, target)
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group=GROUP):
            if ep.name not in _factories or ep.name not in _BUILTIN:
                _factories[ep.name] = ep.value
    except Exception:  # pragma: no cover - broken metadata must not break import
        pass


def register(name: str, factory: Callable[[], Any] | str) -> None:
    """Register an adapter under ``name``: a zero-argument factory (a class works) or a
    ``"module:attribute"`` string. Replaces an earlier registration of that name."""
    _discover()
    _factories[name] = factory
    _instances.pop(name, None)


def available() -> list[str]:
    """Names of every registered backend (installed framework or not)."""
    _discover()
    return sorted(_factories)


def _load(target: Callable[[], Any] | str) -> Any:
    if not isinstance(target, str):
        return target()
    import importlib

    module_name, _, attr = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    return factory()


def get(name: str) -> Any:
    """The adapter instance for ``name``, created (and its framework imported) once."""
    inst = _instances.get(name)
    if inst is not None:
        return inst
    _discover()
    if name not in _factories:
        raise BackendNotFoundError(
            f"Unknown backend {name!r}. Available backends: {', '.join(available())}. "
            "Set POLYKERAS_BACKEND to one of them, or register a third-party adapter under "
            f"the entry-point group {GROUP!r}."
        )
    try:
        inst = _load(_factories[name])
    except ImportError as exc:
        package = _FRAMEWORK.get(name, name)
        raise BackendUnavailableError(
            f"The {name!r} backend needs {package!r}, which could not be imported ({exc}). "
            f'Install it with: pip install "polykeras[{name}]"  '
            f"(available backends: {', '.join(available())})."
        ) from exc
    from polykeras.backend.protocol import check_backend

    missing = check_backend(inst)
    if missing:
        raise TypeError(
            f"Backend {name!r} does not implement the polykeras Backend protocol; "
            f"missing: {', '.join(missing[:10])}."
        )
    _instances[name] = inst
    return inst
