"""Utilities, as ``keras.utils``: seeding, array helpers, ``PyDataset`` and
backend-neutral datasets, files and images, model plots, serialization.

Names are imported on first use, so ``import polykeras`` stays light.

Example:
    >>> import polykeras
    >>> polykeras.utils.set_random_seed(42)
    >>> polykeras.utils.to_categorical([1, 0], 2).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import importlib
from typing import Any

from polykeras.utils.numerical import normalize, pad_sequences, to_categorical
from polykeras.utils.py_dataset import PyDataset
from polykeras.utils.seeding import draw_seed, numpy_rng, set_random_seed

Sequence = PyDataset  # the older Keras name

#: Lazily imported names -> their module.
_LAZY = {
    "Progbar": "polykeras.callbacks.progbar",
    "Dataset": "polykeras.utils.dataset_utils",
    "split_dataset": "polykeras.utils.dataset_utils",
    "timeseries_dataset_from_array": "polykeras.utils.dataset_utils",
    "image_dataset_from_directory": "polykeras.utils.directory_datasets",
    "text_dataset_from_directory": "polykeras.utils.directory_datasets",
    "load_img": "polykeras.utils.image_utils",
    "img_to_array": "polykeras.utils.image_utils",
    "array_to_img": "polykeras.utils.image_utils",
    "save_img": "polykeras.utils.image_utils",
    "get_file": "polykeras.utils.file_utils",
    "model_to_dot": "polykeras.utils.model_visualization",
    "plot_model": "polykeras.utils.model_visualization",
    "serialize_keras_object": "polykeras.saving.serialization",
    "deserialize_keras_object": "polykeras.saving.serialization",
    "custom_object_scope": "polykeras.saving.registration",
    "CustomObjectScope": "polykeras.saving.registration",
    "get_registered_object": "polykeras.saving.registration",
    "get_registered_name": "polykeras.saving.registration",
    "get_custom_objects": "polykeras.saving.registration",
    "register_keras_serializable": "polykeras.saving.registration",
}

__all__ = ["PyDataset", "Sequence", "draw_seed", "normalize", "numpy_rng", "pad_sequences",
           "set_random_seed", "to_categorical", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
