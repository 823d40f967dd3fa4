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

#: Other names users type for the built-in backends (compared in lower case).
_ALIASES = {"pytorch": "torch", "tf": "tensorflow", "np": "numpy", "tensorflow-cpu": "tensorflow"}
#: How to install a built-in backend's framework.
_INSTALL = {
    "torch": 'pip install ".[torch]" from a polykeras checkout (pip install torch); for the '
             "CPU-only build: pip install torch --index-url https://download.pytorch.org/whl/cpu",
    "jax": 'pip install ".[jax]" from a polykeras checkout (pip install jax)',
    "tensorflow": 'pip install ".[tensorflow-cpu]" (CPU only) or ".[tensorflow]" from a '
                  "polykeras checkout (pip install tensorflow-cpu, or tensorflow)",
}

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


def installed(name: str) -> bool:
    """Whether a registered backend's framework can be imported (checked without
    importing it; third-party adapters count as installed)."""
    framework = _FRAMEWORK.get(name)
    if framework is None:
        return True
    import importlib.util

    try:
        return importlib.util.find_spec(framework) is not None
    except (ImportError, ValueError):
        return False


def _install_hint(name: str) -> str:
    return _INSTALL.get(name, f'pip install "{name}"')


def _choices() -> str:
    names = available()
    ready = [n for n in names if installed(n)]
    missing = [n for n in names if n not in ready]
    text = f"Installed backends: {', '.join(ready)}."
    if missing:
        text += " Not installed: " + "; ".join(
            f"{n} ({_install_hint(n)})" for n in missing) + "."
    return text


def resolve(name: str) -> str:
    """The registered name for ``name``: case-insensitive, with the aliases ``pytorch``
    and ``tf``. Imports no framework.

    Raises:
        BackendNotFoundError: no backend has that name (the message suggests the closest).
        BackendUnavailableError: the backend's framework is not installed.

    Example:
        >>> resolve("PyTorch")
        'torch'
    """
    if not isinstance(name, str):
        raise BackendNotFoundError(
            f"A backend name must be a string, received {type(name).__name__} {name!r}.")
    _discover()
    key = name.strip()
    if key not in _factories:
        lowered = {n.lower(): n for n in _factories}
        key = lowered.get(key.lower()) or _ALIASES.get(key.lower(), key)
    if key not in _factories:
        import difflib

        close = difflib.get_close_matches(name.strip().lower(),
                                          [*_factories, *_ALIASES], n=1, cutoff=0.5)
        guess = f" Did you mean {_ALIASES.get(close[0], close[0])!r}?" if close else ""
        raise BackendNotFoundError(
            f"Unknown backend {name!r}.{guess} {_choices()} Set POLYKERAS_BACKEND to one of "
            f"them, or register a third-party adapter under the entry-point group {GROUP!r}."
        )
    if key not in _instances and not installed(key):
        raise BackendUnavailableError(
            f"The {key!r} backend needs {_FRAMEWORK.get(key, key)!r}, which is not installed. "
            f"Install it: {_install_hint(key)}. {_choices()}"
        )
    return key


def get(name: str) -> Any:
    """The adapter instance for ``name``, created (and its framework imported) once."""
    inst = _instances.get(name)
    if inst is not None:
        return inst
    name = resolve(name)
    inst = _instances.get(name)
    if inst is not None:
        return inst
    try:
        inst = _load(_factories[name])
    except ImportError as exc:
        package = _FRAMEWORK.get(name, name)
        raise BackendUnavailableError(
            f"The {name!r} backend needs {package!r}, which could not be imported ({exc}). "
            f"Install it: {_install_hint(name)}. {_choices()}"
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
