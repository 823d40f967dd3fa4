"""Models: Sequential, functional ``Model(inputs, outputs)`` and subclassed ``Model``.

Example:
    >>> from polykeras.models import Sequential
"""

from polykeras.models.functional import Functional
from polykeras.models.model import Model
from polykeras.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True,
               max_member_size=None, max_compression_ratio=None):
    """Load a model saved with ``model.save(path)`` (``.keras`` format); see
    :func:`polykeras.saving.load_model` for the size limits."""
    from polykeras.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                 max_member_size=max_member_size, max_compression_ratio=max_compression_ratio)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save ``model`` to ``filepath`` (``.keras`` format), as ``model.save(filepath)``."""
    from polykeras.saving import save_model as _save

    return _save(model, filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (uninitialized weights) from :meth:`Model.to_json` output."""
    from polykeras.saving import model_from_json as _from_json

    return _from_json(json_string, custom_objects=custom_objects)


def clone_model(model, custom_objects=None):
    """A new model with the same architecture and freshly initialized weights."""
    from polykeras.saving.serialization import deserialize_object, serialize_object

    config = serialize_object(model)
    config.pop("compile_config", None)  # a clone starts uncompiled, as in Keras
    return deserialize_object(config, custom_objects=custom_objects)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
