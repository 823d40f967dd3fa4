"""Objects to Keras-3-style config dicts and back, without ever running code from a file.

A serialized object is ``{"module", "class_name", "config", "registered_name"}`` (plus
``"build_config"``/``"compile_config"`` for layers and models). Built-in classes are
written under their Keras 3 modules (``"keras.layers"``, ``"keras.optimizers"`` ...), so
Keras 3 reads polykeras configs and polykeras reads Keras 3 configs.

Loading only ever instantiates built-in polykeras classes or classes and functions the
user provided (``custom_objects=``, :func:`~polykeras.saving.custom_object_scope`,
:func:`~polykeras.saving.register_keras_serializable`). No module named in a config is
imported; Python lambdas stored in a file and ``Lambda`` layers are refused.

Example:
    >>> from polykeras import layers
    >>> config = serialize_object(layers.Dense(3, name="d"))
    >>> config["module"], config["class_name"]
    ('keras.layers', 'Dense')
    >>> deserialize_object(config).units
    3
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from polykeras.saving import builtins, keras_compat, registration

_PLAIN = (str, int, float, bool)

#: ``(custom_objects, safe_mode)`` of the loading calls in progress, innermost last.
_contexts: list[tuple[dict[str, Any], bool]] = []

#: Config entries some polykeras layers accept but do not implement: refused when set.
_UNIMPLEMENTED_OPTIONS: tuple[str, ...] = ()
#: Constraint entries: refused when set, unless the class lists them in ``_constraint_args``.
_CONSTRAINT_OPTIONS = ("kernel_constraint", "bias_constraint", "embeddings_constraint",
                       "beta_constraint", "gamma_constraint")


# ---------------------------------------------------------------------- serialize
def serialize_object(obj: Any) -> Any:
    """A JSON-compatible Keras-3-style description of ``obj``.

    Handles None, plain values, lists, tuples, dicts, NumPy arrays, layers, models,
    optimizers, losses, metrics, initializers, regularizers, schedules and named
    functions (built-in, or registered with ``register_keras_serializable``).

    Example:
        >>> serialize_object([1, (2, 3)])
        [1, [2, 3]]
    """
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_object(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _serialize_function(obj)
    if isinstance(obj, type):
        raise ValueError(
            f"Cannot serialize the class {obj.__name__} itself; pass an instance."
        )
    return _serialize_instance(obj)


def _serialize_function(fn: Any) -> dict[str, Any]:
    if fn.__name__ == "<lambda>":
        raise ValueError(
            "Cannot save a lambda function: polykeras files never contain code. Define a "
            "named function and register it with "
            "@polykeras.saving.register_keras_serializable()."
        )
    known = builtins.function_name(fn)
    if known is not None and not registration.is_registered(fn):
        keras_module, short = known
        return {"module": keras_module, "class_name": "function", "config": short,
                "registered_name": short}
    name = registration.get_registered_name(fn)
    module = getattr(fn, "__module__", None)
    return {"module": None if module == "__main__" else module, "class_name": "function",
            "config": name, "registered_name": name}


def _serialize_instance(obj: Any) -> dict[str, Any]:
    from polykeras.losses import LossFunctionWrapper

    if type(obj) is LossFunctionWrapper:  # a bare wrapper: the function is the object
        return _serialize_function(obj.fn)
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise ValueError(
            f"Cannot serialize {obj!r} (a {type(obj).__name__}): it has no get_config(). "
            "Give the class a get_config() returning its constructor arguments."
        )
    config = get_config()
    if not isinstance(config, dict):
        raise ValueError(
            f"{type(obj).__name__}.get_config() must return a dict, returned "
            f"{type(config).__name__}: {config!r}."
        )
    cls = type(obj)
    from polykeras.metrics.base import MeanMetricWrapper

    if isinstance(obj, MeanMetricWrapper) and "fn" not in config and (
            cls is MeanMetricWrapper or cls.__name__ == "SampleMeanWrapper"):
        config = {**config, "fn": obj._fn}
    module = None if registration.is_registered(cls) else builtins.keras_module_of(cls)
    if module is not None:
        registered = "Functional" if module == builtins.FUNCTIONAL_MODULE else None
        out = {"module": module, "class_name": cls.__name__,
               "config": _keras_modules(serialize_object(config)),
               "registered_name": registered}
    else:
        out = {"module": None if cls.__module__ == "__main__" else cls.__module__,
               "class_name": cls.__name__, "config": _keras_modules(serialize_object(config)),
               "registered_name": registration.get_registered_name(cls)}
    build_config = _build_config(obj)
    if build_config is not None:
        out["build_config"] = build_config
    from polykeras.models.model import Model

    if isinstance(obj, Model) and getattr(obj, "compiled", False):
        from polykeras.saving.compile_config import compile_config

        out["compile_config"] = compile_config(obj)
    return out


def _keras_modules(value: Any) -> Any:
    """Nested configs of built-in classes re-labelled with their Keras module."""
    if isinstance(value, list):
        return [_keras_modules(v) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: _keras_modules(v) for k, v in value.items()}
    module = value.get("module")
    if isinstance(module, str) and module.startswith("polykeras") and "class_name" in value:
        cls = builtins.find_class(value["class_name"], module)
        keras_module = builtins.keras_module_of(cls) if cls is not None else None
        if keras_module is not None:
            value["module"] = keras_module
    return value


def _shape_list(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)):
        return [_shape_list(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _shape_list(v) for k, v in shape.items()}
    return None if shape is None else int(shape)


def _build_config(obj: Any) -> dict[str, Any] | None:
    from polykeras.layers.core import InputLayer
    from polykeras.layers.layer import Layer
    from polykeras.models.functional import Functional
    from polykeras.models.sequential import Sequential

    if not isinstance(obj, Layer) or isinstance(obj, InputLayer) or not obj.built:
        return None
    if isinstance(obj, Functional):
        return {"input_shape": None}
    if isinstance(obj, Sequential):
        try:
            return {"input_shape": _shape_list(obj.input_shape)}
        except ValueError:
            return None
    if obj._build_shapes is None:
        return None
    return {"input_shape": _shape_list(obj._build_shapes)}


# -------------------------------------------------------------------- deserialize
@contextlib.contextmanager
def loading_context(custom_objects: Mapping[str, Any] | None = None,
                    safe_mode: bool | None = None) -> Iterator[tuple[dict[str, Any], bool]]:
    """Custom objects and safe mode for every deserialization inside the block.

    Nested calls (a custom layer's ``from_config`` deserializing its sublayers) inherit
    the outer call's custom objects and safe mode.
    """
    outer_objects, outer_safe = _contexts[-1] if _contexts else ({}, True)
    merged = dict(outer_objects)
    merged.update(custom_objects or {})
    safe = outer_safe if safe_mode is None else bool(safe_mode)
    _contexts.append((merged, safe))
    try:
        yield merged, safe
    finally:
        _contexts.pop()


def deserialize_object(config: Any, custom_objects: Mapping[str, Any] | None = None,
                       safe_mode: bool | None = None, kind: str | None = None,
                       build: bool = True) -> Any:
    """The object a :func:`serialize_object` config describes.

    Args:
        config: a serialized object, a plain value, or a list/dict of them.
        custom_objects: ``{name: class or function}`` for objects users defined.
        safe_mode: refuse ``Lambda`` layers and stored lambdas (default True; inherited
            inside a loading call).
        kind: what the config should be when its module does not say
            ("layers", "optimizers", "losses", "metrics", "activations" ...).
        build: build layers from their ``build_config``.

    Raises:
        ValueError: an unknown or refused class/function, or an invalid config.

    Example:
        >>> deserialize_object({"class_name": "Adam", "config": {"learning_rate": 0.1},
        ...                     "module": "keras.optimizers"}).name.startswith("adam")
        True
    """
    with loading_context(custom_objects, safe_mode) as (objects, safe):
        return _deserialize(config, objects, safe, kind, build)


def _deserialize(config: Any, objects: dict[str, Any], safe: bool, kind: str | None,
                 build: bool) -> Any:
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        if kind is None:
            return config
        found = registration.get_registered_object(config, objects)
        if found is not None:
            return found
        if kind == "activations":
            return builtins.find_function(config, None, kind) or config
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(c, objects, safe, kind, build) for c in config]
    if not isinstance(config, dict):
        return config  # already an object
    if "class_name" not in config:
        return {k: _deserialize(v, objects, safe, kind, build) for k, v in config.items()}
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name == "__keras_tensor__":
        raise ValueError(
            "A '__keras_tensor__' entry is only valid inside the inbound_nodes of a "
            "functional model config."
        )
    special = _special_value(class_name, inner, config, objects, safe)
    if special is not _NOT_SPECIAL:
        return special
    if class_name == "function":
        return resolve_function(config, objects, kind)
    if not isinstance(class_name, str):
        raise ValueError(f"Invalid config: 'class_name' must be a string, received {class_name!r}.")
    if isinstance(inner, dict) or inner is None:
        inner = dict(inner or {})
    else:
        raise ValueError(
            f"Invalid config for {class_name!r}: 'config' must be a dict, received "
            f"{type(inner).__name__}."
        )
    cls, custom = resolve_class(config, objects, safe, kind)
    return _instantiate(cls, custom, config, inner, objects, safe, build)


_NOT_SPECIAL = object()


def _special_value(class_name: Any, inner: Any, config: dict[str, Any],
                   objects: dict[str, Any], safe: bool) -> Any:
    if class_name == "__lambda__":
        raise ValueError(lambda_refusal(safe))
    if class_name in ("__numpy__", "__tensor__"):
        if not isinstance(inner, dict) or "value" not in inner:
            raise ValueError(f"Invalid {class_name} entry: {config!r}.")
        return np.asarray(inner["value"], dtype=np.dtype(str(inner.get("dtype") or "float32")))
    if class_name == "__bytes__":
        return str((inner or {}).get("value", "")).encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        inner = inner or {}
        return slice(*(_deserialize(inner.get(k), objects, safe, None, True)
                       for k in ("start", "stop", "step")))
    if class_name == "__tuple__":
        return tuple(_deserialize((inner or {}).get("value", []), objects, safe, None, True))
    if class_name == "__typespec__":
        raise ValueError(
            "The config holds a TensorFlow TypeSpec ('__typespec__'), which polykeras does "
            "not support."
        )
    if class_name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        return keras_compat.dtype_name(config)
    return _NOT_SPECIAL


def lambda_refusal(safe: bool) -> str:
    """The error text for a Python lambda stored in a file."""
    if safe:
        return (
            "Refusing to load a Python lambda ('__lambda__') stored in the file: loading "
            "it would run code from the file. Define the function in your code, register "
            "it with @polykeras.saving.register_keras_serializable() or pass it in "
            "custom_objects=, and save the model again."
        )
    return (
        "The file stores a Python lambda ('__lambda__'). polykeras never runs code from a "
        "file, even with safe_mode=False. Define the function in your code, register it "
        "with @polykeras.saving.register_keras_serializable() or pass it in "
        "custom_objects=, and save the model again."
    )


def resolve_function(config: dict[str, Any], objects: Mapping[str, Any],
                     kind: str | None = None) -> Any:
    """The function a ``{"class_name": "function", ...}`` entry names."""
    name = config.get("config")
    registered = config.get("registered_name")
    if not isinstance(name, str):
        raise ValueError(f"Invalid function entry (its 'config' must be a name): {config!r}.")
    for key in (registered, name):
        if isinstance(key, str):
            found = registration.get_registered_object(key, objects)
            if found is not None:
                return found
    fn = builtins.find_function(name, config.get("module"), kind)
    if fn is not None:
        return fn
    raise ValueError(
        f"Unknown function {registered or name!r} (module {config.get('module')!r}). "
        "polykeras never imports modules named in a file: register the function with "
        f"@polykeras.saving.register_keras_serializable() or pass "
        f"custom_objects={{{name!r}: {name}}}."
    )


def resolve_class(config: dict[str, Any], objects: Mapping[str, Any], safe: bool,
                  kind: str | None = None) -> tuple[type, bool]:
    """``(class, is_custom)`` for a serialized object; refuses Lambda and unknown classes."""
    class_name = config["class_name"]
    registered = config.get("registered_name")
    module = config.get("module")
    if class_name == "Lambda" and safe:
        layer_name = (config.get("config") or {}).get("name") if isinstance(
            config.get("config"), dict) else None
        raise ValueError(
            f"Refusing to load Lambda layer {layer_name!r}: a Lambda layer runs code "
            "stored in the file. Replace it with a custom layer class registered with "
            "@polykeras.saving.register_keras_serializable(). If the file is your own and "
            "you provide the class yourself, pass safe_mode=False together with "
            "custom_objects={'Lambda': YourLayer}."
        )
    for key in (registered, class_name):
        if isinstance(key, str):
            found = registration.get_registered_object(key, objects)
            if isinstance(found, type):
                return found, True
    # A Lambda layer reaches here only with safe_mode=False (refused above otherwise).
    cls = builtins.find_class(class_name, module, kind)
    if cls is not None and (registered in (None, class_name, "Functional")
                            or builtins.kind_of_module(module) is not None):
        return cls, False
    label = registered if isinstance(registered, str) and registered != class_name else class_name
    raise ValueError(
        f"Unknown class {label!r} (module {module!r}). polykeras only builds its own "
        "classes and classes you provide; it never imports modules named in a file. "
        f"Register the class with @polykeras.saving.register_keras_serializable() or pass "
        f"custom_objects={{{class_name!r}: {class_name}}}."
    )


def _instantiate(cls: type, custom: bool, config: dict[str, Any], inner: dict[str, Any],
                 objects: dict[str, Any], safe: bool, build: bool) -> Any:
    from polykeras.models.functional import Functional
    from polykeras.models.model import Model
    from polykeras.models.sequential import Sequential
    from polykeras.saving import graph_config

    if issubclass(cls, Sequential) and "layers" in inner:
        obj = graph_config.sequential_from_config(cls, inner)
    elif issubclass(cls, Model) and "layers" in inner and "input_layers" in inner and (
            issubclass(cls, Functional) or cls is Model):
        obj = graph_config.functional_from_config(
            Functional if cls is Model else cls, inner)
    else:
        if not custom:
            inner = _prepare_builtin_config(cls, inner, objects, safe)
        obj = _from_config(cls, inner)
    build_config = config.get("build_config")
    if build and isinstance(build_config, dict):
        _build_from_config(obj, build_config)
    compile_config = config.get("compile_config")
    if isinstance(obj, Model) and isinstance(compile_config, dict) and compile_config:
        from polykeras.saving.compile_config import compile_from_config

        compile_from_config(obj, compile_config)
    return obj


def _from_config(cls: type, inner: dict[str, Any]) -> Any:
    from_config = getattr(cls, "from_config", None)
    try:
        if from_config is None:
            return cls(**inner)
        return from_config(inner)
    except TypeError as exc:
        raise ValueError(
            f"Could not rebuild {cls.__name__} from its config (keys "
            f"{sorted(inner)}): {exc}. A custom class needs get_config() returning its "
            "constructor arguments (and from_config() when they are not plain values)."
        ) from exc


def _prepare_builtin_config(cls: type, inner: dict[str, Any], objects: dict[str, Any],
                            safe: bool) -> dict[str, Any]:
    """Keras-only entries dropped; nested objects built (polykeras classes take objects)."""
    inner = keras_compat.constructor_config(cls, inner)
    implemented = getattr(cls, "_constraint_args", ())
    for key in _UNIMPLEMENTED_OPTIONS + _CONSTRAINT_OPTIONS:
        if inner.get(key) is not None and key not in implemented:
            raise ValueError(
                f"{cls.__name__} {inner.get('name', '')!r} uses {key}={inner[key]!r}, which "
                "polykeras does not implement. Remove it from the model."
            )
    out = {}
    for key, value in inner.items():
        if key == "fn":
            out[key] = _metric_function(value, objects)
            continue
        kind = None
        if key == "activation" or key.endswith("_activation"):
            kind = "activations"
        elif key == "learning_rate":
            kind = "schedules"
        out[key] = _deserialize_nested(value, objects, safe, kind)
    return out


def _metric_function(value: Any, objects: dict[str, Any]) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "function":
        return resolve_function(value, objects, "metrics")
    if isinstance(value, str):
        found = (registration.get_registered_object(value, objects)
                 or builtins.find_function(value, None, "metrics")
                 or builtins.find_function(value, None, "losses"))
        if found is None:
            raise ValueError(
                f"Unknown metric function {value!r}. Register it with "
                "@polykeras.saving.register_keras_serializable() or pass "
                f"custom_objects={{{value!r}: {value}}}."
            )
        return found
    return value


def _deserialize_nested(value: Any, objects: dict[str, Any], safe: bool,
                        kind: str | None) -> Any:
    if isinstance(value, dict) and "class_name" in value:
        return _deserialize(value, objects, safe, kind, True)
    if isinstance(value, str) and kind == "activations":
        if builtins.find_function(value, None, "activations") is None:
            found = registration.find_by_short_name(value, objects)
            if found is not None:
                return found
        return value
    if isinstance(value, list):
        return [_deserialize_nested(v, objects, safe, None) for v in value]
    return value


def to_shape(value: Any) -> Any:
    """A build shape from JSON: lists of ints/None become tuples (nested for several)."""
    if isinstance(value, (list, tuple)):
        if all(v is None or isinstance(v, int) for v in value):
            return tuple(value)
        return [to_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: to_shape(v) for k, v in value.items()}
    return value


def _build_from_config(obj: Any, build_config: dict[str, Any]) -> None:
    from polykeras.layers.layer import Layer
    from polykeras.models.model import Model

    if not isinstance(obj, Layer) or obj.built:
        return
    shape = build_config.get("input_shape")
    if shape is None:
        shapes = build_config.get("shapes_dict")
        if isinstance(shapes, dict) and len(shapes) == 1:
            shape = next(iter(shapes.values()))
    if shape is None:
        return
    shape = to_shape(shape)
    if isinstance(obj, Model):
        obj.build(shape)
    else:
        obj._maybe_build(shape)


# ------------------------------------------------------------------- safety scan
def check_config_safety(config: Any, safe_mode: bool, where: str = "") -> None:
    """Refuse stored lambdas anywhere in ``config``, and Lambda layers in safe mode.

    Runs over the whole config before anything is built.
    """
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            name = node.get("class_name")
            if name == "__lambda__":
                raise ValueError(where + lambda_refusal(safe_mode))
            if name == "Lambda" and safe_mode:
                inner = node.get("config")
                layer = inner.get("name") if isinstance(inner, dict) else None
                raise ValueError(
                    f"{where}Refusing to load Lambda layer {layer!r}: a Lambda layer runs "
                    "code stored in the file. Replace it with a custom layer class "
                    "registered with @polykeras.saving.register_keras_serializable(). If "
                    "the file is your own and you provide the class yourself, pass "
                    "safe_mode=False together with custom_objects={'Lambda': YourLayer}."
                )
            stack.extend(node.values())


#: Keras's names for the same functions.
serialize_keras_object = serialize_object
deserialize_keras_object = deserialize_object
