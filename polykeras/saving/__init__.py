"""Saving and loading in the Keras 3 ``.keras`` format, on any backend.

A ``.keras`` file is a zip of ``config.json`` (the architecture and compile arguments),
``metadata.json`` and ``model.weights.h5`` (weights and optimizer state). Files written
here load in Keras 3 and the other way round; a model saved on one backend loads on
every other. Loading never runs code from a file.

Example:
    >>> import polykeras  # doctest: +SKIP
    >>> model.save("model.keras")  # doctest: +SKIP
    >>> model = polykeras.models.load_model("model.keras")  # doctest: +SKIP
"""

from polykeras.saving.registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from polykeras.saving.saving_api import (
    load_model,
    load_weights,
    model_from_json,
    save_model,
    save_weights,
)
from polykeras.saving.serialization import (
    deserialize_keras_object,
    deserialize_object,
    serialize_keras_object,
    serialize_object,
)

__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
    "deserialize_object", "get_custom_objects", "get_registered_name",
    "get_registered_object", "load_model", "load_weights", "model_from_json",
    "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
    "serialize_object",
]
