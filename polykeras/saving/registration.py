"""Custom objects: registration by name, scopes, and name look-up.

A class or function written by users is found at load time through one of three
sources, first match wins: the ``custom_objects=`` argument of the loading call, an
enclosing :func:`custom_object_scope`, and the global registry filled by
:func:`register_keras_serializable` (or by editing :func:`get_custom_objects`).

Example:
    >>> import polykeras
    >>> @polykeras.saving.register_keras_serializable(package="Demo")
    ... class Scale(polykeras.layers.Layer):
    ...     pass
    >>> polykeras.saving.get_registered_name(Scale)
    'Demo>Scale'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_GLOBAL_OBJECTS: dict[str, Any] = {}
_GLOBAL_NAMES: dict[Any, str] = {}
_scopes: list[dict[str, Any]] = []


def register_keras_serializable(package: str = "Custom",
                                name: str | None = None) -> Callable[[Any], Any]:
    """Register a class or function under ``"package>name"`` so saved files can name it.

    Args:
        package: the first part of the registered name.
        name: the second part (the object's ``__name__`` by default).

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:
        >>> @register_keras_serializable(package="Demo", name="double")
        ... def double_it(x):
        ...     return x * 2
        >>> get_registered_object("Demo>double") is double_it
        True
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: `package` must be a string without '>', "
            f"received {package!r}."
        )

    def decorator(obj: Any) -> Any:
        short = name if name is not None else getattr(obj, "__name__", None)
        if not short:
            raise ValueError(
                f"register_keras_serializable: cannot find a name for {obj!r}. Pass "
                "`name=`."
            )
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register class {obj.__name__}: it has no get_config() method. "
                "Define get_config() returning its constructor arguments."
            )
        key = f"{package}>{short}"
        _GLOBAL_OBJECTS[key] = obj
        _GLOBAL_NAMES[obj] = key
        return obj

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The live global registry ``{name: object}`` (editable).

    Example:
        >>> get_custom_objects()["my_fn"] = abs  # doctest: +SKIP
    """
    return _GLOBAL_OBJECTS


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is registered under, else its ``__name__``.

    Example:
        >>> get_registered_name(len)
        'len'
    """
    if obj in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj: Any) -> bool:
    """Whether ``obj`` was registered with :func:`register_keras_serializable`."""
    try:
        return obj in _GLOBAL_NAMES
    except TypeError:
        return False


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The object known as ``name``: from ``custom_objects``, the active scopes, the
    global registry, then ``module_objects``; None when absent.

    Example:
        >>> get_registered_object("missing") is None
        True
    """
    for source in _sources(custom_objects):
        if name in source:
            return source[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def find_by_short_name(name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Like :func:`get_registered_object`, and ``"Scale"`` also finds a registered
    ``"Package>Scale"`` when exactly one package registered that name (layer configs
    name activation functions by their short name).

    Example:
        >>> find_by_short_name("missing") is None
        True
    """
    found = get_registered_object(name, custom_objects)
    if found is not None or ">" in name:
        return found
    matches = [obj for key, obj in _GLOBAL_OBJECTS.items() if key.split(">", 1)[-1] == name]
    return matches[0] if len(matches) == 1 else None


def _sources(custom_objects: Mapping[str, Any] | None) -> Iterator[Mapping[str, Any]]:
    if custom_objects:
        yield custom_objects
    yield from reversed(_scopes)
    yield _GLOBAL_OBJECTS


class CustomObjectScope:
    """Make ``{name: object}`` mappings visible to deserialization inside a block.

    Example:
        >>> with CustomObjectScope({"double": lambda x: 2 * x}):
        ...     get_registered_object("double") is not None
        True
    """

    def __init__(self, *custom_objects: Mapping[str, Any] | None) -> None:
        merged: dict[str, Any] = {}
        for mapping in custom_objects:
            if mapping is None:
                continue
            if not isinstance(mapping, Mapping):
                raise TypeError(
                    "custom_object_scope expects dicts of {name: object}, received "
                    f"{type(mapping).__name__}: {mapping!r}."
                )
            merged.update(mapping)
        self.custom_objects = merged

    def __enter__(self) -> CustomObjectScope:
        _scopes.append(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        for i in range(len(_scopes) - 1, -1, -1):
            if _scopes[i] is self.custom_objects:
                del _scopes[i]
                break


def custom_object_scope(*custom_objects: Mapping[str, Any] | None) -> CustomObjectScope:
    """A :class:`CustomObjectScope` over the given dicts.

    Example:
        >>> with custom_object_scope({"MyLayer": object}):  # doctest: +SKIP
        ...     model = polykeras.models.load_model("model.keras")
    """
    return CustomObjectScope(*custom_objects)


def active_custom_objects(custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The merged view of the global registry, the scopes and ``custom_objects``."""
    merged: dict[str, Any] = dict(_GLOBAL_OBJECTS)
    for scope in _scopes:
        merged.update(scope)
    if custom_objects:
        merged.update(custom_objects)
    return merged
