"""Saving and loading whole models (``.keras``) and weights (``.weights.h5``).

Example:
    >>> import polykeras  # doctest: +SKIP
    >>> model.save("model.keras")  # doctest: +SKIP
    >>> same = polykeras.models.load_model("model.keras")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import json
import os
import zipfile
from collections.abc import Mapping
from typing import Any

from polykeras.saving import archive, serialization, weights_store
from polykeras.utils import limits

#: The Keras 3 release whose ``.keras`` format polykeras writes.
KERAS_FORMAT_VERSION = "3.15.1"


def _path(filepath: Any) -> str:
    try:
        return os.fspath(filepath)
    except TypeError:
        raise ValueError(
            f"Expected a file path (str or os.PathLike), received "
            f"{type(filepath).__name__}: {filepath!r}."
        ) from None


def _check_model(model: Any, what: str) -> None:
    from polykeras.layers.layer import Layer

    if not isinstance(model, Layer):
        raise ValueError(
            f"{what} expects a polykeras model, received {type(model).__name__}: {model!r}."
        )


def _check_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(
            f"{path} already exists and overwrite=False. Pass overwrite=True to replace it."
        )


def _metadata(model: Any) -> dict[str, Any]:
    import polykeras

    return {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "polykeras_version": polykeras.__version__,
        "polykeras_backend": model._backend.name,
    }


def _model_json_config(model: Any) -> dict[str, Any]:
    config = serialization.serialize_object(model)
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The config of model {model.name!r} is not JSON-compatible ({exc}). Make every "
            "custom get_config() return plain values (numbers, strings, lists, dicts) or "
            "serialized objects."
        ) from None
    return config


def save_model(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Save architecture, weights and optimizer state to a ``.keras`` file (Keras 3 format).

    The file is written atomically: on any error the previous file is left untouched.

    Args:
        model: the model to save.
        filepath: a path ending in ``.keras``.
        overwrite: replace an existing file (else raise ``FileExistsError``).

    Example:
        >>> save_model(model, "model.keras")  # doctest: +SKIP
    """
    _check_model(model, "save_model")
    kwargs.pop("zipped", None)
    kwargs.pop("include_optimizer", None)
    if kwargs:
        raise TypeError(f"save_model got unexpected keyword argument(s) {sorted(kwargs)}.")
    path = _path(filepath)
    if not path.endswith(".keras"):
        raise ValueError(
            f"The filename must end in `.keras`, received filepath={path!r}. Use "
            "model.save_weights('name.weights.h5') to save only the weights."
        )
    _check_overwrite(path, overwrite)
    config = _model_json_config(model)
    weights = weights_store.weights_bytes(model)
    archive.write_archive(path, config, _metadata(model), weights)


def load_model(filepath: Any, custom_objects: Mapping[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True,
               max_member_size: int | None = None,
               max_compression_ratio: float | None = None) -> Any:
    """Load a model from a ``.keras`` file, on the active backend.

    Args:
        filepath: the ``.keras`` file.
        custom_objects: ``{name: class or function}`` for objects you defined.
        compile: compile the model as it was saved (and restore the optimizer state).
        safe_mode: refuse Lambda layers. Stored Python code is never run, in any mode.
        max_member_size: bytes one archive member may decompress to (default 8 GiB).
        max_compression_ratio: how much a member above 1 MiB may expand when
            decompressed (default 100).

    Every weight the config declares is checked against the arrays of the weights file
    before it is allocated, so a small file cannot make the loader allocate much memory.

    Raises:
        ValueError: the file is missing, foreign, truncated or corrupt, names a class
            that is unknown or refused, exceeds a limit, or its weights do not fit the
            model.

    Example:
        >>> model = load_model("model.keras")  # doctest: +SKIP
    """
    path = _path(filepath)
    config, _, weights = archive.read_archive(
        path, _limits(max_member_size, max_compression_ratio))
    label = f"{path} ({archive.WEIGHTS_NAME})"
    with weights_store.open_h5(weights, label) as h5file:
        with limits.weights_budget(path, limits.h5_array_sizes(h5file)):
            model = _model_from_config(config, custom_objects, compile, safe_mode, path)
    _read_weights(model, weights, label, path, restore_optimizer=compile)
    return model


def _limits(max_member_size: int | None, max_compression_ratio: float | None,
            ) -> limits.ArchiveLimits:
    default = limits.ArchiveLimits()
    return limits.ArchiveLimits(
        default.max_member_size if max_member_size is None else max_member_size,
        default.max_compression_ratio if max_compression_ratio is None
        else max_compression_ratio)


def _read_weights(model: Any, source: Any, label: str, path: str, **kwargs: Any) -> None:
    with weights_store.open_h5(source, label) as h5file:
        try:
            weights_store.load_weights_into(model, h5file, path, **kwargs)
        except (OSError, RuntimeError, KeyError) as exc:
            raise ValueError(
                f"{label} is truncated or corrupt: reading it failed ({exc})."
            ) from None


def _model_from_config(config: dict[str, Any], custom_objects: Mapping[str, Any] | None,
                       compile: bool, safe_mode: bool, label: str) -> Any:
    from polykeras.layers.layer import Layer

    serialization.check_config_safety(config, safe_mode, where=f"{label}: ")
    if not compile:
        config = {k: v for k, v in config.items() if k != "compile_config"}
    try:
        model = serialization.deserialize_object(config, custom_objects=custom_objects,
                                                 safe_mode=safe_mode, kind="models")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"Cannot load a model from {label}: {exc}") from exc
    if not isinstance(model, Layer):
        raise ValueError(
            f"{label} does not describe a model: it describes a {type(model).__name__}."
        )
    return model


def save_weights(model: Any, filepath: Any, overwrite: bool = True,
                 max_shard_size: Any = None) -> None:
    """Save the weights (and optimizer state) to a ``.weights.h5`` file, atomically.

    Example:
        >>> save_weights(model, "model.weights.h5")  # doctest: +SKIP
    """
    _check_model(model, "save_weights")
    if max_shard_size is not None:
        raise ValueError("Sharded weights (max_shard_size=...) are not supported.")
    path = _path(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(
            f"The filename must end in `.weights.h5`, received filepath={path!r}. Use "
            "model.save('name.keras') to save the whole model."
        )
    _check_overwrite(path, overwrite)
    data = weights_store.weights_bytes(model)
    with archive.atomic_write(path) as f:
        f.write(data)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False,
                 max_member_size: int | None = None,
                 max_compression_ratio: float | None = None, **kwargs: Any) -> None:
    """Load weights saved by :func:`save_weights` or from a ``.keras`` file.

    Args:
        model: a built model with the same architecture.
        filepath: a ``.weights.h5`` or ``.keras`` file.
        skip_mismatch: skip (with a warning) layers whose weights do not fit, instead of
            raising.
        max_member_size, max_compression_ratio: limits for a ``.keras`` archive, as in
            :func:`load_model`.

    Example:
        >>> load_weights(model, "model.weights.h5")  # doctest: +SKIP
    """
    _check_model(model, "load_weights")
    if kwargs:
        raise TypeError(f"load_weights got unexpected keyword argument(s) {sorted(kwargs)}.")
    path = _path(filepath)
    archive.check_exists(path)
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} is not built yet, so it has no weights to load into. "
            "Call it on data or give its first layer an input shape first."
        )
    if path.endswith(".keras") or zipfile.is_zipfile(path):
        _, _, data = archive.read_archive(
            path, _limits(max_member_size, max_compression_ratio))
        source: Any = data
        label = f"{path} ({archive.WEIGHTS_NAME})"
    else:
        source, label = path, path
    _read_weights(model, source, label, path, skip_mismatch=skip_mismatch)


def model_from_json(json_string: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A model (freshly initialized weights) from :meth:`Model.to_json` output.

    Example:
        >>> clone = model_from_json(model.to_json())  # doctest: +SKIP
    """
    config = archive.parse_json(json_string, "The JSON string")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "model_from_json expects the JSON of a serialized model (an object with "
            f"'class_name' and 'config'), received {type(config).__name__}."
        )
    return _model_from_config(config, custom_objects, True, True, "the JSON string")
